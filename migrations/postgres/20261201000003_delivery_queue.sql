-- One outbound delivery queue for everything Klaxon sends: status-page webhook updates,
-- incident notifications, and (later) pages. A delivery is either to a status-page
-- subscription or to an address of its own; each names the event it is about, so where it
-- matters (an incident's timeline) its outcome can be shown.
ALTER TABLE webhook_deliveries RENAME TO deliveries;
ALTER TABLE deliveries ADD COLUMN purpose TEXT NOT NULL DEFAULT 'status_update' CHECK (purpose IN ('status_update', 'notification'));
ALTER TABLE deliveries ALTER COLUMN purpose DROP DEFAULT;
ALTER TABLE deliveries ALTER COLUMN subscription_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN url TEXT;
-- who it is for, as people read it (an audience and an address)
ALTER TABLE deliveries ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD CONSTRAINT deliveries_one_target CHECK ((subscription_id IS NULL) <> (url IS NULL));
ALTER INDEX webhook_deliveries_due RENAME TO deliveries_due;
CREATE INDEX deliveries_subscription ON deliveries (subscription_id);

-- Who each audience is: users (told in Klaxon) and webhook addresses (a Slack-compatible
-- message through the queue).
CREATE TABLE audience_members (
    id        BIGSERIAL PRIMARY KEY,
    audience  TEXT   NOT NULL CHECK (audience IN ('executives', 'security_and_legal')),
    user_id   BIGINT REFERENCES users (id),
    url       TEXT,
    CHECK ((user_id IS NULL) <> (url IS NULL)),
    UNIQUE (audience, user_id),
    UNIQUE (audience, url)
);

-- What Klaxon told a user, for the user's inbox.
CREATE TABLE user_notifications (
    id           BIGSERIAL PRIMARY KEY,
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
