"""Every Prometheus metric shopstream exports, in one place.

Dashboards and alert rules in ``monitoring/`` may only name metrics defined here; a test
checks that.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

EVENTS_IN = Counter(
    "shopstream_events_in",
    "Input events consumed, by topic.",
    ["topic"],
    registry=REGISTRY,
)
EVENTS_OUT = Counter(
    "shopstream_events_out",
    "Output records acknowledged by Kafka, by topic.",
    ["topic"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "shopstream_dead_letters",
    "Input messages sent to the dead-letter topic, by source topic and error class.",
    ["topic", "error"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "shopstream_errors",
    "Errors raised while processing, by stage and error class.",
    ["stage", "error"],
    registry=REGISTRY,
)
BATCH_SIZE = Histogram(
    "shopstream_batch_size",
    "Events per model micro-batch, by task.",
    ["task"],
    buckets=_BATCH_BUCKETS,
    registry=REGISTRY,
)
MODEL_LATENCY = Histogram(
    "shopstream_model_latency_seconds",
    "Wall time of one model call over a micro-batch, by task.",
    ["task"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
SINK_LATENCY = Histogram(
    "shopstream_sink_latency_seconds",
    "Wall time to make one batch durable, by sink.",
    ["sink"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
SINK_FAILURES = Counter(
    "shopstream_sink_failures",
    "Failed attempts to write a batch (each retry counts), by sink.",
    ["sink"],
    registry=REGISTRY,
)
END_TO_END_LATENCY = Histogram(
    "shopstream_end_to_end_latency_seconds",
    "From an input event's Kafka timestamp to its results being durable, by task.",
    ["task"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "shopstream_consumer_lag",
    "Messages behind the end of each input partition.",
    ["topic", "partition"],
    registry=REGISTRY,
)
ALERTS = Counter(
    "shopstream_sentiment_alerts",
    "Sentiment alerts raised, by severity.",
    ["severity"],
    registry=REGISTRY,
)
GENERATIONS = Counter(
    "shopstream_generations",
    "Generated texts, by task and guard verdict.",
    ["task", "verdict"],
    registry=REGISTRY,
)
FALLBACKS = Counter(
    "shopstream_fallbacks",
    "Generated texts replaced by a template, by task and reason.",
    ["task", "reason"],
    registry=REGISTRY,
)
GENERATED_TOKENS = Counter(
    "shopstream_generated_tokens",
    "Tokens generated, by task.",
    ["task"],
    registry=REGISTRY,
)
MODEL_LOADED = Gauge(
    "shopstream_model_loaded",
    "1 when the model of a task is loaded, by task and execution provider.",
    ["task", "provider"],
    registry=REGISTRY,
)
WORKER_UP = Gauge(
    "shopstream_worker_up",
    "1 while the worker runs and its services answer.",
    registry=REGISTRY,
)
GAP_RECORDS = Counter(
    "shopstream_gap_records",
    "Records the consumer skipped inside a partition, read back and processed, by topic.",
    ["topic"],
    registry=REGISTRY,
)
CONSUMER_RESYNCS = Counter(
    "shopstream_consumer_resyncs",
    "Times the consumer sought a partition back to its committed offset to read again records"
    " it had dropped (faust-streaming #596), by topic.",
    ["topic"],
    registry=REGISTRY,
)
STALL_RESTARTS = Gauge(
    "shopstream_worker_stall_restarts",
    "Times the supervisor restarted this worker because its watchdog found it stalled.",
    registry=REGISTRY,
)


_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}


def exported_names() -> set[str]:
    """Names of all series this module exports, as Prometheus scrapes them."""
    names: set[str] = set()
    for metric in REGISTRY.collect():
        for suffix in _SUFFIXES.get(metric.type, ("",)):
            names.add(metric.name + suffix)
    return names
