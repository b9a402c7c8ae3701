"""shopstream: real-time AI over e-commerce event streams."""

__version__ = "0.1.0"
