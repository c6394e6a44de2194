-- An incident declared from an alert is recorded on the alert's stream too.
INSERT INTO event_kinds (stream, kind) VALUES ('alert', 'alert_incident_declared');
