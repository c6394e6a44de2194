-- How each person is paged beyond Klaxon itself (the in-app pager and inbox, always at
-- once): by webhook (a Slack-compatible message) or by email, each after its delay. A
-- page not acknowledged by then goes out by the rule; one acknowledged first does not.
CREATE TABLE notification_rules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        BIGINT NOT NULL REFERENCES users (id),
    channel        TEXT   NOT NULL CHECK (channel IN ('webhook', 'email')),
    address        TEXT   NOT NULL,
    delay_minutes  BIGINT NOT NULL CHECK (delay_minutes BETWEEN 0 AND 60),
    created_at_ms  BIGINT NOT NULL,
    UNIQUE (user_id, channel, address, delay_minutes)
);
CREATE INDEX notification_rules_user ON notification_rules (user_id);

-- Acknowledgement links sent with pages: each works once, for one person and one alert,
-- until it expires. Only a hash of the secret is kept.
CREATE TABLE ack_links (
    token_hash     TEXT   PRIMARY KEY,
    alert_id       BIGINT NOT NULL REFERENCES alerts (id),
    user_id        BIGINT NOT NULL REFERENCES users (id),
    created_at_ms  BIGINT NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    used_at_ms     BIGINT
);

-- The delivery queue carries pages too, and a page no longer needed (its alert was
-- acknowledged first) is cancelled. SQLite cannot change a CHECK in place: the table is
-- rebuilt, ids kept.
CREATE TABLE deliveries_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose             TEXT   NOT NULL CHECK (purpose IN ('status_update', 'notification', 'page')),
    subscription_id     BIGINT REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    url                 TEXT,
    recipient           TEXT   NOT NULL DEFAULT '',
    event_id            BIGINT NOT NULL REFERENCES events (id),
    body                TEXT   NOT NULL,
    state               TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms  BIGINT NOT NULL,
    last_error          TEXT   NOT NULL DEFAULT '',
    CHECK ((subscription_id IS NULL) <> (url IS NULL)),
    UNIQUE (subscription_id, event_id)
);
INSERT INTO deliveries_new (id, purpose, subscription_id, url, recipient, event_id, body, state, attempts, next_attempt_at_ms, last_error)
    SELECT id, purpose, subscription_id, url, recipient, event_id, body, state, attempts, next_attempt_at_ms, last_error FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at_ms);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id);
CREATE INDEX deliveries_event ON deliveries (event_id);

INSERT INTO event_kinds (stream, kind) VALUES ('alert', 'alert_page_delivered'), ('alert', 'alert_page_failed');
