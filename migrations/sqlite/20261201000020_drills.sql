-- A drill: an incident run as an exercise. Marked everywhere it appears, never on the public
-- status page, nobody outside it told, left out of every metric.
ALTER TABLE incidents ADD COLUMN drill BIGINT NOT NULL DEFAULT 0 CHECK (drill IN (0, 1));
