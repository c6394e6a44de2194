-- Postmortems: one per incident, a full one or a lightweight review, with a deadline and a
-- status. The text is a CRDT document: `snapshot` is its state with every edit up to the
-- event `snapshot_through` folded in (edits after it are `postmortem_edited` events on the
-- postmortem's stream). Action items are kept beside the text and tracked to done.
ALTER TABLE event_kinds DROP CONSTRAINT event_kinds_stream_check;
ALTER TABLE event_kinds ADD CONSTRAINT event_kinds_stream_check CHECK (stream IN ('incident', 'status_page', 'schedule', 'alert', 'postmortem'));

INSERT INTO event_kinds (stream, kind) VALUES
    ('postmortem', 'postmortem_started'), ('postmortem', 'postmortem_status_changed'), ('postmortem', 'postmortem_edited'),
    ('postmortem', 'action_item_added'), ('postmortem', 'action_item_changed');

CREATE TABLE postmortems (
    id                 BIGSERIAL PRIMARY KEY,
    incident_id        BIGINT NOT NULL UNIQUE REFERENCES incidents (id),
    depth              TEXT   NOT NULL CHECK (depth IN ('full', 'lightweight')),
    status             TEXT   NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'complete')),
    due_at_ms          BIGINT,
    created_at_ms      BIGINT NOT NULL,
    snapshot           BYTEA  NOT NULL,
    snapshot_through   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX postmortems_open ON postmortems (status, due_at_ms);

CREATE TABLE action_items (
    id             BIGSERIAL PRIMARY KEY,
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
