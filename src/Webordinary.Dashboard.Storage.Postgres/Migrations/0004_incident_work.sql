-- Incidents people work: who acknowledged an open incident and when (its reminders stop), and the notes written on it.
ALTER TABLE incidents ADD COLUMN acknowledged_by_id text NULL;
ALTER TABLE incidents ADD COLUMN acknowledged_by text NULL;
ALTER TABLE incidents ADD COLUMN acknowledged_at bigint NULL;

CREATE TABLE incident_notes (
    id text PRIMARY KEY,
    incident_id text NOT NULL,
    author_id text NOT NULL,
    author text NOT NULL,
    created_at bigint NOT NULL,
    edited_at bigint NULL,
    text text NOT NULL
);

-- An incident's notes, oldest first.
CREATE INDEX ix_incident_notes_incident ON incident_notes (incident_id, created_at);
