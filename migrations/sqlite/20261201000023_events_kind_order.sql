-- A live reader of one kind of stream (the incident list, the alerts page) resumes from a
-- cursor: read in the log's order within that kind, instead of finding every event of the
-- kind and sorting them.
CREATE INDEX events_kind_order ON events (stream, tx, id);
