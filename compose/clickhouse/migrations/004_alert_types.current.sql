-- Current servers only: alert windows and times as DateTime64(3) like the reviews they
-- count, and inserts deduplicated by token (see 003). Rebuilt and swapped in: the window
-- start is in the partition and sorting keys.
CREATE TABLE IF NOT EXISTS sentiment_alerts_next
(
    alert_id String,
    product_id String,
    window_start DateTime64(3),
    window_end DateTime64(3),
    reviews UInt32,
    negatives UInt32,
    negative_share Float32,
    baseline Float32,
    severity Enum8('warning' = 1, 'critical' = 2),
    raised_at DateTime64(3)
)
ENGINE = ReplacingMergeTree(raised_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (product_id, window_start, alert_id)
SETTINGS non_replicated_deduplication_window = {{deduplication_window}};

INSERT INTO sentiment_alerts_next SELECT * FROM sentiment_alerts;
EXCHANGE TABLES sentiment_alerts AND sentiment_alerts_next;
DROP TABLE sentiment_alerts_next SYNC;
