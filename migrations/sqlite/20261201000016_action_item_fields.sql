-- Action items as the postmortem template has them: priority P0-P3, status Open / In progress /
-- Done, and an optional link to the item in an external tracker; changing one is an event.
-- SQLite cannot change a CHECK constraint in place: the table is made again, rows kept.
INSERT INTO event_kinds (stream, kind) VALUES ('postmortem', 'action_item_edited');
CREATE TABLE action_items_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    postmortem_id  BIGINT NOT NULL REFERENCES postmortems (id),
    title          TEXT   NOT NULL,
    owner_id       BIGINT REFERENCES users (id),
    priority       TEXT   NOT NULL CHECK (priority IN ('p0', 'p1', 'p2', 'p3')),
    due_on         TEXT,
    status         TEXT   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done')),
    created_at_ms  BIGINT NOT NULL,
    done_at_ms     BIGINT,
    -- http(s) only, checked by the app
    link           TEXT
);
INSERT INTO action_items_new (id, postmortem_id, title, owner_id, priority, due_on, status, created_at_ms, done_at_ms)
    SELECT id, postmortem_id, title, owner_id, priority, due_on, status, created_at_ms, done_at_ms FROM action_items;
DROP TABLE action_items;
ALTER TABLE action_items_new RENAME TO action_items;
CREATE INDEX action_items_postmortem ON action_items (postmortem_id);
CREATE INDEX action_items_owner ON action_items (owner_id, status);
