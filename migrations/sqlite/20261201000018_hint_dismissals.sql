-- A blameless-language hint dismissed in a postmortem is an event on its stream: kept, and
-- seen by every open editor at once.
INSERT INTO event_kinds (stream, kind) VALUES ('postmortem', 'postmortem_hint_dismissed');
