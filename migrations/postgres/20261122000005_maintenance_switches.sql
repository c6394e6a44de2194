-- When a maintenance window starts its components go under maintenance, and back when it
-- ends. Each switch is claimed here once, so replicas never repeat it and a status a
-- responder sets by hand afterwards is left alone.

CREATE TABLE maintenance_switches (
    maintenance_id  BIGINT NOT NULL REFERENCES maintenances (id),
    component_id    BIGINT NOT NULL REFERENCES components (id),
    edge            TEXT   NOT NULL CHECK (edge IN ('start', 'end')),
    PRIMARY KEY (maintenance_id, component_id, edge)
);
