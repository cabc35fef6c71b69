-- Uploads per uploader and local calendar day (tickets.upload_daily_count and
-- upload_daily_bytes): one row per owner and day, raised by one conditional
-- statement before an image is written, so that parallel uploads can never
-- pass the quota. Rows of past days are purged by housekeeping.
CREATE TABLE upload_quota (
    owner_kind TEXT NOT NULL,
    owner_id   BIGINT NOT NULL,
    day        TEXT NOT NULL, -- YYYY-MM-DD in the configured time zone
    count      INTEGER NOT NULL,
    bytes      BIGINT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, day)
);
CREATE INDEX upload_quota_day_idx ON upload_quota (day);

-- The purge of images attached to no ticket reads them by age.
CREATE INDEX uploads_unattached_idx ON uploads (created_at) WHERE ticket_id IS NULL;
