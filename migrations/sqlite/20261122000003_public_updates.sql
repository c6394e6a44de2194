-- Public updates (what the status page shows) are incident events too: widen the closed set
-- of event kinds. SQLite cannot alter a CHECK, so the table is rebuilt; ids are kept.

CREATE TABLE incident_events_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    at_ms        BIGINT NOT NULL,
    actor_id     BIGINT REFERENCES users (id),
    actor_name   TEXT,
    kind         TEXT   NOT NULL CHECK (kind IN ('declared', 'severity_changed', 'status_changed', 'role_assigned', 'role_released', 'note_added', 'update_posted', 'change_recorded', 'link_added', 'data_exposure_flagged', 'notified', 'timer_fired', 'runbook_step_done', 'public_update_posted')),
    payload      TEXT   NOT NULL
);
INSERT INTO incident_events_new (id, incident_id, at_ms, actor_id, actor_name, kind, payload)
    SELECT id, incident_id, at_ms, actor_id, actor_name, kind, payload FROM incident_events;
DROP TABLE incident_events;
ALTER TABLE incident_events_new RENAME TO incident_events;
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
-- the status page reads only public updates
CREATE INDEX incident_events_kind ON incident_events (kind, id);
