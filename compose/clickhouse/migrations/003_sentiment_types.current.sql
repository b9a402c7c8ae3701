-- Current servers only (streams.clickhouse.profiles): review and processing times become
-- DateTime64(3), so a review dated before 1970 is stored (DateTime holds 1970-2106 only);
-- names with few distinct values become LowCardinality; the table remembers its last
-- {{deduplication_window}} inserts, so an insert repeated with the same
-- insert_deduplication_token (the sink derives it from the rows' source offsets) is stored
-- once, before FINAL too. The time columns are in the partition key and the version column,
-- which ALTER cannot retype, so both tables are rebuilt, their rows copied, and swapped in.
-- The view is dropped first so the copy is not counted twice, and is then created again;
-- it rounds to the minute with a millisecond interval because toStartOfMinute returns a
-- DateTime (1970-2106) for a DateTime64 and would move a 1969 review to 1970.
DROP VIEW IF EXISTS sentiment_minute_mv;

CREATE TABLE IF NOT EXISTS review_sentiment_next
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
    model_name LowCardinality(String),
    model_version LowCardinality(String),
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64,
    review_created_at DateTime64(3),
    processed_at DateTime64(3)
)
ENGINE = ReplacingMergeTree(processed_at)
PARTITION BY toYYYYMM(review_created_at)
ORDER BY (product_id, result_id)
SETTINGS non_replicated_deduplication_window = {{deduplication_window}};

INSERT INTO review_sentiment_next SELECT * FROM review_sentiment;
EXCHANGE TABLES review_sentiment AND review_sentiment_next;
DROP TABLE review_sentiment_next SYNC;

CREATE TABLE IF NOT EXISTS sentiment_minute_next
(
    product_id String,
    minute DateTime64(0),
    label Enum8('negative' = -1, 'neutral' = 0, 'positive' = 1),
    reviews AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (product_id, minute, label);

INSERT INTO sentiment_minute_next SELECT * FROM sentiment_minute;
EXCHANGE TABLES sentiment_minute AND sentiment_minute_next;
DROP TABLE sentiment_minute_next SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS sentiment_minute_mv TO sentiment_minute AS
SELECT
    product_id,
    toStartOfInterval(review_created_at, INTERVAL 60000 MILLISECOND) AS minute,
    label,
    uniqExactState(result_id) AS reviews
FROM review_sentiment
GROUP BY product_id, minute, label;
