"""The ``shopstream`` command line."""
