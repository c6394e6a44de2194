-- Klaxon foundation: users, sessions, services, incidents and the incident event log.
-- Instants are epoch milliseconds (BIGINT); booleans are 0/1. Closed sets carry CHECKs.

CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'responder', 'viewer')),
    password_hash  TEXT    NOT NULL,
    active         BIGINT  NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at_ms  BIGINT  NOT NULL
);

-- tower-sessions records, stored as JSON.
CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    data       TEXT   NOT NULL,
    expiry_ms  BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry_ms);

CREATE TABLE services (
    id           BIGSERIAL PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE incidents (
    id                 BIGSERIAL PRIMARY KEY,
    slug               TEXT   NOT NULL UNIQUE,
    title              TEXT   NOT NULL,
    impact             TEXT   NOT NULL DEFAULT '',
    severity           TEXT   NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
    status             TEXT   NOT NULL CHECK (status IN ('detected', 'investigating', 'identified', 'mitigating', 'resolved', 'follow_up')),
    detected_at_ms     BIGINT NOT NULL,
    declared_at_ms     BIGINT NOT NULL,
    mitigated_at_ms    BIGINT,
    resolved_at_ms     BIGINT,
    last_update_at_ms  BIGINT NOT NULL,
    data_exposure      BIGINT NOT NULL DEFAULT 0 CHECK (data_exposure IN (0, 1)),
    -- bumped on every change; conditional updates on it make concurrent changes safe
    version            BIGINT NOT NULL DEFAULT 1,
    declared_by        BIGINT REFERENCES users (id)
);
CREATE INDEX incidents_status ON incidents (status, declared_at_ms);

CREATE TABLE incident_services (
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    service_id   BIGINT NOT NULL REFERENCES services (id),
    PRIMARY KEY (incident_id, service_id)
);

CREATE TABLE incident_roles (
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    role         TEXT   NOT NULL CHECK (role IN ('commander', 'comms', 'ops', 'scribe', 'sme')),
    user_id      BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (incident_id, role, user_id)
);
-- one holder for every role but SME
CREATE UNIQUE INDEX incident_roles_single ON incident_roles (incident_id, role) WHERE role <> 'sme';

-- The log. Ids only grow (a sequence never reuses one); writers are serialised, so ids
-- commit in order and Last-Event-ID resumption is exact.
CREATE TABLE incident_events (
    id           BIGSERIAL PRIMARY KEY,
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    at_ms        BIGINT NOT NULL,
    actor_id     BIGINT REFERENCES users (id),
    actor_name   TEXT,
    kind         TEXT   NOT NULL CHECK (kind IN ('declared', 'severity_changed', 'status_changed', 'role_assigned', 'role_released', 'note_added', 'update_posted', 'change_recorded', 'link_added', 'data_exposure_flagged', 'notified', 'timer_fired', 'runbook_step_done')),
    payload      TEXT   NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

-- A timer fires once per (incident, kind, due time), whichever replica gets there first.
CREATE TABLE timer_firings (
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    kind         TEXT   NOT NULL CHECK (kind IN ('update_due', 'mitigation_overdue')),
    due_at_ms    BIGINT NOT NULL,
    PRIMARY KEY (incident_id, kind, due_at_ms)
);

CREATE TABLE runbooks (
    id             BIGSERIAL PRIMARY KEY,
    service_id     BIGINT NOT NULL REFERENCES services (id),
    title          TEXT   NOT NULL,
    -- the runbook as JSON (parsed and validated), and the YAML it was imported from
    doc            TEXT   NOT NULL,
    source_yaml    TEXT   NOT NULL DEFAULT '',
    updated_at_ms  BIGINT NOT NULL
);
CREATE INDEX runbooks_service ON runbooks (service_id);
