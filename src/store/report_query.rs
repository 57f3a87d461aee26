//! The queue's filtered report lists and their per-category and per-status counts, built
//! with `sqlx::QueryBuilder` because which filters apply depends on the request.

use chrono::{DateTime, Utc};
use sqlx::{Encode, QueryBuilder, Type};

use super::db::Either;
use super::rows::ReportRow;
use super::{Store, StoreError};

/// Which reports a list shows. Scope (`regions`) comes from the caller's account and is
/// applied like any other filter, so nothing downstream can forget it.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    /// `None`: every region.
    pub regions: Option<Vec<String>>,
    /// Group refs (a municipality filter arrives here as its groups); `None`: any group.
    pub groups: Option<Vec<String>>,
    pub categories: Vec<String>,
    pub statuses: Vec<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Words looked up in the message text and the folio, ignoring case and accents.
    pub text: Option<String>,
    /// Groups whose name or colonias match `text` (the registry is not in the database):
    /// their reports match too.
    pub text_groups: Vec<String>,
    /// Exactly this folio (a folio typed in the search box).
    pub folio: Option<String>,
    /// Folios ending with this (`-000003` for a short folio "3" of any state and year).
    pub folio_suffix: Option<String>,
    /// Oldest first regardless of priority (exports) instead of the queue's urgency order.
    pub chronological: bool,
    pub limit: i64,
    pub offset: i64,
    /// Keyset paging of a chronological list: only reports after this one in
    /// (`created_at`, `id`) order. Exports page this way: an OFFSET re-reads every row
    /// before the page, so a long export grows quadratically.
    pub after_id: Option<i64>,
}

/// A queue line: the report and the message it came from.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub report: ReportRow,
    pub message_kind: String,
    pub message_body: Option<String>,
    pub message_note: Option<String>,
    pub message_confidence: Option<f64>,
    /// Reports marked as duplicates of this one.
    pub merged_count: i64,
    /// What became of the safety reply to an unregistered sender: the delivery status
    /// when WhatsApp reported one, else the outbox state; `None` for registered groups.
    pub safety_reply: Option<String>,
    /// WhatsApp's timestamp of the message (when it was written) and when we received it.
    pub message_sent_at: DateTime<Utc>,
    pub message_received_at: DateTime<Utc>,
    pub message_forwarded: bool,
}

/// Where a report's message says it happened: a WhatsApp location that is the message
/// itself or was attached to it. `message_id` is the report's message.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPlace {
    pub message_id: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub location_name: Option<String>,
    pub location_address: Option<String>,
    pub sent_at: DateTime<Utc>,
}

/// How many reports each (category, status) pair has under a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCount {
    pub category: String,
    pub status: String,
    pub n: i64,
    /// Of those, reports with citizens' follow-ups no operator has read yet.
    pub follow_ups: i64,
    /// Of those, reports from senders in no registered group.
    pub unregistered: i64,
}

/// The queue's columns: the report, a few things from its message, and for an unregistered
/// sender's report what became of the safety reply.
const QUEUE_SELECT: &str = "\
SELECT r.*, m.kind AS message_kind, m.body AS message_body, m.note AS message_note,
       m.confidence AS message_confidence, m.sent_at AS message_sent_at,
       m.received_at AS message_received_at, m.forwarded AS message_forwarded,
       (SELECT COUNT(*) FROM reports d WHERE d.duplicate_of = r.folio) AS merged_count,
       (SELECT COALESCE(o.delivery_status, o.state) FROM outbox o
        WHERE o.report_id = r.id AND o.purpose = 'reply_unregistered'
        ORDER BY o.id LIMIT 1) AS safety_reply
FROM reports r JOIN inbound_messages m ON m.id = r.message_id WHERE 1 = 1";
const COUNT_SELECT: &str = "\
SELECT r.category AS category, r.status AS status, COUNT(*) AS n,
       SUM(CASE WHEN r.follow_ups_unseen > 0 THEN 1 ELSE 0 END) AS follow_ups,
       -- 'no-registrado' is `routing::UNREGISTERED_GROUP`.
       SUM(CASE WHEN r.group_ref = 'no-registrado' THEN 1 ELSE 0 END) AS unregistered
FROM reports r JOIN inbound_messages m ON m.id = r.message_id WHERE 1 = 1";
/// Locations that are a report's message or attached to it; the IN lists follow.
const REPORT_PLACES: &str = "\
SELECT COALESCE(m.attached_to, m.id) AS message_id, m.latitude AS latitude,
       m.longitude AS longitude, m.location_name, m.location_address, m.sent_at
