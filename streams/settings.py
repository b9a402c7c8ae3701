"""The one configuration object of shopstream.

Every value comes from the environment (prefix ``SHOPSTREAM_``, nested fields with ``__``) or
from defaults that run the local stack. Build it once in ``main`` and pass it down.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.generation.facts import PlatformPolicies

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path.home() / ".cache" / "shopstream"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KafkaSettings(_Frozen):
    """How to reach Kafka."""

    bootstrap: str = "127.0.0.1:19092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    session_timeout_ms: int = 10_000
    request_timeout_ms: int = 30_000


class ClickHouseSettings(_Frozen):
    """How to reach ClickHouse (native protocol)."""

    url: str = "clickhouse://127.0.0.1:19000/shopstream"
    user: str = "default"
    password: SecretStr = SecretStr("")
    secure: bool = False
    ca_certs: Path | None = None
    verify: bool = True
    connect_timeout_s: float = 5.0
    # On current servers (streams.clickhouse.profiles), columns that can hold customer text
    # (the audit table's prompt, output and published text) are cleared after this many days
    # by a column TTL; set when the migration creating them runs.
    text_retention_days: int = Field(default=90, gt=0)
    # How many recent inserts per table a current server remembers, so a batch inserted
    # again with the same deduplication token (its source offsets) is stored once.
    deduplication_window: int = Field(default=1000, gt=0)

    @property
    def host(self) -> str:
        return self._parts()[0]

    @property
    def port(self) -> int:
        return self._parts()[1]

    @property
    def database(self) -> str:
        return self._parts()[2]

    def _parts(self) -> tuple[str, int, str]:
        from urllib.parse import urlparse

        parsed = urlparse(self.url)
        if parsed.scheme not in {"clickhouse", "clickhouses"}:
            msg = f"ClickHouse url must start with clickhouse:// (got {parsed.scheme!r})"
            raise ValueError(msg)
        database = parsed.path.lstrip("/") or "default"
        return parsed.hostname or "127.0.0.1", parsed.port or 9000, database


class TopicSettings(_Frozen):
    """Topic names and partition counts."""

    reviews: str = "shop.reviews"
    chat_messages: str = "shop.chat.messages"
    product_updates: str = "shop.products.updates"
    sentiment: str = "shop.reviews.sentiment"
    alerts: str = "shop.alerts.sentiment"
    replies: str = "shop.chat.replies"
    descriptions: str = "shop.products.descriptions"
    deadletter: str = "shop.deadletter"
    partitions: int = 4
    replication_factor: int = 1


class BatchSettings(_Frozen):
    """Micro-batching of model calls and sink flushes."""

    max_events: int = 64
    within_s: float = 0.02
    sink_max_rows: int = 5_000
    sink_retry_initial_s: float = 0.5
    sink_retry_max_s: float = 10.0
    # Room a dead letter keeps under the producer's max request size for the record batch
    # framing; what is left, minus key and headers, is what its value may hold.
    deadletter_headroom_bytes: int = Field(default=4_096, ge=512)


class DecodeSettings(_Frozen):
    """Limits an input message must keep before it is parsed (each a DecodeError past it).

    The checks run before ``json.loads`` so that no message can make the parser exhaust the
    stack, spend unbounded time converting digits or hold a worker on one huge value.
    """

    # The largest valid record (a 20,000-character review of 4-byte UTF-8 characters, plus
    # title and fields) is about 100 KB; beyond this a message is not a record we can use.
    max_bytes: int = Field(default=256 * 1024, gt=0)
    # Records nest two levels (an attributes object); unknown fields may add a few. The C
    # parser recurses once per level and raises RecursionError near 1,000.
    max_depth: int = Field(default=32, gt=0)
    # No record field holds more than a price or a count; Python refuses to convert more
    # than 4,300 digits anyway (ValueError), and converting is quadratic in the digits.
    max_int_digits: int = Field(default=64, gt=0, le=4_300)


class AlertSettings(_Frozen):
    """When a product's reviews count as turning negative."""

    window_s: int = 300
    min_reviews: int = 20
    negative_share: float = 0.5
    baseline_margin: float = 0.2
    baseline_weight: float = 0.2


GeneratorModelName = Literal["smollm2-135m", "qwen2.5-0.5b", "qwen2.5-1.5b"]
"""Generator weights ``shopstream models build`` can build (see ``export.generator_models``)."""
# Qwen2.5-0.5B by measurement on the evaluation set behind the same guard (README, "Generated
# text"): 33% of replies and 68% of descriptions model-written against SmolLM2's 4% and 21%, at
# a similar reply latency on 2 cores. SmolLM2 stays selectable, and tiny for quick runs.
DEFAULT_GENERATOR_MODEL: GeneratorModelName = "qwen2.5-0.5b"


class GenerationSettings(_Frozen):
    """How replies and descriptions are generated."""

    reply_max_new_tokens: int = 80
    description_max_new_tokens: int = 120
    repetition_penalty: float = 1.15
    timeout_s: float = 60.0
    batch_max_events: int = 8
    # Weights each task's model is built from (SHOPSTREAM_GENERATION__REPLY_MODEL=qwen2.5-0.5b);
    # the worker runs whatever the registry holds for the task.
    reply_model: GeneratorModelName = DEFAULT_GENERATOR_MODEL
    description_model: GeneratorModelName = DEFAULT_GENERATOR_MODEL


