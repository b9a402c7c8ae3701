"""The ClickHouse sink: one INSERT per table per micro-batch, durable or rejected per row.

The caller awaits :meth:`ClickHouseSink.write`. Errors are classified:

* a problem with the data (the driver cannot encode a value, or the server names a type
  mismatch, an out-of-range value, a parse failure or a size limit: :func:`is_row_error`)
  belongs to some rows: the batch is inserted again in halves
  (:func:`streams.delivery.bisection.bisect`) until the rows it cannot hold are found and returned;
* anything else (network, timeout, server unavailable or overloaded, a missing table) is the
  server's: the insert is retried with capped exponential backoff and ``healthy`` is false
  until it lands, so the agent stops taking new events (backpressure) instead of dropping
  rows or buffering without bound.

Offsets of a batch are acknowledged only after ``write`` returns. Rows carry deterministic
ids in ReplacingMergeTree tables, so a half inserted twice is read once with ``FINAL``. On a
current server each insert also carries a deduplication token derived from its rows' source
offsets and ids (:func:`streams.clickhouse.rows.deduplication_token`), so the same rows
inserted again are not stored twice even before ``FINAL``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from clickhouse_driver import Client
from clickhouse_driver import errors as ch_errors

from streams import metrics
from streams.clickhouse.client import make_client
from streams.clickhouse.profiles import server_version
from streams.clickhouse.rows import deduplication_token
from streams.delivery.bisection import bisect
from streams.errors import RejectedError
from streams.settings import BatchSettings, ClickHouseSettings

log = logging.getLogger(__name__)

# A row fails a CHECK constraint of the table (clickhouse-driver has no name for the code).
VIOLATED_CONSTRAINT = 469
# Server error codes that are about the inserted data, not the server.
_DATA_CODES = frozenset(
    {
        ch_errors.ErrorCodes.CANNOT_PARSE_TEXT,
        ch_errors.ErrorCodes.CANNOT_PARSE_ESCAPE_SEQUENCE,
        ch_errors.ErrorCodes.CANNOT_PARSE_QUOTED_STRING,
        ch_errors.ErrorCodes.CANNOT_PARSE_INPUT_ASSERTION_FAILED,
        ch_errors.ErrorCodes.CANNOT_PARSE_DATE,
        ch_errors.ErrorCodes.CANNOT_PARSE_DATETIME,
        ch_errors.ErrorCodes.CANNOT_PARSE_NUMBER,
        ch_errors.ErrorCodes.CANNOT_PARSE_UUID,
        ch_errors.ErrorCodes.CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING,
        ch_errors.ErrorCodes.TYPE_MISMATCH,
        ch_errors.ErrorCodes.CANNOT_CONVERT_TYPE,
        ch_errors.ErrorCodes.ARGUMENT_OUT_OF_BOUND,
        ch_errors.ErrorCodes.PARAMETER_OUT_OF_BOUND,
        ch_errors.ErrorCodes.VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE,
        ch_errors.ErrorCodes.INCORRECT_DATA,
        ch_errors.ErrorCodes.TOO_LARGE_STRING_SIZE,
        ch_errors.ErrorCodes.TOO_LARGE_ARRAY_SIZE,
        ch_errors.ErrorCodes.CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN,
        ch_errors.ErrorCodes.CANNOT_CONVERT_CHARSET,
        VIOLATED_CONSTRAINT,
    }
)
# Driver errors raised while encoding a value into its column (an unknown Enum8 name is a
# LogicalError). The driver's other errors are about the connection or the protocol.
_DRIVER_DATA_ERRORS = (
    ch_errors.TypeMismatchError,
    ch_errors.TooLargeStringSize,
    ch_errors.CannotParseUuidError,
    ch_errors.CannotParseDomainError,
    ch_errors.LogicalError,
)
# The connection's failures; as Python errors they would otherwise look like encoding ones.
_CONNECTION_ERRORS = (OSError, EOFError, TimeoutError)


def is_row_error(exc: BaseException) -> bool:
    """Whether an insert failed for the rows it holds (bisect) rather than for the server.

    A server exception counts by its code (:data:`_DATA_CODES`); a driver error when it is
    an encoding error; any other Python error (``struct.error``, ``OverflowError``,
    ``TypeError``, ``UnicodeEncodeError``...) was raised while the rows were encoded, unless
    it is a connection failure.
    """
    if isinstance(exc, ch_errors.ServerException):
        return exc.code in _DATA_CODES
    if isinstance(exc, ch_errors.Error):
        return isinstance(exc, _DRIVER_DATA_ERRORS)
    return isinstance(exc, Exception) and not isinstance(exc, _CONNECTION_ERRORS)


@dataclass(frozen=True)
class RowRejection:
    """A row ClickHouse cannot hold: its index in the call, and why."""

    index: int
    error: RejectedError


class RowSink(Protocol):
    """What delivery needs of a table sink: :class:`ClickHouseSink`, or one in memory."""

    async def write(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> list[RowRejection]: ...


class ClickHouseSink:
    """Batched inserts on a dedicated thread (clickhouse-driver is blocking)."""

    def __init__(self, settings: ClickHouseSettings, batch: BatchSettings) -> None:
        self._settings = settings
        self._batch = batch
        self._client: Client | None = None
        # Whether the server takes insert_deduplication_token (a current one; see
        # streams.clickhouse.profiles), learnt with each new connection.
        self._tokens = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse-sink")
        self.healthy = True

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        query = f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
        try:
            if self._client is None:
                self._client = make_client(self._settings)
                self._tokens = server_version(self._client).profile == "current"
            for start in range(0, len(rows), self._batch.sink_max_rows):
                chunk = list(rows[start : start + self._batch.sink_max_rows])
                # The same rows inserted again (a retry whose first attempt did land, or a
                # replay) carry the same token, and the table's deduplication window drops them.
                settings = (
                    {"insert_deduplication_token": deduplication_token(table, columns, chunk)}
                    if self._tokens
                    else None
                )
                self._client.execute(query, chunk, settings=settings)
        except BaseException:
            # The connection is mid-insert; a fresh one is opened for the next attempt.
            if self._client is not None:
                self._client.disconnect()
            self._client = None
            raise

    async def _insert_until_landed(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> Sequence[tuple[Any, ...]]:
        """Insert; retry server failures with backoff; raise row errors to the caller."""
        loop = asyncio.get_running_loop()
        delay = self._batch.sink_retry_initial_s
        attempt = 0
        while True:
            attempt += 1
            try:
                await loop.run_in_executor(self._executor, self._insert, table, columns, rows)
            except Exception as exc:
                if is_row_error(exc):
                    raise
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
            return rows

    async def write(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> list[RowRejection]:
        """Insert rows; returns when each is in ClickHouse or rejected for its data.

        Returns:
            The rows ClickHouse cannot hold, by index in ``rows`` (empty when all landed).
        """
        if not rows:
            return []
        started = time.perf_counter()
        try:
            await self._insert_until_landed(table, columns, rows)
        except Exception as exc:
            if not is_row_error(exc):
                raise
            rejections = await self._isolate(table, columns, rows, exc)
        else:
            rejections = []
        metrics.SINK_LATENCY.labels(sink="clickhouse").observe(time.perf_counter() - started)
        return rejections

    async def _isolate(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        first: BaseException,
    ) -> list[RowRejection]:
        """Bisect a batch whose insert failed with ``first``; returns the rows that fail alone."""

        async def insert(indices: Sequence[int]) -> Sequence[int]:
            await self._insert_until_landed(table, columns, [rows[i] for i in indices])
            return indices

        failed: list[tuple[int, BaseException]] = []
        if len(rows) == 1:
            failed.append((0, first))
        else:
            # The whole batch is known to fail: start from its halves.
            middle = len(rows) // 2
            for half in (range(middle), range(middle, len(rows))):
                split = await bisect(half, insert, is_row_error)
                failed.extend((f.item, f.error) for f in split.failed)
        rejections = []
        for index, error in failed:
            reason = RejectedError(
                f"{table} cannot hold the row: {type(error).__name__}: {str(error)[:500]}"
            )
            reason.__cause__ = error
            rejections.append(RowRejection(index, reason))
        return rejections

    def close(self) -> None:
        """Release the connection and the thread."""
        if self._client is not None:
            self._client.disconnect()
        self._executor.shutdown(wait=False)
