-- Public updates (what the status page shows) are incident events too: widen the closed set
-- of event kinds.

ALTER TABLE incident_events DROP CONSTRAINT incident_events_kind_check;
ALTER TABLE incident_events ADD CONSTRAINT incident_events_kind_check CHECK (kind IN ('declared', 'severity_changed', 'status_changed', 'role_assigned', 'role_released', 'note_added', 'update_posted', 'change_recorded', 'link_added', 'data_exposure_flagged', 'notified', 'timer_fired', 'runbook_step_done', 'public_update_posted'));
-- the status page reads only public updates
CREATE INDEX incident_events_kind ON incident_events (kind, id);
