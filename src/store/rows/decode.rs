//! Row decoding for both backends, written out instead of `#[derive(sqlx::FromRow)]`.
//!
//! sqlx's `derive` feature pulls in `sqlx-macros`, which links sqlx-sqlite and the bundled
//! SQLite C library into the compiler's host build (a second copy whenever the host build
//! differs from the target's). Decoding by column name needs nothing the macro adds, so
//! [`decode_row!`] writes the same `FromRow` impls: each listed field is read from the
//! column of the same name with `Row::try_get` (a missing column is an error, as with the
//! derive), and each `flatten` field is decoded as a whole row type from the same row.
//!
//! Every row type is listed here, for SQLite's and PostgreSQL's rows alike. A field added to
//! a row struct and not here fails to compile ("missing field"), so the list cannot drift.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::{
    AuditRow, ChangeJoin, DeliveryRow, EventRow, InboundRow, OutboxRow, ReportRow, SenderState,
    StatusRow, StoreCounts,
};

/// `decode_row!(Type { column, … } flatten { field, … })`: `FromRow` for `Type` on both
/// backends' rows.
macro_rules! decode_row {
    ($ty:path { $($col:ident),* $(,)? } $(flatten { $($flat:ident),* $(,)? })?) => {
        decode_row!(@on SqliteRow, $ty { $($col),* } { $($($flat),*)? });
        decode_row!(@on PgRow, $ty { $($col),* } { $($($flat),*)? });
    };
    (@on $row:ty, $ty:path { $($col:ident),* } { $($flat:ident),* }) => {
        impl<'r> sqlx::FromRow<'r, $row> for $ty {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self {
                    $($flat: sqlx::FromRow::from_row(row)?,)*
                    $($col: row.try_get(stringify!($col))?,)*
                })
            }
        }
    };
}

