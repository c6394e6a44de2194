-- Action items as the postmortem template has them: priority P0-P3, status Open / In progress /
-- Done, and an optional link to the item in an external tracker; changing one is an event.
INSERT INTO event_kinds (stream, kind) VALUES ('postmortem', 'action_item_edited');
ALTER TABLE action_items DROP CONSTRAINT action_items_priority_check;
ALTER TABLE action_items ADD CONSTRAINT action_items_priority_check CHECK (priority IN ('p0', 'p1', 'p2', 'p3'));
ALTER TABLE action_items DROP CONSTRAINT action_items_status_check;
ALTER TABLE action_items ADD CONSTRAINT action_items_status_check CHECK (status IN ('open', 'in_progress', 'done'));
-- http(s) only, checked by the app
ALTER TABLE action_items ADD COLUMN link TEXT;
