-- A postmortem belongs to an incident or to a near-miss (its lightweight review, edited and
-- tracked like any postmortem): exactly one of the two.
ALTER TABLE postmortems ALTER COLUMN incident_id DROP NOT NULL;
ALTER TABLE postmortems ADD COLUMN near_miss_id BIGINT UNIQUE REFERENCES near_misses (id);
ALTER TABLE postmortems ADD CONSTRAINT postmortems_one_subject CHECK ((incident_id IS NULL) <> (near_miss_id IS NULL));