decode_row!(InboundRow {
    id,
    wamid,
    delivery_id,
    kind,
    phone_number_id,
    sender_phone,
    sender_bsuid,
    sender_name,
    cloud_group_id,
    group_ref,
    attribution,
    safety_reply_due,
    sent_at,
    received_at,
    body,
    note,
    refers_to,
    reply_to,
    forwarded,
    frequently_forwarded,
    media_id,
    media_mime,
    media_sha256,
    media_filename,
    media_voice,
    latitude,
    longitude,
    location_name,
    location_address,
    attached_to,
    error_code,
    payload,
    category,
    priority,
    confidence,
    needs_review,
    rules,
    cnie_code,
    classifier_version,
    coordinator_ref,
    sender_pseudonym,
    sender_pseudonym_alt
});
decode_row!(StatusRow {
    wamid,
    status,
    rank,
    status_at,
    recipient_id,
    recipient_user_id,
    error_code,
    error_title,
    updated_at
});
decode_row!(DeliveryRow {
    id,
    body_sha256,
    body,
    outcome,
    detail,
    first_received_at,
    last_received_at,
    deliveries
});
decode_row!(EventRow {
    id,
    delivery_id,
    field,
    payload,
    received_at
});
decode_row!(StoreCounts {
    deliveries,
    flagged_deliveries,
    messages,
    statuses,
    events
});
decode_row!(ReportRow {
    id,
    folio,
    message_id,
    group_ref,
    region,
    category,
    priority,
    status,
    created_at,
    escalation_level,
    escalate_at,
    acknowledged_at,
    acknowledged_by,
    resolved_at,
    resolved_by,
    updated_at,
    version,
    claimed_by,
    claim_expires_at,
    assigned_to,
    duplicate_of,
    needs_review,
    follow_ups_unseen
});
decode_row!(OutboxRow {
    id,
    purpose,
    priority,
    report_id,
    message_id,
    recipient_key,
    recipient,
    reply_to,
    params,
    state,
    use_template,
    attempts,
    next_attempt_at,
    lease_until,
    lease_owner,
    wamid,
    payload,
    delivery_status,
    delivery_error,
    last_error_code,
    last_error,
    merged_into,
    created_at,
    sent_at
});
decode_row!(SenderState {
    paused_at,
    paused_reason,
    token_fingerprint
});
decode_row!(AuditRow {
    id,
    at,
    actor,
    action,
    entity_kind,
    entity_id,
    detail
});
decode_row!(ChangeJoin {
    id,
    action,
    actor,
    folio,
    region,
    category,
    priority,
    status
});
decode_row!(crate::store::accounts::UserRow {
    id,
    name,
    role,
    regions,
    password_hash,
    created_at,
    disabled_at
});
decode_row!(crate::store::accounts::TokenOwner { token_issued_at } flatten { user });
decode_row!(crate::store::accounts::UserAccount { token_issued_at } flatten { user });
decode_row!(crate::store::accounts::SessionRow {
    id_sha256,
    user_id,
    csrf_token,
    created_at,
    expires_at
});
decode_row!(crate::store::report_query::QueueItem { message_kind, message_body, message_note, message_confidence, merged_count, safety_reply, message_sent_at, message_received_at, message_forwarded } flatten { report });
decode_row!(crate::store::report_query::ReportPlace {
    message_id,
    latitude,
    longitude,
    location_name,
    location_address,
    sent_at
});
decode_row!(crate::store::report_query::QueueCount {
    category,
    status,
    n,
    follow_ups,
    unregistered
});
decode_row!(crate::store::report_changes::CorrectionRow {
    id,
    folio,
    text,
    from_category,
    from_priority,
    to_category,
    to_priority,
    reason,
    actor,
    at
});
decode_row!(crate::store::media::MediaRow {
    message_id,
    media_id,
    state,
    attempts,
    next_attempt_at,
    lease_until,
    sha256,
    size_bytes,
    mime_type,
    last_error,
    updated_at
});
decode_row!(crate::store::trend_alerts::TrendAlertRow {
    region,
    municipality,
    colonia,
    category,
    week,
    count,
    baseline_mean,
    alerted_at,
    recipients,
});
decode_row!(crate::store::registry::RegistryGroupRow {
    id,
    name,
    kind,
    region,
    municipality,
    colonias,
    cloud_group_id,
    active,
    position,
});
decode_row!(crate::store::registry::RegistryMemberRow {
    id,
    group_id,
    name,
    phone,
    bsuid,
    role,
    active,
});
decode_row!(crate::store::registry::RegistryRequestRow {
    id,
    kind,
    status,
    message_id,
    received_at,
    sender_key,
    recipient,
    phone,
    bsuid,
    profile_name,
    privacy_keys,
    region,
    group_id,
    code,
    new_phone,
    new_bsuid,
    decided_at,
    decided_by,
    reason,
    member_id,
});
decode_row!(crate::store::registry::RegistryCoordinatorRow {
    active,
    id,
    region,
    name,
    phone,
    bsuid,
    roles,
    shifts,
    position,
});
decode_row!(crate::store::incidents::IncidentSource {
    report_id,
    folio,
    group_ref,
    region,
    category,
    priority,
    status,
    created_at,
    escalate_at,
    text,
    forwarded,
    photo,
    latitude,
    longitude,
    location_name,
    location_address,
});
decode_row!(crate::store::incidents::OpenMember { incident_id, incident_category, lead_report_id } flatten { source });
decode_row!(crate::store::incidents::IncidentState {
    id,
    lead_report_id,
    lead_folio,
    region,
    category,
    report_count,
    notified_count,
    groups,
    first_at,
    last_at,
    lead_notified,
});
decode_row!(crate::store::incidents::PendingOutcome {
    report_id,
    folio,
    member_status,
    incident_id,
    lead_folio,
    status,
    by,
    cloud_group_id,
    sender_phone,
    sender_bsuid,
    wamid,
});
decode_row!(crate::store::incident_edits::IncidentRow {
    id,
    lead_report_id,
    lead_folio,
    region,
    category,
    report_count,
    groups,
    first_at,
    last_at,
    merged_into,
});
decode_row!(crate::store::incident_edits::IncidentMemberRow {
    report_id,
    folio,
    group_ref,
    status,
    created_at,
    how,
    signals,
    confirmed_by,
});
decode_row!(crate::store::incident_views::IncidentMemberView {
    member_folio,
    member_group,
    member_region,
    member_status,
    member_created_at,
    member_signals,
} flatten { incident });
