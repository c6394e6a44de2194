-- One event log for every aggregate. Each aggregate (an incident, the status page, a
-- schedule, …) has a stream; `seq` numbers a stream's events 1, 2, 3 … in commit order.
-- Writers of one stream are ordered by the stream's lock; writers of different streams
-- never wait for each other (on SQLite the database serialises every writer anyway).
--
-- Readers follow the log in (tx, id) order, `tx` being the writing transaction's number on
-- PostgreSQL; here it is always 0 and the order is the id's (see domain::log).
--
-- The kinds of event each stream may hold are a closed set, kept in `event_kinds` so that
-- a new kind is one INSERT rather than a rebuild of the log.

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
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
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

-- webhook deliveries now name an event of the general log
CREATE TABLE webhook_deliveries_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id     BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    -- the public update (an incident event)
    event_id            BIGINT NOT NULL REFERENCES events (id),
    -- the message, without the subscription's unsubscribe details (added when sending)
    body                TEXT   NOT NULL,
    state               TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms  BIGINT NOT NULL,
    last_error          TEXT   NOT NULL DEFAULT '',
    UNIQUE (subscription_id, event_id)
);
INSERT INTO webhook_deliveries_new (id, subscription_id, event_id, body, state, attempts, next_attempt_at_ms, last_error)
    SELECT id, subscription_id, event_id, body, state, attempts, next_attempt_at_ms, last_error FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at_ms);

DROP TABLE incident_events;
