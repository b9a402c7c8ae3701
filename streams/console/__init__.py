"""The compliance console: a small read-only web page over the generated-content audit table."""
