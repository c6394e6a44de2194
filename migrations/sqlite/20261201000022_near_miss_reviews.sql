-- A near-miss's lightweight review, kept with it: what contributed, where we got lucky, what
-- we change. Written (and rewritten) by a responder.
ALTER TABLE near_misses ADD COLUMN review_contributing TEXT;
ALTER TABLE near_misses ADD COLUMN review_lucky TEXT;
ALTER TABLE near_misses ADD COLUMN review_changes TEXT;
ALTER TABLE near_misses ADD COLUMN reviewed_by BIGINT REFERENCES users (id);
ALTER TABLE near_misses ADD COLUMN reviewed_at_ms BIGINT;
