"""Throwaway TLS material for the local stack: a CA and a server certificate for 127.0.0.1.

The ``cryptography`` package is not a dependency of shopstream, so the files are made with the
``openssl`` command line tool, which every Debian machine has. Keys are unencrypted PKCS#8 PEM
(mode 0600): Kafka reads them as a PEM keystore (``ssl.keystore.type=PEM``), ClickHouse's
``openSSL`` section and Python's ``ssl`` module read them as they are.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from streams.errors import StackError

log = logging.getLogger(__name__)

DEFAULT_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class TlsMaterial:
    """The files of a throwaway CA and one server certificate it signed."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        """The CA certificate clients trust (``ssl_cafile``, ``ca_certs``)."""
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def server_cert(self) -> Path:
        """The server's leaf certificate."""
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        """The server's private key, unencrypted PKCS#8."""
        return self.directory / "server.key"

    @property
    def server_chain(self) -> Path:
        """Leaf certificate followed by the CA certificate."""
        return self.directory / "server-chain.pem"

    @property
    def keystore_pem(self) -> Path:
        """Private key plus certificate chain in one file: a Kafka PEM keystore."""
        return self.directory / "server-keystore.pem"

    def exists(self) -> bool:
        """Whether every file is in place."""
        files = (self.ca_cert, self.ca_key, self.server_cert, self.server_key)
        return all(path.exists() for path in (*files, self.server_chain, self.keystore_pem))


def _openssl(*args: str, cwd: Path) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        msg = "generating TLS certificates needs the openssl command (apt-get install openssl)"
        raise StackError(msg)
    done = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"openssl {args[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        raise StackError(msg)


def _subject_alt_names(hosts: Sequence[str]) -> str:
    names = []
    for host in hosts:
        try:
            ip_address(host)
        except ValueError:
            names.append(f"DNS:{host}")
        else:
            names.append(f"IP:{host}")
    return ",".join(names)


def generate(
    directory: Path, *, hosts: Sequence[str] = DEFAULT_HOSTS, days: int = 7, force: bool = False
) -> TlsMaterial:
    """Create (or reuse) a CA and a server certificate valid for ``hosts``.

    Args:
        directory: Where the PEM files go; created if missing.
        hosts: Host names and IP addresses the server certificate is valid for.
        days: Validity of both certificates.
        force: Regenerate even when every file already exists.

    Returns:
        The paths of the generated files.

    Raises:
        StackError: ``openssl`` is missing or failed.
    """
    material = TlsMaterial(directory)
    if material.exists() and not force:
        return material
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    rsa = ("-newkey", "rsa:2048", "-nodes")
    _openssl(
        "req", "-x509", *rsa, "-keyout", material.ca_key.name, "-out", material.ca_cert.name,
        "-days", str(days), "-subj", "/CN=shopstream throwaway CA", "-sha256",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "req", *rsa, "-keyout", material.server_key.name, "-out", "server.csr",
        "-subj", f"/CN={hosts[0]}", "-sha256",
        cwd=directory,
    )  # fmt: skip
    extensions = directory / "server.ext"
    extensions.write_text(
        f"subjectAltName={_subject_alt_names(hosts)}\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", material.ca_cert.name,
        "-CAkey", material.ca_key.name, "-set_serial", str(secrets.randbits(63)),
        "-days", str(days), "-sha256", "-extfile", extensions.name,
        "-out", material.server_cert.name,
        cwd=directory,
    )  # fmt: skip
    (directory / "server.csr").unlink()
    extensions.unlink()
    leaf, ca = material.server_cert.read_text(), material.ca_cert.read_text()
    material.server_chain.write_text(leaf + ca)
    material.keystore_pem.touch(mode=0o600)
    material.keystore_pem.write_text(material.server_key.read_text() + leaf + ca)
    for key in (material.ca_key, material.server_key, material.keystore_pem):
        key.chmod(0o600)
    log.info("stack.tls.generated dir=%s hosts=%s days=%d", directory, ",".join(hosts), days)
    return material
