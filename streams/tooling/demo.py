"""The main job on local defaults: stack up, models, a worker, sample reviews, a summary."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from streams.clickhouse.client import make_client
from streams.clickhouse.migrations import migrate
from streams.errors import ShopstreamError
from streams.settings import Settings
from streams.tooling.replay import produce, replay
from streams.tooling.sample_data import Product, SampleShop
from streams.tooling.stack.local import LocalStack
from streams.tooling.workerproc import WorkerProcess
from streams.topics import ensure_topics

BURST_REVIEWS = 30
FACTS_SETTLE_S = 2.0
"""Seconds between the last description's audit row and the chats: its facts are stored then."""


def _count_since(settings: Settings, since: datetime) -> int:
    client = make_client(settings.clickhouse)
    try:
        rows = client.execute(
            "SELECT count() FROM review_sentiment FINAL WHERE review_created_at >= %(t)s",
            {"t": since.replace(tzinfo=None)},
        )
    finally:
        client.disconnect()
    return int(rows[0][0])


def _summary(settings: Settings, since: datetime, seconds: float) -> str:
    client = make_client(settings.clickhouse)
    params = {"t": since.replace(tzinfo=None)}
    try:
        labels = client.execute(
            "SELECT toString(label), count() FROM review_sentiment FINAL "
            "WHERE review_created_at >= %(t)s GROUP BY label ORDER BY label",
            params,
        )
        alerts = client.execute(
            "SELECT product_id, negative_share, reviews, toString(severity), phrases "
            "FROM sentiment_alerts FINAL WHERE window_end > %(t)s ORDER BY product_id",
            params,
        )
    finally:
        client.disconnect()
    total = sum(int(n) for _, n in labels)
    lines = [
        f"processed {total} reviews in {seconds:.1f}s ({total / seconds:.0f}/s end to end)",
        "labels: " + ", ".join(f"{label}={n}" for label, n in labels),
        f"alerts raised: {len(alerts)}",
    ]
    lines += [
        f"  {pid}: negative share {share:.2f} over {n} reviews ({severity})" + _why(phrases)
        for pid, share, n, severity, phrases in alerts
    ]
    return "\n".join(lines)


def _why(phrases: list[str]) -> str:
    return "; why: " + ", ".join(f'"{p}"' for p in phrases) if phrases else ""


def run_demo(
    settings: Settings,
    *,
    reviews: int,
    timeout_s: float,
    echo: Callable[[str], None],
    chats: int = 0,
    products: int = 0,
) -> str:
    """Run the whole path once and return the summary read back from ClickHouse."""
    from models.registry import Registry

    LocalStack(settings).up()
    ensure_topics(settings)
    migrate(settings.clickhouse, settings.migrations_dir)
    registry = Registry(settings.models_path)
    if not all(registry.has(task) for task in ("sentiment", "reply", "description")):
        from export.build import build_defaults

        echo("building the default models (first run only)…")
        build_defaults(settings)
    seed = int(time.time())
    shop = SampleShop(seed=seed, id_prefix=f"p{seed % 100_000:05d}")
    since = shop.start
    # Sentiment and generation run in separate workers, as in production: generation is slow
    # and scales on its own (GPU workers), and a backlog there never delays sentiment.
    workers = [WorkerProcess(settings, tasks="sentiment,alerts").start()]
    if chats or products:
        generation = WorkerProcess(
            settings,
            tasks="products,replies",
            web_port=settings.web_port + 1,
            env={"SHOPSTREAM_APP_ID": f"{settings.app_id}-generation"},
        )
        workers.append(generation.start())
    try:
        for worker in workers:
            echo(f"worker starting (log: {worker.log_file})")
            worker.wait_ready(timeout_s=240)
        started = time.perf_counter()
        report = replay(settings, "review", reviews, malformed_share=0.02, shop=shop)
        # A new product each run: alerts compare a product with its own baseline, so the same
        # product would no longer stand out after a few demo runs.
        burst_product = Product(f"p-burst-{seed}", "Demo Kettle", "Electric Kettles", "Steel", 39.0)
        burst = [shop.review(burst_product, label="negative") for _ in range(BURST_REVIEWS)]
        produce(
            settings,
            settings.topics.reviews,
            ((e["product_id"].encode(), _json(e), True) for e in burst),
            total=len(burst),
        )
        expected = report.produced - report.malformed + len(burst)
        deadline = time.monotonic() + timeout_s
        done = 0
        while time.monotonic() < deadline:
            done = _count_since(settings, since)
            if done >= expected:
                break
            time.sleep(0.5)
        else:
            msg = f"only {done} of {expected} reviews reached ClickHouse in {timeout_s:.0f}s"
            raise ShopstreamError(msg)
        seconds = time.perf_counter() - started
        time.sleep(2.0)  # let the alerting agent, one hop downstream, catch up
        summary = _summary(settings, since.astimezone(UTC), seconds) + (
            f"\ndead letters: {report.malformed} malformed events sent to "
            f"{settings.topics.deadletter}"
        )
        if chats or products:
            summary += "\n" + _generate(settings, shop, chats, products, timeout_s, echo)
        return summary
    finally:
        for worker in workers:
            worker.stop()


