-- Alerts from monitoring and what they page through. Alerts get a stream of their own:
-- `event_kinds` is rebuilt to allow it (SQLite cannot change a CHECK in place; the foreign
-- key from `events` is checked at commit, when the kinds are back).
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE event_kinds_copy AS SELECT stream, kind FROM event_kinds;
DROP TABLE event_kinds;
CREATE TABLE event_kinds (
    stream  TEXT NOT NULL CHECK (stream IN ('incident', 'status_page', 'schedule', 'alert')),
    kind    TEXT NOT NULL,
    PRIMARY KEY (stream, kind)
);
INSERT INTO event_kinds (stream, kind) SELECT stream, kind FROM event_kinds_copy;
DROP TABLE event_kinds_copy;

INSERT INTO event_kinds (stream, kind) VALUES
    ('alert', 'alert_triggered'), ('alert', 'alert_repeated'), ('alert', 'alert_acknowledged'), ('alert', 'alert_resolved');

-- Escalation policies: ordered steps with delays and targets, kept as one JSON document
-- (domain::escalation::Policy), replaced whole when saved.
CREATE TABLE escalation_policies (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT   NOT NULL UNIQUE,
    policy         TEXT   NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    updated_at_ms  BIGINT NOT NULL
);

-- A service pages through its policy; in maintenance it holds its pages.
ALTER TABLE services ADD COLUMN escalation_policy_id BIGINT REFERENCES escalation_policies (id);
ALTER TABLE services ADD COLUMN maintenance BIGINT NOT NULL DEFAULT 0 CHECK (maintenance IN (0, 1));

-- The secrets monitoring sends events with: one per source, revocable. The key is the
-- only credential of the events endpoints.
CREATE TABLE integration_keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id     BIGINT NOT NULL REFERENCES services (id),
    name           TEXT   NOT NULL,
    kind           TEXT   NOT NULL CHECK (kind IN ('events_v2', 'alertmanager')),
    secret         TEXT   NOT NULL UNIQUE,
    created_at_ms  BIGINT NOT NULL,
    revoked_at_ms  BIGINT,
    UNIQUE (service_id, name)
);

-- Alerts. At most one open alert per service and dedup key: the index makes a trigger
-- race-free (a second trigger of the same key finds the first).
CREATE TABLE alerts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id          BIGINT NOT NULL REFERENCES services (id),
    integration_key_id  BIGINT REFERENCES integration_keys (id),
    dedup_key           TEXT   NOT NULL,
    state               TEXT   NOT NULL CHECK (state IN ('triggered', 'acknowledged', 'resolved')),
    severity            TEXT   NOT NULL CHECK (severity IN ('critical', 'error', 'warning', 'info')),
    summary             TEXT   NOT NULL,
    source              TEXT   NOT NULL,
    details             TEXT   NOT NULL,
    created_at_ms       BIGINT NOT NULL,
    acknowledged_at_ms  BIGINT,
    resolved_at_ms      BIGINT
);
CREATE UNIQUE INDEX alerts_open ON alerts (service_id, dedup_key) WHERE state <> 'resolved';
CREATE INDEX alerts_service ON alerts (service_id, id);

-- Acknowledgements and resolves for keys with no open alert: accepted, and kept here.
CREATE TABLE unmatched_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id      BIGINT NOT NULL REFERENCES services (id),
    action          TEXT   NOT NULL CHECK (action IN ('acknowledge', 'resolve')),
    dedup_key       TEXT   NOT NULL,
    received_at_ms  BIGINT NOT NULL
);

-- Change events (deploys, flag flips): recorded on the service, never paging.
CREATE TABLE change_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id      BIGINT NOT NULL REFERENCES services (id),
    summary         TEXT   NOT NULL,
    source          TEXT,
    at_ms           BIGINT NOT NULL,
    details         TEXT   NOT NULL,
    received_at_ms  BIGINT NOT NULL
);
CREATE INDEX change_events_service ON change_events (service_id, at_ms);
