-- The key phrases of the negative reviews that raised each alert, best first (from
-- redacted text). Rows written before this column read as an empty array. Plain ADD COLUMN:
-- the runner applies a version once, and 18.16 has no ADD COLUMN IF NOT EXISTS.
ALTER TABLE sentiment_alerts ADD COLUMN phrases Array(String);
