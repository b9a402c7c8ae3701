"""The local stack: a real Kafka broker and ClickHouse server run as plain processes."""
