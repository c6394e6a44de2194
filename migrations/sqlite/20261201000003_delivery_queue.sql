-- One outbound delivery queue for everything Klaxon sends: status-page webhook updates,
-- incident notifications, and (later) pages. A delivery is either to a status-page
-- subscription or to an address of its own; each names the event it is about, so where it
-- matters (an incident's timeline) its outcome can be shown. SQLite cannot change a
-- column's constraints, so the webhook queue is rebuilt under its new name; ids are kept.
CREATE TABLE deliveries (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose             TEXT   NOT NULL CHECK (purpose IN ('status_update', 'notification')),
    subscription_id     BIGINT REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    url                 TEXT,
    -- who it is for, as people read it (an audience and an address)
    recipient           TEXT   NOT NULL DEFAULT '',
    event_id            BIGINT NOT NULL REFERENCES events (id),
    -- the message (a status update's lacks the subscription's unsubscribe details)
    body                TEXT   NOT NULL,
    state               TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms  BIGINT NOT NULL,
    last_error          TEXT   NOT NULL DEFAULT '',
    CHECK ((subscription_id IS NULL) <> (url IS NULL)),
    UNIQUE (subscription_id, event_id)
);
INSERT INTO deliveries (id, purpose, subscription_id, event_id, body, state, attempts, next_attempt_at_ms, last_error)
    SELECT id, 'status_update', subscription_id, event_id, body, state, attempts, next_attempt_at_ms, last_error FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at_ms);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id);

-- Who each audience is: users (told in Klaxon) and webhook addresses (a Slack-compatible
-- message through the queue).
CREATE TABLE audience_members (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    audience  TEXT   NOT NULL CHECK (audience IN ('executives', 'security_and_legal')),
    user_id   BIGINT REFERENCES users (id),
    url       TEXT,
    CHECK ((user_id IS NULL) <> (url IS NULL)),
    UNIQUE (audience, user_id),
    UNIQUE (audience, url)
);

-- What Klaxon told a user, for the user's inbox.
CREATE TABLE user_notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    event_id     BIGINT NOT NULL REFERENCES events (id),
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    text         TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    UNIQUE (user_id, event_id)
);
CREATE INDEX user_notifications_user ON user_notifications (user_id, id);

INSERT INTO event_kinds (stream, kind) VALUES
    ('incident', 'notification_delivered'), ('incident', 'notification_failed'), ('incident', 'audience_empty');
