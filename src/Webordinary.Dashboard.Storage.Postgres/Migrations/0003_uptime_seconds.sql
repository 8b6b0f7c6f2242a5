-- Uptime as the share of time up: rollups keep the milliseconds up, down and excluded (UptimeSpans). Rollups made
-- before this get their run counts' shares of the bucket as time (the only figure left where their raw runs are
-- gone); the watermarks go back to where raw runs are still kept, so the next compaction rolls those buckets up again
-- from the runs and replaces the estimate with the time they measured.
ALTER TABLE rollups
    ADD COLUMN up_ms bigint NOT NULL DEFAULT 0,
    ADD COLUMN down_ms bigint NOT NULL DEFAULT 0,
    ADD COLUMN excluded_ms bigint NOT NULL DEFAULT 0,
    -- The first instant of the bucket with up or down time (where a window's data starts).
    ADD COLUMN covered_from bigint NULL;

UPDATE rollups SET
    up_ms = ROUND((CASE resolution WHEN 'Hour' THEN 3600000 ELSE 86400000 END)::double precision * (passes + degraded) / runs)::bigint,
    down_ms = ROUND((CASE resolution WHEN 'Hour' THEN 3600000 ELSE 86400000 END)::double precision * fails / runs)::bigint,
    excluded_ms = ROUND((CASE resolution WHEN 'Hour' THEN 3600000 ELSE 86400000 END)::double precision * GREATEST(0, runs - passes - degraded - fails) / runs)::bigint
WHERE runs > 0;

UPDATE rollups SET covered_from = bucket_start WHERE up_ms + down_ms > 0;

UPDATE history_marks SET at = LEAST(at, COALESCE((SELECT m.at FROM history_marks m WHERE m.name = 'raw.deleted-before'), 0))
WHERE name IN ('hour.done', 'day.done');
