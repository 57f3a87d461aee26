-- Intake: every webhook delivery as received, the messages and statuses it carried.
-- Timestamps are bound from Rust as UTC RFC 3339 text; booleans are 0/1.

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    body_sha256      TEXT    NOT NULL UNIQUE,
    body             BLOB    NOT NULL,
    outcome          TEXT    NOT NULL,  -- parsed | invalid_json | unknown_shape
    detail           TEXT,
    first_received_at TEXT   NOT NULL,
    last_received_at TEXT    NOT NULL,
    deliveries       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX webhook_deliveries_outcome ON webhook_deliveries (outcome) WHERE outcome <> 'parsed';

CREATE TABLE inbound_messages (
    id                   INTEGER PRIMARY KEY,
    wamid                TEXT    NOT NULL UNIQUE,
    delivery_id          INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    kind                 TEXT    NOT NULL,
    phone_number_id      TEXT,
    sender_phone         TEXT,
    sender_bsuid         TEXT,
    sender_name          TEXT,
    cloud_group_id       TEXT,
    group_ref            TEXT,
    attribution          TEXT    NOT NULL,  -- cloud_group | member_bsuid | member_phone | unregistered
    safety_reply_due     INTEGER NOT NULL,
    sent_at              TEXT    NOT NULL,
    received_at          TEXT    NOT NULL,
    body                 TEXT,
    note                 TEXT,
    refers_to            TEXT,
    reply_to             TEXT,
    forwarded            INTEGER NOT NULL,
    frequently_forwarded INTEGER NOT NULL,
    media_id             TEXT,
    media_mime           TEXT,
    media_sha256         TEXT,
    media_filename       TEXT,
    media_voice          INTEGER NOT NULL,
    latitude             REAL,
    longitude            REAL,
    location_name        TEXT,
    location_address     TEXT,
    attached_to          INTEGER REFERENCES inbound_messages (id),
    error_code           INTEGER,
    payload              TEXT    NOT NULL,
    category             TEXT,
    priority             TEXT,
    confidence           REAL,
    needs_review         INTEGER,
    rules                TEXT,
    cnie_code            INTEGER,
    classifier_version   TEXT
);
CREATE INDEX inbound_messages_sender_bsuid ON inbound_messages (sender_bsuid, sent_at);
CREATE INDEX inbound_messages_sender_phone ON inbound_messages (sender_phone, sent_at);
CREATE INDEX inbound_messages_group ON inbound_messages (group_ref, sent_at);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);

CREATE TABLE message_statuses (
    wamid             TEXT    PRIMARY KEY,
    status            TEXT    NOT NULL,
    rank              INTEGER NOT NULL,
    status_at         TEXT,
    recipient_id      TEXT,
    recipient_user_id TEXT,
    error_code        INTEGER,
    error_title       TEXT,
    updated_at        TEXT    NOT NULL
);

CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    field       TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    received_at TEXT    NOT NULL
);

-- Append-only record of what happened and who did it.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    entity_kind TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    detail      TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id);
