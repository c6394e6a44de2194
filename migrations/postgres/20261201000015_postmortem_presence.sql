-- Who has a postmortem's editor open, and where their caret is. Each open editor says so
-- every few seconds (its row is overwritten); the others show the carets said recently.
-- Not history: rows older than a minute are removed as new ones are written.
CREATE TABLE postmortem_presence (
  postmortem_id BIGINT NOT NULL REFERENCES postmortems (id),
  -- the editor's document client id (one per open page)
  client BIGINT NOT NULL CHECK (client >= 2),
  user_id BIGINT NOT NULL REFERENCES users (id),
  -- a position in the document that follows its text (yrs sticky index, base64), or empty
  caret TEXT NOT NULL,
  seen_at_ms BIGINT NOT NULL,
  PRIMARY KEY (postmortem_id, client)
);
CREATE INDEX postmortem_presence_seen ON postmortem_presence (seen_at_ms);
