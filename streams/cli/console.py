"""``shopstream console``: the compliance console in a browser."""

from __future__ import annotations

import click

from streams.settings import Settings


@click.command(name="console")
@click.option("--host", help="Bind address (default SHOPSTREAM_CONSOLE__HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default SHOPSTREAM_CONSOLE__PORT, 6070).")
@click.pass_obj
def console_command(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the read-only compliance console over the generated-content audit table.

    Filter by task, verdict, reason kind, model, intent, PII kind and time; open a record
    to see its redacted prompt, model text, published text, model sha256 and guard reasons;
    export the selection as CSV; see the audit report per task and reason kind.
    """
    from streams.console.server import serve

    changes = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    if changes:
        settings = settings.model_copy(
            update={"console": settings.console.model_copy(update=changes)}
        )
    click.echo(f"console on http://{settings.console.host}:{settings.console.port}/", err=True)
    serve(settings)
