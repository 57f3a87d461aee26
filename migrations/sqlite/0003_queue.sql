-- The operators' queue: accounts, sessions, API tokens, and what operators do to reports.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL,            -- operator | coordinator | admin
    regions       TEXT    NOT NULL,            -- JSON array of region ids; [] = every region
    password_hash TEXT,                        -- argon2id PHC string; NULL = API token only
    created_at    TEXT    NOT NULL,
    disabled_at   TEXT
);

-- Tokens and session ids are stored as sha256 hex: a leaked table opens no door.
CREATE TABLE api_tokens (
    token_sha256 TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT    NOT NULL,
    last_used_at TEXT
);

CREATE TABLE sessions (
    id_sha256  TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- `version` makes every operator action a compare-and-swap: two operators acting at once
-- never overwrite each other silently.
ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN claimed_by TEXT;
ALTER TABLE reports ADD COLUMN claim_expires_at TEXT;
ALTER TABLE reports ADD COLUMN assigned_to TEXT;      -- registry coordinator id
ALTER TABLE reports ADD COLUMN duplicate_of TEXT;     -- primary folio
ALTER TABLE reports ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reports_queue ON reports (status, region, created_at);
CREATE INDEX reports_duplicate_of ON reports (duplicate_of);

-- A human's correction of the classifier, kept beside its decision (which stays on the
-- message) so the corpus can learn from it.
CREATE TABLE triage_corrections (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES reports (id),
    from_category TEXT    NOT NULL,
    from_priority TEXT    NOT NULL,
    to_category   TEXT    NOT NULL,
    to_priority   TEXT    NOT NULL,
    reason        TEXT,
    actor         TEXT    NOT NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX triage_corrections_report ON triage_corrections (report_id);
CREATE INDEX audit_log_entity_kind_id ON audit_log (entity_kind, id);

-- One weekly digest per region and ISO week: the primary key is what makes it go out once
-- across restarts and replicas.
CREATE TABLE weekly_digests (
    region  TEXT NOT NULL,
    week    TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (region, week)
);

-- Inbound media fetched from the Graph API into the local media store before Meta's links
-- expire: one row per message with media, worked like the outbox (leases, backoff).
CREATE TABLE media_files (
    message_id      INTEGER NOT NULL PRIMARY KEY REFERENCES inbound_messages (id),
    media_id        TEXT    NOT NULL,
    state           TEXT    NOT NULL,   -- pending | fetching | stored | unavailable | refused
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    sha256          TEXT,               -- of the stored bytes: the file's name in the store
    size_bytes      INTEGER,
    mime_type       TEXT,
    last_error      TEXT,
    updated_at      TEXT NOT NULL
);
CREATE INDEX media_files_due ON media_files (state, next_attempt_at);

-- Reporters by keyed hash (privacy::pseudonym): what operators see, and how access and
-- erasure requests find a person's messages.
ALTER TABLE inbound_messages ADD COLUMN sender_pseudonym TEXT;
ALTER TABLE inbound_messages ADD COLUMN sender_pseudonym_alt TEXT;
CREATE INDEX inbound_messages_pseudonym ON inbound_messages (sender_pseudonym);
CREATE INDEX inbound_messages_pseudonym_alt ON inbound_messages (sender_pseudonym_alt);

-- Who has received the privacy notice, by pseudonym only (never the number itself).
CREATE TABLE privacy_notices (
    sender_pseudonym TEXT PRIMARY KEY,
    sent_at          TEXT NOT NULL
);
