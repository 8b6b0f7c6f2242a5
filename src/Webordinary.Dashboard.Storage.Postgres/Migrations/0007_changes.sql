-- The change feed between instances (PostgresChangeRelay writes, PostgresChangeListener reads): one row per change,
-- in the order of its position. Rows are inserted under a transaction-level advisory lock, so positions commit in
-- order and a reader that has seen position N never finds N-1 committing later. NOTIFY dashboard_changes carries
-- the position; a listener that missed notifications (its connection dropped) reads on from the last position it saw.
-- Rows are pruned after an hour: the feed carries what happens now, the other tables keep the history.
CREATE TABLE changes (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin text NOT NULL,
    kind text NOT NULL,
    body jsonb NOT NULL,
    created_at bigint NOT NULL
);

CREATE INDEX changes_created_at ON changes (created_at);
