-- A note in the war room can be marked as key: the postmortem's timeline is pre-filled with
-- key notes (at the time they were written), not with every note.
INSERT INTO event_kinds (stream, kind) VALUES ('incident', 'note_marked_key');
