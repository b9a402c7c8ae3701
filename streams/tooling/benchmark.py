"""Pipeline benchmark: bare model throughput against end-to-end throughput, and latency.

Bare model: the ONNX classifier over batches of the agent's size, in this process.
End to end: reviews produced as fast as possible into the input topic until their rows are
in ClickHouse, through one worker process. Latency: reviews produced at 50% and 90% of the
measured end-to-end capacity; each review's latency is the broker timestamp of its sentiment
record minus the wall-clock time it was produced (the result is published together with its
ClickHouse insert, and the offset is committed after both).
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from streams.clickhouse.client import make_client
from streams.kafka_config import confluent_config
from streams.reports import save_figure
from streams.settings import Settings
from streams.tooling.replay import produce
from streams.tooling.sample_data import SampleShop
from streams.tooling.sandbox import drop, sandboxed
from streams.tooling.workerproc import WorkerProcess


def _bare_model(settings: Settings, texts: list[str]) -> dict[str, Any]:
    from models.classifier import Classifier
    from models.registry import Registry

    classifier = Classifier.load(Registry(settings.models_path).resolve("sentiment"))
    batch = settings.batch.max_events
    classifier.predict(texts[:batch])
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        classifier.predict(texts[start : start + batch])
    seconds = time.perf_counter() - started
    return {
        "items": len(texts),
        "batch_size": batch,
        "seconds": round(seconds, 3),
        "items_per_s": round(len(texts) / seconds, 1),
        "provider": classifier.provider,
    }


def _rows(settings: Settings) -> int:
    client = make_client(settings.clickhouse)
    try:
        return int(client.execute("SELECT count() FROM review_sentiment FINAL")[0][0])
    finally:
        client.disconnect()


def _wait_rows(settings: Settings, expected: int, timeout_s: float) -> float:
    started = time.perf_counter()
    while _rows(settings) < expected:
        if time.perf_counter() - started > timeout_s:
            msg = f"only {_rows(settings)} of {expected} rows after {timeout_s:.0f}s"
            raise TimeoutError(msg)
        time.sleep(0.05)
    return time.perf_counter()


def _events(shop: SampleShop, count: int) -> list[dict[str, Any]]:
    return [shop.review() for _ in range(count)]


def _timed_items(events: list[dict[str, Any]]) -> Any:
    for event in events:
        event["created_at"] = datetime.now(UTC).isoformat()
        yield event["product_id"].encode(), json.dumps(event).encode(), True


def _latencies(settings: Settings, events: list[dict[str, Any]]) -> list[float]:
    from confluent_kafka import Consumer

    produced = {e["review_id"]: datetime.fromisoformat(e["created_at"]) for e in events}
    consumer = Consumer(
        confluent_config(
            settings.kafka,
            **{"group.id": f"bench-{time.time_ns()}", "auto.offset.reset": "earliest"},
        )
    )
    consumer.subscribe([settings.topics.sentiment])
    out: dict[str, float] = {}
    deadline = time.monotonic() + 60
    try:
        while len(out) < len(produced) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            review_id = json.loads(message.value() or b"{}").get("review_id")
            if review_id in produced:
                _, ts_ms = message.timestamp()
                out[review_id] = ts_ms / 1000 - produced[review_id].timestamp()
    finally:
        consumer.close()
    return list(out.values())


def _percentiles(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values) * 1000
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 1),
        "p95_ms": round(float(np.percentile(arr, 95)), 1),
        "p99_ms": round(float(np.percentile(arr, 99)), 1),
        "samples": len(values),
    }


def run_pipeline_benchmark(
    base: Settings, *, events: int = 4000, latency_s: float = 15.0, progress: bool = True
) -> dict[str, Any]:
    """Measure and return the figures (see the module docstring)."""
    shop = SampleShop(seed=101)
    texts = [f"{e['title']}. {e['text']}" if e["title"] else e["text"] for e in _events(shop, 2048)]
    bare = _bare_model(base, texts)
    settings = sandboxed(base, "bench")
    worker = WorkerProcess(settings, tasks="sentiment", web_port=base.web_port + 50).start()
    try:
        worker.wait_ready()
        # Warm the worker's path (first batches compile kernels, open connections).
        warm = _events(shop, 200)
        produce(settings, settings.topics.reviews, _timed_items(warm), progress=False)
        _wait_rows(settings, len(warm), 120)
        batch = _events(shop, events)
        started = time.perf_counter()
        produce(
            settings, settings.topics.reviews, _timed_items(batch), total=events, progress=progress
        )
        finished = _wait_rows(settings, len(warm) + events, 600)
        capacity = events / (finished - started)
        latency: dict[str, Any] = {}
        total = len(warm) + events
        for share in (0.5, 0.9):
            rate = capacity * share
            load = _events(shop, max(int(rate * latency_s), 50))
            produce(
                settings, settings.topics.reviews, _timed_items(load), rate=rate, progress=progress
            )
            total += len(load)
            _wait_rows(settings, total, 300)
            latency[f"{int(share * 100)}pct"] = {
                "rate_per_s": round(rate, 1),
                **_percentiles(_latencies(settings, load)),
            }
    finally:
        worker.stop()
        drop(settings)
    return {
        "benchmark": "sentiment-pipeline",
        "created_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "partitions": settings.topics.partitions,
        "workers": 1,
        "bare_model": bare,
        "end_to_end": {"events": events, "items_per_s": round(capacity, 1)},
        "ratio_pipeline_over_model": round(capacity / bare["items_per_s"], 3),
        "latency": latency,
    }


def plot(result: dict[str, Any], path: Path) -> None:
    """Throughput bars and latency percentiles side by side, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    names = ["bare model", "end to end"]
    values = [result["bare_model"]["items_per_s"], result["end_to_end"]["items_per_s"]]
    left.bar(names, values, color=["#4c72b0", "#dd8452"])
    left.set_ylabel("reviews / s")
    left.set_title(f"throughput (ratio {result['ratio_pipeline_over_model']:.2f})")
    loads = list(result["latency"])
    for offset, key in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        xs = np.arange(len(loads)) + offset * 0.25
        right.bar(xs, [result["latency"][k][key] for k in loads], width=0.25, label=key)
    right.set_xticks(np.arange(len(loads)) + 0.25, [f"{k} of capacity" for k in loads])
    right.set_ylabel("latency (ms)")
    right.set_title("end-to-end latency")
    right.legend()
    fig.tight_layout()
    save_figure(fig, path)
