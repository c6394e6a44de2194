-- An overdue postmortem reminds its Incident Commander once: the reminder is an event on the
-- postmortem's stream, and the row says it was sent.
INSERT INTO event_kinds (stream, kind) VALUES ('postmortem', 'postmortem_overdue');
ALTER TABLE postmortems ADD COLUMN overdue_reminded BIGINT NOT NULL DEFAULT 0 CHECK (overdue_reminded IN (0, 1));
