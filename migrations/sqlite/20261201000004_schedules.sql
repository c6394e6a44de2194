-- On-call schedules. A schedule's layers are kept as one JSON document (domain::oncall::Layer,
-- bottom first), replaced whole when an admin saves the schedule; `version` makes two
-- admins' saves at once safe (one wins, the other is told). The YAML it was saved from is
-- kept as written. Overrides are rows of their own; every change is also an event on the
-- schedule's stream.
CREATE TABLE schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT   NOT NULL UNIQUE,
    time_zone      TEXT   NOT NULL,
    description    TEXT   NOT NULL DEFAULT '',
    layers         TEXT   NOT NULL,
    source_yaml    TEXT   NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    updated_at_ms  BIGINT NOT NULL
);

-- Someone on call instead of whoever the layers say; a removed override is kept, marked.
CREATE TABLE schedule_overrides (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id    BIGINT NOT NULL REFERENCES schedules (id),
    user_id        BIGINT NOT NULL REFERENCES users (id),
    start_ms       BIGINT NOT NULL,
    end_ms         BIGINT NOT NULL CHECK (end_ms > start_ms),
    created_by     BIGINT REFERENCES users (id),
    created_at_ms  BIGINT NOT NULL,
    removed_at_ms  BIGINT
);
CREATE INDEX schedule_overrides_when ON schedule_overrides (schedule_id, end_ms);

INSERT INTO event_kinds (stream, kind) VALUES
    ('schedule', 'schedule_saved'), ('schedule', 'override_added'), ('schedule', 'override_removed');
