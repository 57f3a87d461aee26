-- Reports with folios, the outbox of everything we send, and sender pacing.

ALTER TABLE inbound_messages ADD COLUMN coordinator_ref TEXT;

-- Folio sequences per state and year; incremented in the transaction that creates the report,
-- so a rolled-back report never burns a number (folios stay gap-free as citizens see them).
CREATE TABLE folio_counters (
    state    TEXT    NOT NULL,
    year     INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (state, year)
);

CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    folio            TEXT    NOT NULL UNIQUE,
    message_id       INTEGER NOT NULL UNIQUE REFERENCES inbound_messages (id),
    group_ref        TEXT    NOT NULL,
    region           TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    priority         TEXT    NOT NULL,
    status           TEXT    NOT NULL,  -- open | acknowledged | resolved
    created_at       TEXT    NOT NULL,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    escalate_at      TEXT,              -- next escalation step while unacknowledged
    acknowledged_at  TEXT,
    acknowledged_by  TEXT,
    resolved_at      TEXT,
    resolved_by      TEXT,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX reports_escalation_due ON reports (escalate_at) WHERE status = 'open';
CREATE INDEX reports_group ON reports (group_ref, created_at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    purpose         TEXT    NOT NULL,
    priority        INTEGER NOT NULL,   -- 0 goes first (the 9-1-1 reply)
    report_id       INTEGER REFERENCES reports (id),
    message_id      INTEGER REFERENCES inbound_messages (id),
    recipient_key   TEXT    NOT NULL,   -- pacing and ordering key: one per WhatsApp user or group
    recipient       TEXT    NOT NULL,   -- JSON whatsapp::Recipient
    reply_to        TEXT,               -- wamid to quote
    params          TEXT    NOT NULL,   -- JSON: what the renderer needs; texts are rendered at send time
    state           TEXT    NOT NULL,   -- pending | sending | sent | dry_run | failed | merged
    use_template    INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    lease_until     TEXT,
    lease_owner     TEXT,
    wamid           TEXT,
    payload         TEXT,               -- the exact request body sent (or that dry-run would send)
    delivery_status TEXT,               -- from status webhooks: sent, delivered, read, failed
    delivery_error  INTEGER,
    last_error_code INTEGER,
    last_error      TEXT,
    merged_into     INTEGER REFERENCES outbox (id),
    created_at      TEXT    NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
-- The open rows of each recipient's queue, oldest first (the claim reads only this).
CREATE INDEX outbox_open ON outbox (recipient_key, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_wamid ON outbox (wamid);

CREATE TABLE recipient_pacing (
    recipient_key   TEXT PRIMARY KEY,
    next_allowed_at TEXT NOT NULL
);

-- One row: set when the access token expired, so sending pauses instead of burning retries.
CREATE TABLE sender_state (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    paused_at         TEXT,
    paused_reason     TEXT,
    token_fingerprint TEXT
);
INSERT INTO sender_state (id) VALUES (1);

-- The sender looks for free-form messages that Meta failed with 131047 to resend as templates.
CREATE INDEX message_statuses_failed ON message_statuses (error_code) WHERE status = 'failed';
