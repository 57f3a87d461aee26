-- Reports with folios, the outbox of everything we send, and sender pacing.

ALTER TABLE inbound_messages ADD COLUMN coordinator_ref TEXT;

-- Folio sequences per state and year; incremented in the transaction that creates the report,
-- so a rolled-back report never burns a number (folios stay gap-free as citizens see them).
CREATE TABLE folio_counters (
    state    TEXT    NOT NULL,
    year     INTEGER NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (state, year)
);

CREATE TABLE reports (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    folio            TEXT    NOT NULL UNIQUE,
    message_id       BIGINT NOT NULL UNIQUE REFERENCES inbound_messages (id),
    group_ref        TEXT    NOT NULL,
    region           TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    priority         TEXT    NOT NULL,
    status           TEXT    NOT NULL,  -- open | acknowledged | resolved
    created_at       TIMESTAMPTZ    NOT NULL,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    escalate_at      TIMESTAMPTZ,              -- next escalation step while unacknowledged
    acknowledged_at  TIMESTAMPTZ,
    acknowledged_by  TEXT,
    resolved_at      TIMESTAMPTZ,
    resolved_by      TEXT,
    updated_at       TIMESTAMPTZ    NOT NULL
);
CREATE INDEX reports_escalation_due ON reports (escalate_at) WHERE status = 'open';
CREATE INDEX reports_group ON reports (group_ref, created_at);

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose         TEXT    NOT NULL,
    priority        INTEGER NOT NULL,   -- 0 goes first (the 9-1-1 reply)
    report_id       BIGINT REFERENCES reports (id),
    message_id      BIGINT REFERENCES inbound_messages (id),
    recipient_key   TEXT    NOT NULL,   -- pacing and ordering key: one per WhatsApp user or group
    recipient       TEXT    NOT NULL,   -- JSON whatsapp::Recipient
    reply_to        TEXT,               -- wamid to quote
    params          TEXT    NOT NULL,   -- JSON: what the renderer needs; texts are rendered at send time
    state           TEXT    NOT NULL,   -- pending | sending | sent | dry_run | failed | merged
    use_template    BOOLEAN NOT NULL DEFAULT FALSE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ    NOT NULL,
    lease_until     TIMESTAMPTZ,
    lease_owner     TEXT,
    wamid           TEXT,
    payload         TEXT,               -- the exact request body sent (or that dry-run would send)
    delivery_status TEXT,               -- from status webhooks: sent, delivered, read, failed
    delivery_error  BIGINT,
    last_error_code BIGINT,
    last_error      TEXT,
    merged_into     BIGINT REFERENCES outbox (id),
    created_at      TIMESTAMPTZ    NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
-- The open rows of each recipient's queue, oldest first (the claim reads only this).
CREATE INDEX outbox_open ON outbox (recipient_key, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_wamid ON outbox (wamid);

CREATE TABLE recipient_pacing (
    recipient_key   TEXT PRIMARY KEY,
    next_allowed_at TIMESTAMPTZ NOT NULL
);

-- One row: set when the access token expired, so sending pauses instead of burning retries.
CREATE TABLE sender_state (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    paused_at         TIMESTAMPTZ,
    paused_reason     TEXT,
    token_fingerprint TEXT
);
INSERT INTO sender_state (id) VALUES (1);

-- The sender looks for free-form messages that Meta failed with 131047 to resend as templates.
CREATE INDEX message_statuses_failed ON message_statuses (error_code) WHERE status = 'failed';