FROM inbound_messages m
WHERE m.kind = 'location' AND m.latitude IS NOT NULL AND m.longitude IS NOT NULL";
const FIRST_REPORT_AT: &str = "SELECT MIN(created_at) FROM reports";

/// Accented letters a search folds to their base letter, in both cases (SQLite's LOWER
/// only lowers ASCII), so "policia" finds "Policía" on both backends.
const FOLDED_LETTERS: [(&str, &str); 14] = [
    ("á", "a"),
    ("é", "e"),
    ("í", "i"),
    ("ó", "o"),
    ("ú", "u"),
    ("ü", "u"),
    ("ñ", "n"),
    ("Á", "a"),
    ("É", "e"),
    ("Í", "i"),
    ("Ó", "o"),
    ("Ú", "u"),
    ("Ü", "u"),
    ("Ñ", "n"),
];

/// `expr` lower-cased with accents folded, as SQL both backends run.
fn folded(expr: &str) -> String {
    let mut out = format!("LOWER({expr})");
    for (from, to) in FOLDED_LETTERS {
        out = format!("REPLACE({out}, '{from}', '{to}')");
    }
    out
}

/// What `folded` does to a column, in Rust: for the search pattern, and for matching the
/// registry's group names and colonias the same way.
pub fn fold_text(s: &str) -> String {
    let mut out = s.to_lowercase();
    for (from, to) in FOLDED_LETTERS {
        out = out.replace(from, to);
    }
    out
}

/// Exports read in the order things happened.
const CHRONOLOGICAL_ORDER: &str = " ORDER BY r.created_at, r.id";
/// Keyset condition of a chronological page; closed with `)` after the anchor's id.
const AFTER_REPORT: &str =
    " AND (r.created_at, r.id) > (SELECT a.created_at, a.id FROM reports a WHERE a.id = ";
/// Most urgent first, then the one waiting longest.
const QUEUE_ORDER: &str = " ORDER BY CASE r.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 \
WHEN 'normal' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, r.created_at, r.id";

impl Store {
    pub async fn query_reports(&self, q: &ReportQuery) -> Result<Vec<QueueItem>, StoreError> {
        Ok(match &self.pool {
            Either::Sqlite(p) => list(q).build_query_as().fetch_all(p).await?,
            Either::Postgres(p) => list(q).build_query_as().fetch_all(p).await?,
        })
    }

    /// Counts per (category, status) under `q`'s filters except category and status.
    pub async fn count_reports(&self, q: &ReportQuery) -> Result<Vec<QueueCount>, StoreError> {
        Ok(match &self.pool {
            Either::Sqlite(p) => counts(q).build_query_as().fetch_all(p).await?,
            Either::Postgres(p) => counts(q).build_query_as().fetch_all(p).await?,
        })
    }

    /// The locations of the reports whose messages are `message_ids`, oldest first (a
    /// report may have several; the last one sent is the latest word on where it is).
    pub async fn report_places(&self, message_ids: &[i64]) -> Result<Vec<ReportPlace>, StoreError> {
        let mut out = Vec::new();
        // Bounded IN lists: a page of the map or an export batch at a time.
        for chunk in message_ids.chunks(500) {
            out.extend(match &self.pool {
                Either::Sqlite(p) => places(chunk).build_query_as().fetch_all(p).await?,
                Either::Postgres(p) => places(chunk).build_query_as().fetch_all(p).await?,
            });
        }
        Ok(out)
    }

    /// When the installation's first report was created; `None` before any.
    pub async fn first_report_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(match &self.pool {
            Either::Sqlite(p) => sqlx::query_scalar(FIRST_REPORT_AT).fetch_one(p).await?,
            Either::Postgres(p) => sqlx::query_scalar(FIRST_REPORT_AT).fetch_one(p).await?,
        })
    }
}

/// The locations query for one chunk of message ids: the message itself or what was
/// attached to it.
fn places<DB>(ids: &[i64]) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    i64: Encode<'static, DB> + Type<DB>,
{
    let mut b = QueryBuilder::new(REPORT_PLACES);
    for col in ["m.id", "m.attached_to"] {
        b.push(if col == "m.id" { " AND (" } else { " OR " });
        b.push(col).push(" IN (");
        let mut list = b.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        list.push_unseparated(")");
    }
    b.push(") ORDER BY m.sent_at, m.id");
    b
}

