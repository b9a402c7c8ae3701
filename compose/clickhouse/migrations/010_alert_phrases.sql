-- The key phrases of the negative reviews that raised each alert, best first (from
-- redacted text). Rows written before this column read as an empty array.
ALTER TABLE sentiment_alerts ADD COLUMN IF NOT EXISTS phrases Array(String);
