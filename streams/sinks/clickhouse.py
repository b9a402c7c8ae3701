"""The ClickHouse sink: one INSERT per table per micro-batch, retried until durable.

The caller awaits :meth:`ClickHouseSink.write`; while ClickHouse is unreachable the call
keeps retrying with capped exponential backoff, so the agent stops taking new events
(backpressure) instead of dropping rows or buffering without bound. Offsets of a batch are
acknowledged only after ``write`` returns.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from clickhouse_driver import Client

from streams import metrics
from streams.clickhouse.client import make_client
from streams.settings import BatchSettings, ClickHouseSettings

log = logging.getLogger(__name__)


class ClickHouseSink:
    """Batched, retried inserts on a dedicated thread (clickhouse-driver is blocking)."""

    def __init__(self, settings: ClickHouseSettings, batch: BatchSettings) -> None:
        self._settings = settings
        self._batch = batch
        self._client: Client | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse-sink")
        self.healthy = True

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if self._client is None:
            self._client = make_client(self._settings)
        query = f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
        try:
            for start in range(0, len(rows), self._batch.sink_max_rows):
                self._client.execute(query, list(rows[start : start + self._batch.sink_max_rows]))
        except BaseException:
            self._client.disconnect()
            self._client = None
            raise

    async def write(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Insert rows; returns only when they are in ClickHouse."""
        if not rows:
            return
        loop = asyncio.get_running_loop()
        delay = self._batch.sink_retry_initial_s
        attempt = 0
        started = time.perf_counter()
        while True:
            attempt += 1
            try:
                await loop.run_in_executor(self._executor, self._insert, table, columns, rows)
            except Exception as exc:  # noqa: BLE001 - every failure is retried; the batch must land
                self.healthy = False
                metrics.SINK_FAILURES.labels(sink="clickhouse").inc()
                metrics.ERRORS.labels(stage="clickhouse_sink", error=type(exc).__name__).inc()
                log.warning(
                    "sink.clickhouse.retry table=%s rows=%d attempt=%d delay_s=%.1f error=%s: %s",
                    table, len(rows), attempt, delay, type(exc).__name__, exc,
                )  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._batch.sink_retry_max_s)
                continue
            self.healthy = True
            metrics.SINK_LATENCY.labels(sink="clickhouse").observe(time.perf_counter() - started)
            return

    def close(self) -> None:
        """Release the connection and the thread."""
        if self._client is not None:
            self._client.disconnect()
        self._executor.shutdown(wait=False)
