-- Scheduled maintenance windows shown on the public page. Their phase (scheduled, in
-- progress, verifying, completed) follows from the clock.

CREATE TABLE maintenances (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT   NOT NULL,
    message         TEXT   NOT NULL,
    starts_at_ms    BIGINT NOT NULL,
    ends_at_ms      BIGINT NOT NULL CHECK (ends_at_ms > starts_at_ms),
    created_at_ms   BIGINT NOT NULL,
    created_by      BIGINT REFERENCES users (id)
);
CREATE INDEX maintenances_window ON maintenances (ends_at_ms, starts_at_ms);

CREATE TABLE maintenance_components (
    maintenance_id  BIGINT NOT NULL REFERENCES maintenances (id),
    component_id    BIGINT NOT NULL REFERENCES components (id),
    PRIMARY KEY (maintenance_id, component_id)
);
