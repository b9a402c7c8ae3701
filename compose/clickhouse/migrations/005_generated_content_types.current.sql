-- Current servers only: event and creation times as DateTime64(3); template, model and
-- topic names as LowCardinality; inserts deduplicated by token (see 003); and retention for
-- the columns that can hold customer text: the rendered prompt (redacted, but it carries the
-- customer's words), the model's output and the published text are cleared
-- {{text_retention_days}} days after the row was created (SHOPSTREAM_CLICKHOUSE__TEXT_RETENTION_DAYS
-- when this migration runs). The rest of the audit row stays. Rebuilt and swapped in: the
-- event time is the partition key and the creation time the version column.
CREATE TABLE IF NOT EXISTS generated_content_next
(
    id String,
    task Enum8('reply' = 1, 'description' = 2),
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64,
    event_id String,
    event_time DateTime64(3),
    product_id String,
    conversation_id String,
    intent LowCardinality(String),
    prompt_template LowCardinality(String),
    prompt_template_version LowCardinality(String),
    prompt String TTL toDateTime(created_at) + INTERVAL {{text_retention_days}} DAY,
    output String TTL toDateTime(created_at) + INTERVAL {{text_retention_days}} DAY,
    published String TTL toDateTime(created_at) + INTERVAL {{text_retention_days}} DAY,
    model_name LowCardinality(String),
    model_version LowCardinality(String),
    model_sha256 LowCardinality(String),
    generation_params String,
    verdict Enum8('accepted' = 1, 'rejected' = 2),
    fallback UInt8,
    reasons Array(String),
    pii_types Array(LowCardinality(String)),
    prompt_tokens UInt32,
    completion_tokens UInt32,
    latency_ms Float32,
    created_at DateTime64(3)
)
ENGINE = ReplacingMergeTree(created_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (task, id)
SETTINGS non_replicated_deduplication_window = {{deduplication_window}};

INSERT INTO generated_content_next SELECT * FROM generated_content;
EXCHANGE TABLES generated_content AND generated_content_next;
DROP TABLE generated_content_next SYNC;
