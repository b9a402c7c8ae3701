-- Compliance audit trail: every generated reply and description, accepted or rejected.
-- The prompt is stored after PII redaction; the model file is pinned by its sha256.
-- `output` is what the model wrote (redacted), `published` what reached the customer
-- (the model's text, or the template fallback when the guard rejected it).
CREATE TABLE IF NOT EXISTS generated_content
(
    id String,
    task Enum8('reply' = 1, 'description' = 2),
    source_topic String,
    source_partition UInt32,
    source_offset UInt64,
    event_id String,
    event_time DateTime,
    product_id String,
    conversation_id String,
    intent String,
    prompt_template String,
    prompt_template_version String,
    prompt String,
    output String,
    published String,
    model_name String,
    model_version String,
    model_sha256 String,
    generation_params String,
    verdict Enum8('accepted' = 1, 'rejected' = 2),
    fallback UInt8,
    reasons Array(String),
    pii_types Array(String),
    prompt_tokens UInt32,
    completion_tokens UInt32,
    latency_ms Float32,
    created_at DateTime
)
ENGINE = ReplacingMergeTree(created_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (task, id);
