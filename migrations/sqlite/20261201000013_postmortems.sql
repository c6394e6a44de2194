-- Postmortems: one per incident, a full one or a lightweight review, with a deadline and a
-- status. The text is a CRDT document: `snapshot` is its state with every edit up to the
-- event `snapshot_through` folded in (edits after it are `postmortem_edited` events on the
-- postmortem's stream). Action items are kept beside the text and tracked to done.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE event_kinds_copy AS SELECT stream, kind FROM event_kinds;
DROP TABLE event_kinds;
CREATE TABLE event_kinds (
    stream  TEXT NOT NULL CHECK (stream IN ('incident', 'status_page', 'schedule', 'alert', 'postmortem')),
    kind    TEXT NOT NULL,
    PRIMARY KEY (stream, kind)
);
INSERT INTO event_kinds (stream, kind) SELECT stream, kind FROM event_kinds_copy;
DROP TABLE event_kinds_copy;

INSERT INTO event_kinds (stream, kind) VALUES
    ('postmortem', 'postmortem_started'), ('postmortem', 'postmortem_status_changed'), ('postmortem', 'postmortem_edited'),
    ('postmortem', 'action_item_added'), ('postmortem', 'action_item_changed');

CREATE TABLE postmortems (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id        BIGINT NOT NULL UNIQUE REFERENCES incidents (id),
    depth              TEXT   NOT NULL CHECK (depth IN ('full', 'lightweight')),
    status             TEXT   NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'complete')),
    due_at_ms          BIGINT,
    created_at_ms      BIGINT NOT NULL,
    snapshot           BLOB   NOT NULL,
    snapshot_through   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX postmortems_open ON postmortems (status, due_at_ms);

CREATE TABLE action_items (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    postmortem_id  BIGINT NOT NULL REFERENCES postmortems (id),
    title          TEXT   NOT NULL,
    owner_id       BIGINT REFERENCES users (id),
    priority       TEXT   NOT NULL CHECK (priority IN ('p1', 'p2', 'p3')),
    due_on         TEXT,
    status         TEXT   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at_ms  BIGINT NOT NULL,
    done_at_ms     BIGINT
);
CREATE INDEX action_items_postmortem ON action_items (postmortem_id);
CREATE INDEX action_items_owner ON action_items (owner_id, status);
