-- The alerts an incident was declared from: the war room shows them, their logs and their
-- services' recent changes. Incidents already declared from an alert are linked from the
-- alert's log.
CREATE TABLE incident_alerts (
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    alert_id     BIGINT NOT NULL REFERENCES alerts (id),
    PRIMARY KEY (incident_id, alert_id)
);
CREATE INDEX incident_alerts_alert ON incident_alerts (alert_id);
INSERT INTO incident_alerts (incident_id, alert_id)
    SELECT DISTINCT (payload::json ->> 'incident')::BIGINT, stream_id FROM events
    WHERE stream = 'alert' AND kind = 'alert_incident_declared';

-- Whether an alert called for action or was noise, as the responder judged it.
ALTER TABLE alerts ADD COLUMN verdict TEXT CHECK (verdict IN ('actionable', 'noise'));
INSERT INTO event_kinds (stream, kind) VALUES ('alert', 'alert_judged');
