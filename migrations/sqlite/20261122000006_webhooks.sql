-- Webhook subscriptions to the public status page, and their deliveries (an outbox: a
-- public update adds one pending delivery per subscription in its own transaction, and a
-- job sends them, retrying with backoff, so posting an update never waits on a webhook).

CREATE TABLE webhook_subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT   NOT NULL UNIQUE,
    -- secret: sent in each delivery, and what unsubscribing takes
    token           TEXT   NOT NULL UNIQUE,
    created_at_ms   BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id     BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    -- the public update (an incident event)
    event_id            BIGINT NOT NULL REFERENCES incident_events (id),
    -- the message, without the subscription's unsubscribe details (added when sending)
    body                TEXT   NOT NULL,
    state               TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms  BIGINT NOT NULL,
    last_error          TEXT   NOT NULL DEFAULT '',
    UNIQUE (subscription_id, event_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at_ms);
