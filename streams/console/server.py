"""The compliance console's HTTP server: one page and a read-only JSON/CSV API.

Every request becomes an :class:`~streams.audit.query.AuditFilter`, so the console reads the
audit table only through the same parameterised ``SELECT … FINAL`` as ``shopstream audit``;
there is no endpoint that writes. ClickHouse calls are blocking and run on a thread.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from importlib import resources
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import ValidationError

from streams.audit.export import export, jsonable
from streams.audit.query import COLUMNS, AuditError, AuditFilter, fetch, parse_time
from streams.audit.report import report
from streams.console.options import filter_options
from streams.errors import ShopstreamError
from streams.settings import Settings

log = logging.getLogger(__name__)

LIST_COLUMNS = (
    "id", "created_at", "task", "intent", "product_id", "conversation_id", "model_name",
    "model_version", "verdict", "fallback", "reasons", "pii_types", "latency_ms", "published",
)  # fmt: skip
"""Columns of the result table; the detail view reads every column."""
TOKEN_COOKIE = "shopstream_console_token"
_MULTI = {
    "model": "models",
    "intent": "intents",
    "reason_kind": "reason_kinds",
    "pii": "pii_kinds",
    "product": "products",
    "event_id": "event_ids",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ConsoleError(ShopstreamError):
    """The console cannot start with these settings."""


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def audit_filter(query: Any, *, limit: int | None, columns: tuple[str, ...]) -> AuditFilter:
    """The filter a request's query string describes (unknown parameters are ignored).

    Raises:
        web.HTTPBadRequest: a value is invalid (the message says which).
    """
    data: dict[str, Any] = {"limit": limit, "columns": columns}
    for param, field in _MULTI.items():
        values = tuple(v for v in query.getall(param, []) if v)
        if values:
            data[field] = values
    for field in ("task", "verdict"):
        if query.get(field):
            data[field] = query[field]
    if query.get("fallback") in ("true", "false"):
        data["fallback"] = query["fallback"] == "true"
    try:
        for field in ("since", "until"):
            if query.get(field):
                data[field] = parse_time(query[field])
        return AuditFilter.model_validate(data)
    except (AuditError, ValidationError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc


def _json_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: jsonable(value) for key, value in row.items()} for row in rows]


class Console:
    """Request handlers bound to one settings object."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def _blocking(self, call: Callable[[], Any]) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(None, call)
        except AuditError as exc:
            log.warning("console.query_failed error=%s", exc)
            raise web.HTTPServiceUnavailable(text=str(exc)) from exc

    async def page(self, request: web.Request) -> web.Response:
        html = resources.files("streams.console").joinpath("page.html").read_text("utf-8")
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def content(self, request: web.Request) -> web.Response:
        audit = audit_filter(
            request.query, limit=self.settings.console.max_rows, columns=LIST_COLUMNS
        )
        rows = await self._blocking(lambda: fetch(self.settings, audit))
        return web.json_response({"rows": _json_rows(rows), "limit": audit.limit})

    async def detail(self, request: web.Request) -> web.Response:
        audit = AuditFilter(ids=(request.match_info["id"],), columns=COLUMNS)
        rows = await self._blocking(lambda: fetch(self.settings, audit))
        if not rows:
            raise web.HTTPNotFound(text="no such generated content")
        return web.json_response(_json_rows(rows)[0])

    async def csv_export(self, request: web.Request) -> web.Response:
        audit = audit_filter(request.query, limit=None, columns=COLUMNS)

        def render() -> str:
            out = io.StringIO()
            export(fetch(self.settings, audit), out, "csv", COLUMNS)
            return out.getvalue()

        body = await self._blocking(render)
        stamp = datetime.now().astimezone().strftime("%Y%m%dT%H%M%S")
        return web.Response(
            text=body,
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
        )

    async def report(self, request: web.Request) -> web.Response:
        audit = audit_filter(request.query, limit=None, columns=COLUMNS)
        rows = await self._blocking(
            lambda: report(self.settings, audit.since, audit.until, task=audit.task, top_reasons=10)
        )
        return web.json_response({"rows": [row.as_dict() for row in rows]})

    async def options(self, request: web.Request) -> web.Response:
        return web.json_response(await self._blocking(lambda: filter_options(self.settings)))


def _token_guard(token: str) -> Middleware:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.query.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        bearer = request.headers.get("Authorization", "")
        if bearer.startswith("Bearer "):
            given = bearer.removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise web.HTTPUnauthorized(text="a valid console token is required")
        response = await handler(request)
        if request.query.get("token"):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
        return response

    return guard


def make_app(settings: Settings) -> web.Application:
    """The console application.

    Raises:
        ConsoleError: the bind address is not loopback and no token is configured.
    """
    console_settings = settings.console
    token = console_settings.token.get_secret_value() if console_settings.token else ""
    if not is_loopback(console_settings.host) and not token:
        msg = (
            f"the console would listen on {console_settings.host} without a token: set "
            "SHOPSTREAM_CONSOLE__TOKEN, or bind to 127.0.0.1"
        )
        raise ConsoleError(msg)
    app = web.Application(middlewares=[_token_guard(token)] if token else [])
    console = Console(settings)
    app.router.add_get("/", console.page)
    app.router.add_get("/api/content", console.content)
    app.router.add_get("/api/content.csv", console.csv_export)
    app.router.add_get("/api/content/{id}", console.detail)
    app.router.add_get("/api/report", console.report)
    app.router.add_get("/api/options", console.options)
    return app


def serve(settings: Settings) -> None:
    """Run the console until interrupted."""
    app = make_app(settings)
    log.info("console.listen host=%s port=%d", settings.console.host, settings.console.port)
    web.run_app(
        app, host=settings.console.host, port=settings.console.port, print=None, access_log=None
    )
