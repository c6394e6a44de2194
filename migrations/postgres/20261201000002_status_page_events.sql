-- Status-page edits are events on the status page's stream (stream id 0), so every
-- replica's public snapshot follows them from the log instead of polling.
INSERT INTO event_kinds (stream, kind) VALUES
    ('status_page', 'settings_saved'), ('status_page', 'component_added'), ('status_page', 'component_edited'),
    ('status_page', 'component_status_changed'), ('status_page', 'maintenance_scheduled'), ('status_page', 'maintenance_switched');