def _generate(
    settings: Settings,
    shop: SampleShop,
    chats: int,
    products: int,
    timeout_s: float,
    echo: Callable[[str], None],
) -> str:
    """Product updates, then chat messages; wait for their audit rows; summarise them."""
    since = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    replay(settings, "product", products, shop=shop)
    echo(f"writing up to {products} descriptions on the worker…")
    client = make_client(settings.clickhouse)
    try:
        # A product's facts are stored once its description is: the chats that follow ask
        # about these products, and their replies should find the facts. Descriptions that
        # do not come (a dead-lettered update) only cost the wait.
        _wait_for(client, "description", len(shop.listed), since, time.monotonic() + timeout_s)
        time.sleep(FACTS_SETTLE_S)
        replay(settings, "chat", chats, shop=shop)
        echo(f"generating {chats} replies on the worker…")
        replies = _wait_for(client, "reply", chats, since, time.monotonic() + timeout_s)
        if replies < chats:
            msg = f"only {replies} of {chats} replies were audited in {timeout_s:.0f}s"
            raise ShopstreamError(msg)
        rows = client.execute(
            # Template replies without a model call (injection attempts) are audited as
            # rejected too; the guard's share counts what the model drafted.
            "SELECT toString(task), count(), countIf(model_name != 'template'), "
            "countIf(verdict = 'rejected' AND model_name != 'template'), sum(fallback), "
            "avg(latency_ms), sum(completion_tokens) FROM generated_content FINAL "
            "WHERE created_at >= %(t)s GROUP BY task ORDER BY task",
            {"t": since},
        )
        # What the model wrote comes first: the samples show what the guard let through.
        samples = client.execute(
            "SELECT toString(task), product_id, toString(verdict), fallback, published, prompt "
            "FROM generated_content FINAL WHERE created_at >= %(t)s "
            "ORDER BY task, fallback, id LIMIT 3 BY task",
            {"t": since},
        )
    finally:
        client.disconnect()
    lines = ["generated content (audit table):"]
    for task, n, drafted, rejected, fallbacks, latency_ms, tokens in rows:
        lines.append(
            f"  {task}: {n} written, {drafted} drafted by the model "
            f"({rejected} of them rejected by the guard), "
            f"{fallbacks / n:.0%} replaced by a template, mean latency {latency_ms:.0f} ms, "
            f"{tokens} tokens"
        )
    for task, product_id, verdict, fallback, text, prompt in samples:
        kind = "template" if fallback else "model"
        lines.append(f"  [{task} {product_id} {verdict}, {kind}]")
        if task == "reply":
            # The customer's message, as the audit table holds it (redacted): the last turn.
            lines.append(f"    customer: {_one_line(prompt.rsplit('[user]', 1)[-1])}")
        lines.extend(f"    {line}" for line in text[:400].splitlines() if line.strip())
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _wait_for(client: Any, task: str, count: int, since: datetime, deadline: float) -> int:
    """Poll the audit table until ``count`` rows of ``task`` since ``since``, or the deadline.

    Returns:
        The rows found at the last poll.
    """
    found = 0
    while time.monotonic() < deadline:
        [(found,)] = client.execute(
            "SELECT count() FROM generated_content FINAL "
            "WHERE task = %(task)s AND created_at >= %(t)s",
            {"task": task, "t": since},
        )
        if found >= count:
            break
        time.sleep(1.0)
    return found


def _json(event: dict[str, object]) -> bytes:
    return json.dumps(event).encode()
