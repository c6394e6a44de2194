-- Drill scenarios: a script of timed injects (imported as YAML, kept as written and as
-- checked JSON). A drill's row keeps the script it runs as it was when the drill started,
-- how many injects are posted and when the next is due (the worker claims each inject by
-- moving injects_posted on, once), and the drill's retrospective.
CREATE TABLE drill_scenarios (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT   NOT NULL,
    doc             TEXT   NOT NULL,
    source_yaml     TEXT   NOT NULL,
    updated_at_ms   BIGINT NOT NULL
);

CREATE TABLE drills (
    incident_id        BIGINT PRIMARY KEY REFERENCES incidents (id),
    scenario_id        BIGINT REFERENCES drill_scenarios (id),
    scenario_title     TEXT,
    script             TEXT   NOT NULL DEFAULT '[]',
    injects_posted     BIGINT NOT NULL DEFAULT 0,
    next_inject_at_ms  BIGINT,
    went_well          TEXT,
    to_improve         TEXT
);
CREATE INDEX drills_next_inject ON drills (next_inject_at_ms);

INSERT INTO drills (incident_id) SELECT id FROM incidents WHERE drill = 1;

INSERT INTO event_kinds (stream, kind) VALUES ('incident', 'drill_inject'), ('incident', 'drill_retro');
