-- Sentiment results, one row per review result id. ReplacingMergeTree keyed by the
-- deterministic id: a replay rewrites the same key, and reads use FINAL.
-- Partitioned by the review's own time (not processing time) so a replay lands in the
-- same partition as the original and deduplicates.
CREATE TABLE IF NOT EXISTS review_sentiment
(
    result_id String,
    review_id String,
    product_id String,
    event_id String,
    label Enum8('negative' = -1, 'neutral' = 0, 'positive' = 1),
    score Float32,
    p_negative Float32,
    p_neutral Float32,
    p_positive Float32,
    rating Nullable(UInt8),
    model_name String,
    model_version String,
    source_topic String,
    source_partition UInt32,
    source_offset UInt64,
    review_created_at DateTime,
    processed_at DateTime
)
ENGINE = ReplacingMergeTree(processed_at)
PARTITION BY toYYYYMM(review_created_at)
ORDER BY (product_id, result_id);

-- Per-product per-minute counts for dashboards. uniqExact over the result id keeps the
-- counts right when a replay inserts the same result again.
CREATE TABLE IF NOT EXISTS sentiment_minute
(
    product_id String,
    minute DateTime,
    label Enum8('negative' = -1, 'neutral' = 0, 'positive' = 1),
    reviews AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (product_id, minute, label);

CREATE MATERIALIZED VIEW IF NOT EXISTS sentiment_minute_mv TO sentiment_minute AS
SELECT
    product_id,
    toStartOfMinute(review_created_at) AS minute,
    label,
    uniqExactState(result_id) AS reviews
FROM review_sentiment
GROUP BY product_id, minute, label;

-- One alert per product per window: the alert id derives from both.
CREATE TABLE IF NOT EXISTS sentiment_alerts
(
    alert_id String,
    product_id String,
    window_start DateTime,
    window_end DateTime,
    reviews UInt32,
    negatives UInt32,
    negative_share Float32,
    baseline Float32,
    severity Enum8('warning' = 1, 'critical' = 2),
    raised_at DateTime
)
ENGINE = ReplacingMergeTree(raised_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (product_id, window_start, alert_id);
