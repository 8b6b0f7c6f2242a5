-- What one instance claims so that no other does the same at once (several instances share this database).

-- Run now / Run all: the last manual run of each probe; the cooldown is a conditional update of this row.
CREATE TABLE manual_runs (
    probe_id text PRIMARY KEY,
    last_manual_run_at bigint NOT NULL
);

-- The scale change in flight of each service: one row per service, so a second instance cannot start another.
CREATE TABLE scale_in_flight (
    service text PRIMARY KEY,
    audit_id text NOT NULL,
    actor_id text NOT NULL,
    actor_name text NOT NULL,
    reason text NOT NULL,
    to_count integer NOT NULL,
    started_at bigint NOT NULL,
    instance_id text NOT NULL
);

-- The instance that started each run (Quartz's scheduler instance id), so that a starting or sweeping instance closes
-- only the runs of instances that stopped checking in.
ALTER TABLE runs ADD COLUMN instance_id text NULL;

-- An outbox claim is leased to the instance that made it: released at its start and stop, and by any instance once the
-- lease has run out (its sender died), never while a live sender holds it.
ALTER TABLE notification_outbox ADD COLUMN claimed_by text NULL, ADD COLUMN lease_until bigint NULL;
