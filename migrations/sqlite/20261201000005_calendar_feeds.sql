-- Calendar feeds (iCalendar) of on-call shifts, one per schedule or per user, each at a URL
-- with a secret token. Revoking a feed gives it a new token; the old URL stops answering.
CREATE TABLE calendar_feeds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token          TEXT   NOT NULL UNIQUE,
    schedule_id    BIGINT REFERENCES schedules (id),
    user_id        BIGINT REFERENCES users (id),
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at_ms  BIGINT NOT NULL,
    revoked_at_ms  BIGINT,
    CHECK ((schedule_id IS NULL) <> (user_id IS NULL))
);
