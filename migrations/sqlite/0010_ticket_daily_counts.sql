-- Tickets a resident filed per local calendar day (tickets.per_resident_per_day):
-- one row per resident and day, raised by one conditional upsert in the
-- transaction that inserts the ticket, so that parallel submissions can never
-- pass the cap and a submission that fails gives its place back. Rows of past
-- days are purged by housekeeping.
CREATE TABLE ticket_daily_counts (
    resident_id INTEGER NOT NULL,
    day         TEXT NOT NULL, -- YYYY-MM-DD in the configured time zone
    count       INTEGER NOT NULL,
    PRIMARY KEY (resident_id, day)
);
CREATE INDEX ticket_daily_counts_day_idx ON ticket_daily_counts (day);
