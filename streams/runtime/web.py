"""Worker web endpoints: health, readiness, Prometheus metrics, a product's sentiment."""

from __future__ import annotations

import asyncio
from typing import Any

import faust
from faust.web import Request, Response, View
from prometheus_client import generate_latest

from streams import metrics
from streams.clickhouse.client import make_client
from streams.pipeline import Pipeline
from streams.runtime import flow
from streams.runtime.lifecycle import Lifecycle
from streams.runtime.liveness import agents_alive
from streams.runtime.ports import port_open


def _kafka_reachable(bootstrap: str) -> bool:
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    return port_open(host or "127.0.0.1", int(port), timeout_s=1.0)


def _product_sentiment(pipeline: Pipeline, product_id: str) -> dict[str, Any]:
    client = make_client(pipeline.settings.clickhouse)
    try:
        counts = client.execute(
            "SELECT toString(label), count() FROM review_sentiment FINAL "
            "WHERE product_id = %(p)s AND review_created_at >= now() - 86400 GROUP BY label",
            {"p": product_id},
        )
        alerts = client.execute(
            "SELECT window_start, negative_share, toString(severity) FROM sentiment_alerts FINAL "
            "WHERE product_id = %(p)s ORDER BY window_start DESC LIMIT 1",
            {"p": product_id},
        )
    finally:
        client.disconnect()
    by_label = {str(label): int(n) for label, n in counts}
    total = sum(by_label.values())
    latest = None
    if alerts:
        start, share, severity = alerts[0]
        latest = {"window_start": start.isoformat(), "negative_share": share, "severity": severity}
    return {
        "product_id": product_id,
        "last_24h": by_label,
        "reviews": total,
        "negative_share": round(by_label.get("negative", 0) / total, 4) if total else None,
        "latest_alert": latest,
    }


def register(app: faust.App, pipeline: Pipeline, lifecycle: Lifecycle) -> None:
    """Attach the views to the app's web server (``lifecycle`` knows which agents died)."""

    @app.page("/health")
    class Health(View):
        async def get(self, request: Request) -> Response:
            return self.json({"status": "ok"})

    @app.page("/ready")
    class Ready(View):
        async def get(self, request: Request) -> Response:
            loop = asyncio.get_running_loop()
            kafka_ok = await loop.run_in_executor(
                None, _kafka_reachable, pipeline.settings.kafka.bootstrap
            )
            views = {name: view.caught_up for name, view in pipeline.views.items()}
            agents = agents_alive(app, lifecycle)
            group = flow.joined(app)
            checks = {
                "group": group,
                "kafka": kafka_ok,
                "clickhouse": pipeline.clickhouse.healthy,
                "publisher": pipeline.publisher.healthy,
                "models": pipeline.providers,
                "views": views,
                "agents": agents,
                "stopping": lifecycle.stopping,
            }
            ready = (
                group
                and kafka_ok
                and pipeline.clickhouse.healthy
                and pipeline.publisher.healthy
                and all(views.values())
                and all(agents.values())
                and not lifecycle.stopping
            )
            metrics.WORKER_UP.set(1 if ready else 0)
            # Batches in progress (a long generation is work): progress that no commit shows.
            body = {"ready": ready, "checks": checks, "busy_batches": pipeline.progress.busy}
            return self.json(body, status=200 if ready else 503)

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            return self.bytes(
                generate_latest(metrics.REGISTRY), content_type="text/plain; version=0.0.4"
            )

    @app.page("/debug/flow")
    class Flow(View):
        async def get(self, request: Request) -> Response:
            return self.json(flow.snapshot(app))

    @app.page("/products/{product_id}/sentiment")
    class ProductSentiment(View):
        async def get(self, request: Request, product_id: str) -> Response:
            loop = asyncio.get_running_loop()
            body = await loop.run_in_executor(None, _product_sentiment, pipeline, product_id)
            return self.json(body)