/// Appends the filters of `q` (all of them, or all but category and status).
fn filters<DB>(b: &mut QueryBuilder<DB>, q: &ReportQuery, with_category_status: bool)
where
    DB: sqlx::Database,
    String: Encode<'static, DB> + Type<DB>,
    DateTime<Utc>: Encode<'static, DB> + Type<DB>,
    i64: Encode<'static, DB> + Type<DB>,
{
    fn any_of<DB>(b: &mut QueryBuilder<DB>, col: &str, v: &[String])
    where
        DB: sqlx::Database,
        String: Encode<'static, DB> + Type<DB>,
    {
        b.push(format!(" AND {col} IN ("));
        let mut list = b.separated(", ");
        for item in v {
            list.push_bind(item.clone());
        }
        list.push_unseparated(")");
    }
    if let Some(regions) = &q.regions {
        if regions.is_empty() {
            b.push(" AND 1 = 0");
        } else {
            any_of(b, "r.region", regions);
        }
    }
    if let Some(groups) = &q.groups {
        if groups.is_empty() {
            b.push(" AND 1 = 0");
        } else {
            any_of(b, "r.group_ref", groups);
        }
    }
    if with_category_status && !q.categories.is_empty() {
        // "Seguimiento" is also every report a citizen has asked about since
        // an operator last opened it: follow-ups open no report of their own.
        let follow_ups = q.categories.iter().any(|c| c == "follow_up");
        b.push(" AND (1 = 1");
        any_of(b, "r.category", &q.categories);
        if follow_ups {
            b.push(" OR r.follow_ups_unseen > 0");
        }
        b.push(")");
    }
    if with_category_status && !q.statuses.is_empty() {
        any_of(b, "r.status", &q.statuses);
    }
    if let Some(since) = q.since {
        b.push(" AND r.created_at >= ").push_bind(since);
    }
    if let Some(until) = q.until {
        b.push(" AND r.created_at < ").push_bind(until);
    }
    if let Some(folio) = &q.folio {
        b.push(" AND r.folio = ").push_bind(folio.clone());
    }
    if let Some(suffix) = &q.folio_suffix {
        b.push(" AND r.folio LIKE ").push_bind(format!("%{suffix}"));
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // LIKE wildcards typed by the operator are literal characters; the pattern is
        // folded like the column (`fold_text`).
        let escaped = fold_text(text)
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        b.push(" AND (")
            .push(folded(
                "COALESCE(m.body, '') || ' ' || COALESCE(m.note, '')",
            ))
            .push(" LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR LOWER(r.folio) LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\'");
        if !q.text_groups.is_empty() {
            b.push(" OR (1 = 1");
            any_of(b, "r.group_ref", &q.text_groups);
            b.push(")");
        }
        b.push(")");
    }
}

/// The list's query, for either backend.
fn list<DB>(q: &ReportQuery) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    String: Encode<'static, DB> + Type<DB>,
    DateTime<Utc>: Encode<'static, DB> + Type<DB>,
    i64: Encode<'static, DB> + Type<DB>,
{
    let mut b = QueryBuilder::new(QUEUE_SELECT);
    filters(&mut b, q, true);
    match q.after_id.filter(|_| q.chronological) {
        Some(after) => {
            // The anchor's own stored values, so no timestamp goes through an
            // encoding round trip; ties on created_at (a delivery's messages
            // share it) are broken by id, as in the ORDER BY.
            b.push(AFTER_REPORT).push_bind(after).push(")");
            b.push(CHRONOLOGICAL_ORDER);
            b.push(" LIMIT ").push_bind(q.limit.clamp(1, 5000));
        }
        None => {
            b.push(if q.chronological {
                CHRONOLOGICAL_ORDER
            } else {
                QUEUE_ORDER
            });
            b.push(" LIMIT ").push_bind(q.limit.clamp(1, 5000));
            b.push(" OFFSET ").push_bind(q.offset.max(0));
        }
    }
    b
}

fn counts<DB>(q: &ReportQuery) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    String: Encode<'static, DB> + Type<DB>,
    DateTime<Utc>: Encode<'static, DB> + Type<DB>,
    i64: Encode<'static, DB> + Type<DB>,
{
    let mut b = QueryBuilder::new(COUNT_SELECT);
    filters(&mut b, q, false);
    b.push(" GROUP BY r.category, r.status ORDER BY r.category, r.status");
    b
}