class StackSettings(_Frozen):
    """The local stack started without Docker."""

    kafka_version: str = "4.4.0"
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    kafka_heap: str = "512m"
    clickhouse_tcp_port: int = 19000
    clickhouse_http_port: int = 18123
    clickhouse_interserver_port: int = 19009
    # "chdb": a current ClickHouse (26.x) from the chdb-core wheel (streams.tooling.stack.chdb);
    # "debian": Debian's clickhouse-server package (18.16), the compatibility server.
    clickhouse_server: Literal["debian", "chdb"] = "chdb"
    start_timeout_s: float = 90.0


class ConsoleSettings(_Frozen):
    """The compliance console (``shopstream console``), read-only over the audit table.

    It binds to loopback by default; any other address needs ``token`` (sent as a bearer
    token, or once as ``?token=`` which the page keeps in a same-site cookie).
    """

    host: str = "127.0.0.1"
    port: int = 6070
    token: SecretStr | None = None
    max_rows: int = Field(default=500, gt=0)


class SupervisionSettings(_Frozen):
    """How a worker is kept alive: restarts by its supervisor, and bounded shutdowns."""

    # Restarts wait restart_initial_s, doubling per restart still inside the window, capped.
    restart_initial_s: float = Field(default=1.0, gt=0)
    restart_max_s: float = Field(default=60.0, gt=0)
    # More than restart_budget restarts within restart_window_s: the supervisor gives up.
    restart_budget: int = Field(default=10, ge=0)
    restart_window_s: float = Field(default=600.0, gt=0)
    # A stop (SIGTERM, SIGINT, orphaned) abandons in-flight work after this long and exits.
    shutdown_timeout_s: float = Field(default=30.0, gt=0)
    # A worker with a crashed agent gives its other agents this long to finish, then exits.
    crash_exit_timeout_s: float = Field(default=5.0, gt=0)
    # How often a supervised worker checks that its supervisor still runs.
    parent_check_s: float = Field(default=2.0, gt=0)


SentimentEncoderName = Literal["minilm-l6", "mpnet-base"]
DEFAULT_SENTIMENT_ENCODER: SentimentEncoderName = "minilm-l6"


class Settings(BaseSettings):
    """All of shopstream's configuration, frozen once built."""

    model_config = SettingsConfigDict(
        env_prefix="SHOPSTREAM_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    app_id: str = "shopstream"
    home: Path = Field(default_factory=_default_home)
    kafka: KafkaSettings = KafkaSettings()
    clickhouse: ClickHouseSettings = ClickHouseSettings()
    topics: TopicSettings = TopicSettings()
    batch: BatchSettings = BatchSettings()
    decode: DecodeSettings = DecodeSettings()
    alerts: AlertSettings = AlertSettings()
    generation: GenerationSettings = GenerationSettings()
    policies: PlatformPolicies = PlatformPolicies()
    stack: StackSettings = StackSettings()
    console: ConsoleSettings = ConsoleSettings()
    model_dir: Path | None = None
    # The encoder `shopstream models build` fine-tunes for sentiment (README, "Sentiment
    # model": the table and the rule that chose the default).
    sentiment_encoder: SentimentEncoderName = DEFAULT_SENTIMENT_ENCODER
    device: Literal["auto", "cpu", "cuda"] = "auto"
    web_port: int = 6066
    web_bind: str = "127.0.0.1"
    worker_log_level: str = "info"
    # Input waiting this long with no batch started or finished means the worker is stalled:
    # it exits and its supervisor restarts it (see streams.runtime.watchdog).
    stall_after_s: float = Field(default=300.0, gt=0)
    # Restarts, shutdown bounds and parent checks of supervised workers
    # (streams.runtime.supervisor).
    supervision: SupervisionSettings = SupervisionSettings()
    migrations_dir: Path = PROJECT_ROOT / "compose" / "clickhouse" / "migrations"

    @property
    def models_path(self) -> Path:
        """Where the model registry lives (manifests and ONNX files)."""
        return self.model_dir or self.home / "models"

    @property
    def state_dir(self) -> Path:
        """Where the local stack keeps its data, logs and PIDs."""
        return self.home / "stack"


def _plain(value: object) -> object:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    msg = f"cannot pass {type(value).__name__} through the environment"
    raise TypeError(msg)


def child_environment(settings: Settings, inherited: Mapping[str, str]) -> dict[str, str]:
    """The environment of a child process that must run with exactly these settings.

    ``inherited`` (the parent's environment) is kept except its ``SHOPSTREAM_*`` variables:
    a nested one such as ``SHOPSTREAM_CLICKHOUSE__URL`` would override the section that
    :func:`to_env` passes as a whole, and point the child at the parent's database.
    """
    kept = {key: value for key, value in inherited.items() if not key.startswith("SHOPSTREAM_")}
    return {**kept, **to_env(settings)}


def to_env(settings: Settings) -> dict[str, str]:
    """Environment variables that rebuild these settings in a child process (secrets included)."""
    import json

    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        key = f"SHOPSTREAM_{name.upper()}"
        if isinstance(value, BaseModel):
            env[key] = json.dumps(value.model_dump(), default=_plain)
        elif value is not None:
            env[key] = str(_plain(value)) if isinstance(value, SecretStr | Path) else str(value)
    return env
