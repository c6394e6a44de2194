-- Shift swaps: a responder offers a window of their own shift; when someone takes it, it
-- becomes an override for them (override_id) over exactly that window. Every step is also
-- an event on the schedule's stream.
CREATE TABLE swap_offers (
    id             BIGSERIAL PRIMARY KEY,
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
ALTER TABLE user_notifications ALTER COLUMN incident_id DROP NOT NULL;
ALTER TABLE user_notifications ADD COLUMN link TEXT;
UPDATE user_notifications SET link = '/incidents/' || incident_id;
ALTER TABLE user_notifications ALTER COLUMN link SET NOT NULL;
