-- Handoff notes: the person on call writes a note for whoever takes over; it belongs to that
-- handoff (the instant one shift ends and the next begins) and stays with it. Writing one
-- again replaces it; every note is also an event on the schedule's stream.
CREATE TABLE handoff_notes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id     BIGINT NOT NULL REFERENCES schedules (id),
    handoff_at_ms   BIGINT NOT NULL,
    author_id       BIGINT NOT NULL REFERENCES users (id),
    body            TEXT   NOT NULL,
    written_at_ms   BIGINT NOT NULL,
    UNIQUE (schedule_id, handoff_at_ms)
);

INSERT INTO event_kinds (stream, kind) VALUES ('schedule', 'handoff_note_written');
