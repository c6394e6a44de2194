-- Near-misses: what almost happened and what caught it, recorded without declaring an
-- incident; `incident_id` once one was declared from it (set once, in the declaring
-- transaction).
CREATE TABLE near_misses (
    id              BIGSERIAL PRIMARY KEY,
    title           TEXT   NOT NULL,
    what_happened   TEXT   NOT NULL,
    caught_by       TEXT   NOT NULL,
    service_id      BIGINT REFERENCES services (id),
    occurred_at_ms  BIGINT NOT NULL,
    recorded_by     BIGINT NOT NULL REFERENCES users (id),
    recorded_at_ms  BIGINT NOT NULL,
    incident_id     BIGINT UNIQUE REFERENCES incidents (id)
);
CREATE INDEX near_misses_when ON near_misses (occurred_at_ms);
