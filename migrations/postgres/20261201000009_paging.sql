-- Paging: the next step of every alert still escalating, with when it is due. This row is
-- the durable timer: a worker on any replica fires a due step under the alert's lock and
-- moves the row on in the same transaction, so each step fires once, even across restarts.
CREATE TABLE alert_escalations (
    alert_id       BIGINT PRIMARY KEY REFERENCES alerts (id),
    policy_id      BIGINT NOT NULL REFERENCES escalation_policies (id),
    round          BIGINT NOT NULL,
    step           BIGINT NOT NULL,
    raised_at_ms   BIGINT NOT NULL,
    due_at_ms      BIGINT NOT NULL
);
CREATE INDEX alert_escalations_due ON alert_escalations (due_at_ms);

INSERT INTO event_kinds (stream, kind) VALUES ('alert', 'alert_paged');
