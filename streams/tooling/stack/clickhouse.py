"""A ClickHouse server from Debian's package, run with the project's own config."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

from streams.errors import StackError
from streams.runtime.ports import port_open
from streams.settings import PROJECT_ROOT, Settings
from streams.tooling.stack.process import (
    ManagedProcess,
    listens_on,
    run_package_tool,
    wait_until,
)

log = logging.getLogger(__name__)

LOCAL_DIR = PROJECT_ROOT / "compose" / "local"
SERVER_BINARY = Path("/usr/sbin/clickhouse-server")


def ensure_installed() -> Path:
    """Install Debian's clickhouse-server when it is missing (needs root)."""
    if SERVER_BINARY.exists():
        return SERVER_BINARY
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        msg = (
            "clickhouse-server is not installed and cannot be installed here: run "
            "`apt-get install clickhouse-server clickhouse-client` as root, or point "
            "SHOPSTREAM_CLICKHOUSE__URL at an existing server"
        )
        raise StackError(msg)
    log.info("stack.clickhouse.install via=apt-get")
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "clickhouse-server", "clickhouse-client"],
    ):
        done = run_package_tool(argv)
        if done.returncode != 0:
            msg = f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            raise StackError(msg)
    return SERVER_BINARY


@dataclass
class ClickHouseServer:
    """The local server: config, data and logs under the state directory."""

    settings: Settings
    tls_port: int | None = None
    certificate: Path | None = None
    private_key: Path | None = None

    @property
    def state(self) -> Path:
        return self.settings.state_dir / "clickhouse"

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess("clickhouse", self.settings.state_dir)

    def write_config(self) -> Path:
        """Render config.xml and users.xml; the password is stored as its sha256 only."""
        for sub in ("data", "tmp", "user_files", "format_schemas", "log"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        ch = self.settings.clickhouse
        password = ch.password.get_secret_value()
        password_element = (
            f"<password_sha256_hex>{hashlib.sha256(password.encode()).hexdigest()}"
            "</password_sha256_hex>"
            if password
            else "<password></password>"
        )
        users = self.state / "users.xml"
        users.write_text(
            Template((LOCAL_DIR / "clickhouse-users.xml.template").read_text()).substitute(
                user=ch.user, password_element=password_element
            )
        )
        tls_ports, openssl = "", ""
        if self.tls_port is not None and self.certificate and self.private_key:
            tls_ports = f"<tcp_port_secure>{self.tls_port}</tcp_port_secure>"
            openssl = (
                "<openSSL><server>"
                f"<certificateFile>{self.certificate}</certificateFile>"
                f"<privateKeyFile>{self.private_key}</privateKeyFile>"
                "<verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile>"
                "<cacheSessions>true</cacheSessions><preferServerCiphers>true</preferServerCiphers>"
                "</server></openSSL>"
            )
        stack = self.settings.stack
        config = self.state / "config.xml"
        config.write_text(
            Template((LOCAL_DIR / "clickhouse-config.xml.template").read_text()).substitute(
                state=self.state,
                tcp_port=stack.clickhouse_tcp_port,
                http_port=stack.clickhouse_http_port,
                interserver_port=stack.clickhouse_interserver_port,
                users_file=users,
                tls_ports=tls_ports,
                openssl=openssl,
            )
        )
        return config

    def command(self, config: Path) -> list[str]:
        """The server's command line (installs Debian's server when it is missing)."""
        return [str(ensure_installed()), f"--config-file={config}"]

    def environment(self) -> dict[str, str]:
        """Variables the server process needs beyond the inherited ones (none for Debian's)."""
        return {}

    def running(self) -> bool:
        return self.process.pid() is not None

    def ready(self) -> bool:
        """Whether the server answers a query over the native protocol."""
        return self.version() is not None

    def version(self) -> str | None:
        """The server's version (``SELECT version()``), or None while it does not answer."""
        if not port_open("127.0.0.1", self.settings.stack.clickhouse_tcp_port):
            return None
        from clickhouse_driver import Client

        ch = self.settings.clickhouse
        client = Client(
            host="127.0.0.1",
            port=self.settings.stack.clickhouse_tcp_port,
            user=ch.user,
            password=ch.password.get_secret_value(),
            connect_timeout=2,
        )
        try:
            rows = client.execute("SELECT version()")
        except Exception:  # noqa: BLE001 - any client error means "not ready yet"
            return None
        finally:
            client.disconnect()
        return str(rows[0][0]) if rows else None

    def up(self) -> float:
        """Start the server unless it runs; returns the seconds start-up took (0 if reused)."""
        timeout = self.settings.stack.start_timeout_s
        port = self.settings.stack.clickhouse_tcp_port
        pid = self.process.pid()
        if pid is not None and listens_on(pid, port):
            wait_until(self.ready, timeout_s=timeout, what="clickhouse")
            return 0.0
        if pid is not None:
            # This stack's server, started with other ports (another leg of the test command):
            # one server per state directory, so it makes way for the configured one.
            log.info("stack.clickhouse_restart pid=%d reason=other_ports", pid)
            self.process.stop()
        if port_open("127.0.0.1", self.settings.stack.clickhouse_tcp_port):
            msg = (
                f"port {self.settings.stack.clickhouse_tcp_port} is taken by a process this stack "
                "did not start; stop it or set SHOPSTREAM_STACK__CLICKHOUSE_TCP_PORT"
            )
            raise StackError(msg)
        config = self.write_config()
        self.process.start(self.command(config), env=self.environment())
        return wait_until(
            self.ready, timeout_s=timeout, what="clickhouse server", process=self.process
        )

    def down(self) -> bool:
        """Stop the server; returns once its native port is free again (False if not running)."""
        stopped = self.process.stop()
        if stopped:
            port = self.settings.stack.clickhouse_tcp_port
            wait_until(lambda: not port_open("127.0.0.1", port), timeout_s=30, what="port release")
        return stopped
