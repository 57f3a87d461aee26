-- Joining and leaving over WhatsApp (issue 19): what people ask of the registry by message.
--
-- Intake stores one row per message that asks something of the registry, in the message's
-- transaction (`status = 'received'`); the registry-requests worker (src/routing/joining/)
-- then settles it: an *alta* request waits for a coordinator (`pending` → `approved` or
-- `declined`), a second one from the same sender while one waits is `duplicate`; an invite
-- code, a `BAJA` or a changed number is carried out at once (`done`) or `refused` with the
-- reason. Rows are never deleted by the flow: they are its record.
CREATE TABLE registry_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL, -- alta | invite_code | invite_join | baja | number_change
    status        TEXT    NOT NULL, -- received | pending | approved | declined | duplicate | done | refused
    message_id    INTEGER,
    received_at   TEXT    NOT NULL,
    -- Who wrote: the reply address (`whatsapp::Recipient` JSON) and its pacing key.
    sender_key    TEXT    NOT NULL,
    recipient     TEXT    NOT NULL,
    phone         TEXT,
    bsuid         TEXT,
    profile_name  TEXT,
    -- The sender's privacy pseudonyms (JSON array): the notice goes once per person.
    privacy_keys  TEXT    NOT NULL,
    -- Where an alta is shown (a region id, or `sin-region`) and the group it names, if any.
    region        TEXT    NOT NULL,
    group_id      TEXT,
    -- The invite code an `ALTA 4F7K` gave; the new number or BSUID of a number change.
    code          TEXT,
    new_phone     TEXT,
    new_bsuid     TEXT,
    decided_at    TEXT,
    decided_by    TEXT,
    reason        TEXT,
    member_id     INTEGER
);
CREATE INDEX registry_requests_open ON registry_requests (status, id);
CREATE INDEX registry_requests_sender ON registry_requests (sender_key, kind, status);

-- Per-group invite codes an *enlace* asks for with `ALTA`: four characters without
-- look-alikes, valid until `expires_at`, for one group.
CREATE TABLE registry_invites (
    code       TEXT    PRIMARY KEY,
    group_id   TEXT    NOT NULL,
    created_by INTEGER NOT NULL, -- the enlace's registry_members id
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);

-- A coordinator who leaves the rotation is deactivated, not deleted: the row keeps the
-- history the audit trail points to, and reactivating restores the roster as it was.
ALTER TABLE registry_coordinators ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
