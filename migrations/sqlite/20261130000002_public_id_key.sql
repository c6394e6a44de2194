-- Secrets of this installation, made once. `public_ids` keys the opaque ids customers know
-- public incidents and updates by (a keyed hash of the internal id), so the ids say nothing
-- of how much happened internally and cannot be guessed or counted.
CREATE TABLE install_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO install_secrets (name, value) VALUES ('public_ids', lower(hex(randomblob(32))));
