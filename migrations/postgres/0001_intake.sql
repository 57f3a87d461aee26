-- Intake: every webhook delivery as received, the messages and statuses it carried.
-- Timestamps are bound from Rust as timestamptz; booleans are native.

CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body_sha256      TEXT    NOT NULL UNIQUE,
    body             BYTEA   NOT NULL,
    outcome          TEXT    NOT NULL,  -- parsed | invalid_json | unknown_shape
    detail           TEXT,
    first_received_at TIMESTAMPTZ   NOT NULL,
    last_received_at TIMESTAMPTZ    NOT NULL,
    deliveries       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX webhook_deliveries_outcome ON webhook_deliveries (outcome) WHERE outcome <> 'parsed';

CREATE TABLE inbound_messages (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wamid                TEXT    NOT NULL UNIQUE,
    delivery_id          BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    kind                 TEXT    NOT NULL,
    phone_number_id      TEXT,
    sender_phone         TEXT,
    sender_bsuid         TEXT,
    sender_name          TEXT,
    cloud_group_id       TEXT,
    group_ref            TEXT,
    attribution          TEXT    NOT NULL,  -- cloud_group | member_bsuid | member_phone | unregistered
    safety_reply_due     BOOLEAN NOT NULL,
    sent_at              TIMESTAMPTZ    NOT NULL,
    received_at          TIMESTAMPTZ    NOT NULL,
    body                 TEXT,
    note                 TEXT,
    refers_to            TEXT,
    reply_to             TEXT,
    forwarded            BOOLEAN NOT NULL,
    frequently_forwarded BOOLEAN NOT NULL,
    media_id             TEXT,
    media_mime           TEXT,
    media_sha256         TEXT,
    media_filename       TEXT,
    media_voice          BOOLEAN NOT NULL,
    latitude             DOUBLE PRECISION,
    longitude            DOUBLE PRECISION,
    location_name        TEXT,
    location_address     TEXT,
    attached_to          BIGINT REFERENCES inbound_messages (id),
    error_code           BIGINT,
    payload              TEXT    NOT NULL,
    category             TEXT,
    priority             TEXT,
    confidence           DOUBLE PRECISION,
    needs_review         BOOLEAN,
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
    status_at         TIMESTAMPTZ,
    recipient_id      TEXT,
    recipient_user_id TEXT,
    error_code        BIGINT,
    error_title       TEXT,
    updated_at        TIMESTAMPTZ    NOT NULL
);

CREATE TABLE webhook_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    field       TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    received_at TIMESTAMPTZ    NOT NULL
);

-- Append-only record of what happened and who did it.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    entity_kind TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    detail      TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id);
