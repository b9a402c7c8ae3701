"""``python -m streams`` runs the ``shopstream`` command."""

from streams.cli.main import cli

cli()
