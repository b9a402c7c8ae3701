"""ClickHouse access: client construction, schema migrations, the batching sink."""
