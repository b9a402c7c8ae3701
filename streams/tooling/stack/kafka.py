"""A single-node Apache Kafka broker in KRaft mode, resolved from Maven Central."""

from __future__ import annotations

import base64
import hashlib
import logging
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from streams.errors import StackError
from streams.runtime.ports import port_open
from streams.settings import PROJECT_ROOT, Settings
from streams.tooling.stack.process import ManagedProcess, wait_until

log = logging.getLogger(__name__)

LOCAL_DIR = PROJECT_ROOT / "compose" / "local"


def new_cluster_id() -> str:
    """A random KRaft cluster id: a UUID in URL-safe base64, never starting with ``-``.

    The storage tool reads an id that starts with ``-`` as an option (one draw in 64).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass(frozen=True)
class Listener:
    """An extra broker listener, e.g. a SASL_SSL one for secured-connection tests."""

    name: str
    port: int
    protocol: str


@dataclass
class KafkaBroker:
    """The local broker: jars under ``home/kafka/<version>``, data under the state directory."""

    settings: Settings
    extra_listeners: list[Listener] = field(default_factory=list)
    extra_properties: dict[str, str] = field(default_factory=dict)
    extra_jvm_args: list[str] = field(default_factory=list)

    @property
    def state(self) -> Path:
        return self.settings.state_dir / "kafka"

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess("kafka", self.settings.state_dir)

    @property
    def libs(self) -> Path:
        return self.settings.home / "kafka" / self.settings.stack.kafka_version / "libs"

    def resolve_jars(self) -> Path:
        """Download the broker and its dependencies with Maven, once per version and pom.

        The completion marker holds the pom's sha256, so a dependency added to the pom (such
        as the logging binding) is resolved into a cache filled by an older pom.
        """
        marker = self.libs / ".complete"
        pom = LOCAL_DIR / "kafka-pom.xml"
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()
        if marker.exists() and marker.read_text().strip() == digest:
            return self.libs
        if shutil.which("mvn") is None or shutil.which("java") is None:
            msg = (
                "the local Kafka broker needs Java 17 and Maven "
                "(apt-get install openjdk-17-jre-headless maven)"
            )
            raise StackError(msg)
        self.libs.mkdir(parents=True, exist_ok=True)
        version = self.settings.stack.kafka_version
        log.info("stack.kafka.resolve version=%s into=%s", version, self.libs)
        cmd = [
            "mvn", "-q", "-B", "-f", str(pom),
            "dependency:copy-dependencies", f"-Dkafka.version={version}",
            f"-DoutputDirectory={self.libs}", "-DincludeScope=runtime",
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            output = done.stdout[-3000:] + done.stderr[-2000:]
            msg = f"Maven could not resolve kafka_2.13:{version}:\n{output}"
            raise StackError(msg)
        marker.write_text(digest)
        return self.libs

    def _java(self, main: str, *args: str, heap: str = "256m") -> list[str]:
        return [
            "java", f"-Xmx{heap}", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOCAL_DIR / 'log4j2.yaml'}",
            *self.extra_jvm_args, "-cp", f"{self.libs}/*", main, *args,
        ]  # fmt: skip

    def write_config(self) -> Path:
        """Render server.properties for this broker."""
        stack = self.settings.stack
        names = ["PLAINTEXT", "CONTROLLER", *(item.name for item in self.extra_listeners)]
        ports = [stack.kafka_port, stack.kafka_controller_port]
        ports += [item.port for item in self.extra_listeners]
        listeners = ",".join(f"{n}://127.0.0.1:{p}" for n, p in zip(names, ports, strict=True))
        advertised = ",".join(
            f"{n}://127.0.0.1:{p}" for n, p in zip(names, ports, strict=True) if n != "CONTROLLER"
        )
        protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
        protocols += [f"{item.name}:{item.protocol}" for item in self.extra_listeners]
        extra = "\n".join(f"{key}={value}" for key, value in self.extra_properties.items())
        text = Template((LOCAL_DIR / "server.properties.template").read_text()).substitute(
            controller_port=stack.kafka_controller_port,
            listeners=listeners,
            advertised_listeners=advertised,
            protocol_map=",".join(protocols),
            log_dir=self.state / "data",
            extra=extra,
        )
        self.state.mkdir(parents=True, exist_ok=True)
        path = self.state / "server.properties"
        path.write_text(text)
        return path

    def _format(self, config: Path) -> None:
        if (self.state / "data" / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        argv = self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config))
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            msg = f"formatting the Kafka log directory failed:\n{done.stdout}{done.stderr}"
            raise StackError(msg)

    def running(self) -> bool:
        return self.process.pid() is not None

    def ready(self) -> bool:
        """Whether the broker answers a metadata request."""
        if not port_open("127.0.0.1", self.settings.stack.kafka_port):
            return False
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{self.settings.stack.kafka_port}"})
        try:
            metadata = admin.list_topics(timeout=2)
        except Exception:  # noqa: BLE001 - any client error means "not ready yet"
            return False
        return bool(metadata.brokers)

    def up(self) -> float:
        """Start the broker unless it runs; returns the seconds start-up took (0 if reused)."""
        if self.running():
            wait_until(self.ready, timeout_s=self.settings.stack.start_timeout_s, what="kafka")
            return 0.0
        if port_open("127.0.0.1", self.settings.stack.kafka_port):
            msg = (
                f"port {self.settings.stack.kafka_port} is taken by a process this stack did not "
                "start; stop it or set SHOPSTREAM_STACK__KAFKA_PORT"
            )
            raise StackError(msg)
        self.resolve_jars()
        config = self.write_config()
        self._format(config)
        self.process.start(
            self._java("kafka.Kafka", str(config), heap=self.settings.stack.kafka_heap)
        )
        return wait_until(
            self.ready,
            timeout_s=self.settings.stack.start_timeout_s,
            what="kafka broker",
            process=self.process,
        )

    def down(self) -> bool:
        return self.process.stop()
