"""Where results go: Kafka output topics and ClickHouse tables."""
