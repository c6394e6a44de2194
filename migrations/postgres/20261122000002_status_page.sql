-- The public status page: its settings, component groups, components and every status a
-- component has been in (the uptime bars are computed from that history).

CREATE TABLE status_page (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    name         TEXT   NOT NULL,
    public_url   TEXT   NOT NULL DEFAULT '',
    logo_url     TEXT   NOT NULL DEFAULT '',
    -- an IANA time zone; days on the uptime bars begin at midnight there
    time_zone    TEXT   NOT NULL DEFAULT 'UTC',
    support_url  TEXT   NOT NULL DEFAULT ''
);
INSERT INTO status_page (id, name) VALUES (1, 'Status');

CREATE TABLE component_groups (
    id        BIGSERIAL PRIMARY KEY,
    name      TEXT   NOT NULL UNIQUE,
    position  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE components (
    id             BIGSERIAL PRIMARY KEY,
    group_id       BIGINT REFERENCES component_groups (id),
    name           TEXT   NOT NULL UNIQUE,
    description    TEXT   NOT NULL DEFAULT '',
    position       BIGINT NOT NULL DEFAULT 0,
    status         TEXT   NOT NULL CHECK (status IN ('operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage')),
    -- the internal service this component shows to the public, if any
    service_id     BIGINT REFERENCES services (id),
    created_at_ms  BIGINT NOT NULL,
    updated_at_ms  BIGINT NOT NULL
);

-- One row each time a component's status changes (and one at creation).
CREATE TABLE component_status_history (
    id            BIGSERIAL PRIMARY KEY,
    component_id  BIGINT NOT NULL REFERENCES components (id),
    at_ms         BIGINT NOT NULL,
    status        TEXT   NOT NULL CHECK (status IN ('operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'))
);
CREATE INDEX component_status_history_component ON component_status_history (component_id, at_ms);
