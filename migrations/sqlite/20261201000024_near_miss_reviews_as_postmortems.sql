-- A postmortem belongs to an incident or to a near-miss (its lightweight review, edited and
-- tracked like any postmortem): exactly one of the two. SQLite cannot drop a NOT NULL in
-- place: the table is made again under its own name, rows and ids kept. Its children
-- (action items, presence) name it by that name; their links are checked at commit.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE postmortems_copy AS SELECT * FROM postmortems;
DROP TABLE postmortems;
CREATE TABLE postmortems (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id        BIGINT UNIQUE REFERENCES incidents (id),
    near_miss_id       BIGINT UNIQUE REFERENCES near_misses (id),
    depth              TEXT   NOT NULL CHECK (depth IN ('full', 'lightweight')),
    status             TEXT   NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'complete')),
    due_at_ms          BIGINT,
    created_at_ms      BIGINT NOT NULL,
    snapshot           BLOB   NOT NULL,
    snapshot_through   BIGINT NOT NULL DEFAULT 0,
    overdue_reminded   BIGINT NOT NULL DEFAULT 0 CHECK (overdue_reminded IN (0, 1)),
    CHECK ((incident_id IS NULL) <> (near_miss_id IS NULL))
);
INSERT INTO postmortems (id, incident_id, depth, status, due_at_ms, created_at_ms, snapshot, snapshot_through, overdue_reminded)
    SELECT id, incident_id, depth, status, due_at_ms, created_at_ms, snapshot, snapshot_through, overdue_reminded FROM postmortems_copy;
DROP TABLE postmortems_copy;
CREATE INDEX postmortems_open ON postmortems (status, due_at_ms);
