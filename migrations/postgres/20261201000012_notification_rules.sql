-- How each person is paged beyond Klaxon itself (the in-app pager and inbox, always at
-- once): by webhook (a Slack-compatible message) or by email, each after its delay. A
-- page not acknowledged by then goes out by the rule; one acknowledged first does not.
CREATE TABLE notification_rules (
    id             BIGSERIAL PRIMARY KEY,
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
-- acknowledged first) is cancelled. The old checks were named after the table's earlier
-- names, so they are found by what they check.
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'deliveries'::regclass AND contype = 'c'
        AND (pg_get_constraintdef(oid) LIKE '%purpose%' OR pg_get_constraintdef(oid) LIKE '%''pending''%')
    LOOP
        EXECUTE format('ALTER TABLE deliveries DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_purpose CHECK (purpose IN ('status_update', 'notification', 'page'));
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled'));
CREATE INDEX deliveries_event ON deliveries (event_id);

INSERT INTO event_kinds (stream, kind) VALUES ('alert', 'alert_page_delivered'), ('alert', 'alert_page_failed');
