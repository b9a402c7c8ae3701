"""Debian's Prometheus, unpacked into the cache and run against local workers.

The binary comes from the Debian package without installing it (``apt-get download`` and
``dpkg-deb -x``), so nothing outside the cache directory changes. The server scrapes the
given worker endpoints with the project's own rule files, which makes the alert rules meet
real metrics rather than only an offline syntax check.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.errors import StackError
from streams.runtime.ports import port_open
from streams.settings import PROJECT_ROOT
from streams.tooling.stack.process import ManagedProcess, run_package_tool, wait_until

log = logging.getLogger(__name__)

RULES_FILE = PROJECT_ROOT / "monitoring" / "rules" / "shopstream.rules.yml"
WORKER_JOB = "shopstream-worker"
_FOR = re.compile(r"^(\s*for:\s*).+$", re.MULTILINE)


def ensure_binary(home: Path) -> Path:
    """The prometheus binary: on PATH, already unpacked in the cache, or unpacked now.

    Raises:
        StackError: the package cannot be downloaded or unpacked here.
    """
    found = shutil.which("prometheus")
    if found:
        return Path(found)
    root = home / "prometheus" / "root"
    binary = root / "usr" / "bin" / "prometheus"
    if binary.exists():
        return binary
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        msg = "Prometheus is not installed and apt-get/dpkg-deb are missing to unpack it"
        raise StackError(msg)
    debs = home / "prometheus" / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    log.info("stack.prometheus.download into=%s", debs)
    done = run_package_tool(["apt-get", "download", "-qq", "prometheus"], cwd=debs)
    if done.returncode != 0:
        # A fresh machine may have no package lists yet.
        run_package_tool(["apt-get", "update", "-qq"])
        done = run_package_tool(["apt-get", "download", "-qq", "prometheus"], cwd=debs)
    packages = sorted(debs.glob("prometheus_*.deb"))
    if done.returncode != 0 or not packages:
        msg = f"apt-get download prometheus failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}"
        raise StackError(msg)
    unpacked = run_package_tool(["dpkg-deb", "-x", str(packages[-1]), str(root)])
    if unpacked.returncode != 0 or not binary.exists():
        msg = f"dpkg-deb could not unpack {packages[-1].name}: {unpacked.stderr[-1500:]}"
        raise StackError(msg)
    return binary


def rules_without_hold(text: str) -> str:
    """The rule file with every ``for:`` hold set to 0s.

    The expressions stay exactly the project's; only the time a condition must hold before
    the alert fires is removed, so a test sees a rule fire within seconds of real metrics.
    """
    return _FOR.sub(r"\g<1>0s", text)


@dataclass
class PrometheusServer:
    """One Prometheus process scraping static worker targets, state under ``state``."""

    home: Path
    state: Path
    port: int
    targets: Sequence[str]
    interval_s: int = 1
    hold_alerts: bool = True

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess("prometheus", self.state)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        """prometheus.yml scraping the targets with the project's rules."""
        self.state.mkdir(parents=True, exist_ok=True)
        rules = RULES_FILE.read_text()
        rules_path = self.state / "shopstream.rules.yml"
        rules_path.write_text(rules if self.hold_alerts else rules_without_hold(rules))
        interval = f"{self.interval_s}s"
        config: dict[str, Any] = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(rules_path)],
            "scrape_configs": [
                {
                    "job_name": WORKER_JOB,
                    "metrics_path": "/metrics",
                    "static_configs": [{"targets": list(self.targets)}],
                }
            ],
        }
        path = self.state / "prometheus.yml"
        # JSON is valid YAML, so no YAML writer is needed at run time.
        path.write_text(json.dumps(config, indent=2))
        return path

    def up(self, timeout_s: float = 60.0) -> float:
        """Start the server and wait until it answers; returns the seconds it took."""
        if port_open("127.0.0.1", self.port):
            msg = f"port {self.port} is taken; choose another Prometheus port"
            raise StackError(msg)
        binary = ensure_binary(self.home)
        config = self.write_config()
        self.process.start(
            [
                str(binary),
                f"--config.file={config}",
                f"--storage.tsdb.path={self.state / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ]
        )
        return wait_until(self.ready, timeout_s=timeout_s, what="prometheus", process=self.process)

    def ready(self) -> bool:
        """Whether /-/ready answers 200."""
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def api(self, path: str) -> Any:
        """The ``data`` of a JSON API answer (``/api/v1/...``)."""
        with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as response:
            body = json.loads(response.read())
        if body.get("status") != "success":
            msg = f"prometheus {path}: {body}"
            raise StackError(msg)
        return body["data"]

    def alerts(self) -> list[dict[str, Any]]:
        """Active alerts (pending and firing) with their labels and state."""
        return list(self.api("/api/v1/alerts")["alerts"])

    def down(self) -> bool:
        return self.process.stop()
