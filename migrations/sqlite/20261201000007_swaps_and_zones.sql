-- Shift swaps: a responder offers a window of their own shift; when someone takes it, it
-- becomes an override for them (override_id) over exactly that window. Every step is also
-- an event on the schedule's stream.
CREATE TABLE swap_offers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id    BIGINT NOT NULL REFERENCES schedules (id),
    offered_by     BIGINT NOT NULL REFERENCES users (id),
    start_ms       BIGINT NOT NULL,
    end_ms         BIGINT NOT NULL CHECK (end_ms > start_ms),
    note           TEXT   NOT NULL DEFAULT '',
    state          TEXT   NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'taken', 'withdrawn')),
    taken_by       BIGINT REFERENCES users (id),
    override_id    BIGINT REFERENCES schedule_overrides (id),
    created_at_ms  BIGINT NOT NULL,
    closed_at_ms   BIGINT,
    CHECK ((state = 'taken') = (taken_by IS NOT NULL AND override_id IS NOT NULL))
);
CREATE INDEX swap_offers_schedule ON swap_offers (schedule_id, end_ms);

INSERT INTO event_kinds (stream, kind) VALUES
    ('schedule', 'swap_offered'), ('schedule', 'swap_taken'), ('schedule', 'swap_withdrawn');

-- A person's own time zone (IANA name): night hours on call are counted on their clock.
ALTER TABLE users ADD COLUMN time_zone TEXT;

-- The inbox holds more than incident notifications now (a swap taken, for one): each item
-- links to where it happened, and only some belong to an incident.
CREATE TABLE user_notifications_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    event_id     BIGINT NOT NULL REFERENCES events (id),
    incident_id  BIGINT REFERENCES incidents (id),
    link         TEXT   NOT NULL,
    text         TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    UNIQUE (user_id, event_id)
);
INSERT INTO user_notifications_new (id, user_id, event_id, incident_id, link, text, created_at_ms)
    SELECT id, user_id, event_id, incident_id, '/incidents/' || incident_id, text, created_at_ms FROM user_notifications;
DROP TABLE user_notifications;
ALTER TABLE user_notifications_new RENAME TO user_notifications;
CREATE INDEX user_notifications_user ON user_notifications (user_id, id);
