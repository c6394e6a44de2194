-- One event log for every aggregate. Each aggregate (an incident, the status page, a
-- schedule, …) has a stream; `seq` numbers a stream's events 1, 2, 3 … in commit order.
-- Writers of one stream are ordered by the stream's advisory lock; writers of different
-- streams never wait for each other.
--
-- Readers follow the log in (tx, id) order: `tx` is the writing transaction's number
-- (pg_current_xact_id, taken right after the stream lock), and a reader reads only events
-- of transactions older than every transaction still running, so nothing can appear
-- behind a position it has passed (see domain::log). Events moved from the old log have
-- tx 0: they were all committed before.
--
-- The kinds of event each stream may hold are a closed set, kept in `event_kinds` so that
-- a new kind is one INSERT rather than a rewrite of the log.

CREATE TABLE event_kinds (
    stream  TEXT NOT NULL CHECK (stream IN ('incident', 'status_page', 'schedule')),
    kind    TEXT NOT NULL,
    PRIMARY KEY (stream, kind)
);
INSERT INTO event_kinds (stream, kind) VALUES
    ('incident', 'declared'), ('incident', 'severity_changed'), ('incident', 'status_changed'),
    ('incident', 'role_assigned'), ('incident', 'role_released'), ('incident', 'note_added'),
    ('incident', 'update_posted'), ('incident', 'change_recorded'), ('incident', 'link_added'),
    ('incident', 'data_exposure_flagged'), ('incident', 'notified'), ('incident', 'timer_fired'),
    ('incident', 'runbook_step_done'), ('incident', 'public_update_posted');

CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    stream      TEXT   NOT NULL,
    stream_id   BIGINT NOT NULL,
    seq         BIGINT NOT NULL CHECK (seq > 0),
    tx          BIGINT NOT NULL DEFAULT 0,
    at_ms       BIGINT NOT NULL,
    actor_id    BIGINT REFERENCES users (id),
    actor_name  TEXT,
    kind        TEXT   NOT NULL,
    payload     TEXT   NOT NULL,
    FOREIGN KEY (stream, kind) REFERENCES event_kinds (stream, kind),
    UNIQUE (stream, stream_id, seq)
);
-- the log's reading order, and a stream's or a kind's part of it
CREATE INDEX events_order ON events (tx, id);
CREATE INDEX events_stream ON events (stream, stream_id, tx, id);
CREATE INDEX events_kind ON events (stream, kind, id);

-- the incident log moves over, ids kept
INSERT INTO events (id, stream, stream_id, seq, tx, at_ms, actor_id, actor_name, kind, payload)
    SELECT id, 'incident', incident_id, ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY id), 0, at_ms, actor_id, actor_name, kind, payload
    FROM incident_events;
SELECT setval(pg_get_serial_sequence('events', 'id'), GREATEST((SELECT MAX(id) FROM events), (SELECT last_value FROM incident_events_id_seq), 1));

-- webhook deliveries now name an event of the general log
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_fkey;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id);

DROP TABLE incident_events;
