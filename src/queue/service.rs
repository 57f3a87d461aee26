//! The one implementation of the queue: the HTML pages and the JSON API both call these
//! functions, so scope, permissions and audit cannot differ between them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::actions::{self, Action, ActionError, Context};
use super::notices::notices;
use super::views::{CountView, QueueEntry};
use crate::access::filter::FolioInput;
use crate::access::filter::{ReportFilter, STATUSES};
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::AppError;
use crate::store::{
    NewAudit, QueueCount, QueueItem, ReportChange, ReportLookup, ReportQuery, ReportRow,
};
use crate::vocab::{category_es, status_es};

/// A page of the queue with the counts of the filter bar.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueEntry>,
    pub by_category: Vec<CountView>,
    pub by_status: Vec<CountView>,
    /// Reports matching the whole filter.
    pub total: i64,
    /// "Remitentes no registrados": reports from numbers in no registered group under the
    /// status filter (zero for anyone whose scope is a list of regions).
    pub unregistered: i64,
    pub page: i64,
    pub per_page: i64,
    /// The search box held a folio (whole or short) that names reports the caller may see:
    /// `items` are those, whatever the other filters say.
    pub folio_search: bool,
}

impl QueuePage {
    pub fn has_more(&self) -> bool {
        self.page * self.per_page < self.total
    }
}

pub async fn list(
    state: &AppState,
    who: &Principal,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<QueuePage, AppError> {
    let q = filter
        .to_query(who, &state.registry.current(), state.config.web.page_size)
        .map_err(AppError::BadRequest)?;
    // A folio read out on the phone opens that report whatever its status and the filters
    // on screen; a number that names no folio is searched as text like any other.
    if let Some(input) = filter.q.as_deref().and_then(FolioInput::parse) {
        let found = state.store.query_reports(&input.to_query(who)).await?;
        if !found.is_empty() {
            let counts = state.store.count_reports(&q).await?;
            let mut page = tally(&q, &counts);
            page.total = found.len() as i64;
            page.items = entries(state, &found, now);
            page.folio_search = true;
            return Ok(page);
        }
    }
    let (rows, counts) =
        tokio::try_join!(state.store.query_reports(&q), state.store.count_reports(&q))?;
    let mut page = tally(&q, &counts);
    page.items = entries(state, &rows, now);
    Ok(page)
}

fn entries(state: &AppState, rows: &[QueueItem], now: DateTime<Utc>) -> Vec<QueueEntry> {
    rows.iter()
        .map(|i| QueueEntry::from_item(i, &state.registry.current(), &state.config.deadlines, now))
        .collect()
}

/// The filter bar's counts and the total, from the store's per (category, status) counts;
/// `items` is left empty for the caller.
fn tally(q: &ReportQuery, counts: &[QueueCount]) -> QueuePage {
    // Every category and status has its chip, at zero too, so a live refresh has a number
    // to update when the first report of a kind arrives.
    let mut by_category: Vec<CountView> = crate::triage::Category::ALL
        .iter()
        .map(|c| CountView {
            key: c.as_str().to_owned(),
            label: c.label_es().to_owned(),
            n: 0,
        })
        .collect();
    let mut by_status: Vec<CountView> = STATUSES
        .iter()
        .map(|s| CountView {
            key: s.to_string(),
            label: status_es(s).into(),
            n: 0,
        })
        .collect();
    let (mut total, mut unregistered, mut follow_ups) = (0, 0, 0);
    for c in counts {
        let status_ok = q.statuses.is_empty() || q.statuses.contains(&c.status);
        // How many of these reports the category filter keeps: all of them, or under
        // "Seguimiento" only those with unread follow-ups.
        let matched = if q.categories.is_empty() || q.categories.contains(&c.category) {
            c.n
        } else if q.categories.iter().any(|x| x == "follow_up") {
            c.follow_ups
        } else {
            0
        };
        if status_ok {
            total += matched;
        }
        if status_ok {
            unregistered += c.unregistered;
            follow_ups += c.follow_ups;
            match by_category.iter_mut().find(|x| x.key == c.category) {
                Some(x) => x.n += c.n,
                None => by_category.push(CountView {
                    key: c.category.clone(),
                    label: category_es(&c.category).to_owned(),
                    n: c.n,
                }),
            }
        }
        if let Some(x) = by_status.iter_mut().find(|x| x.key == c.status) {
            x.n += matched;
        }
    }
    // Follow-ups open no report of their own: "Seguimiento" counts the reports they
    // reached and nobody has read yet.
    if let Some(x) = by_category.iter_mut().find(|x| x.key == "follow_up") {
        x.n += follow_ups;
    }
    QueuePage {
        items: Vec::new(),
        by_category,
        by_status,
        total,
        unregistered,
        page: q.offset / q.limit + 1,
        per_page: q.limit,
        folio_search: false,
    }
}

/// The report if it exists and the caller may see it; another region's folio is "not found",
/// never "forbidden" (which would confirm it exists).
pub async fn visible_report(
    state: &AppState,
    who: &Principal,
    folio: &str,
) -> Result<ReportRow, AppError> {
    let folio = folio.trim().to_uppercase();
    match state.store.report(ReportLookup::Folio(&folio)).await? {
        Some(r) if who.sees_region(&r.region) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// Applies `action` to the report, retrying when another operator changed it in between.
pub async fn act(
    state: &AppState,
    who: &Principal,
    folio: &str,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<ReportRow, AppError> {
    for _ in 0..3 {
        let r = visible_report(state, who, folio).await?;
        let primary = match action {
            Action::MarkDuplicate { of } => primary_of(state, who, of).await?,
            _ => None,
        };
        let registry = state.registry.current();
        let region = registry.region(&r.region);
        let coordinators: Vec<String> = region
            .map(|reg| reg.coordinators.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default();
        let ctx = Context {
            who,
            now,
            claim_for: chrono::Duration::minutes(state.config.web.claim_minutes.max(1)),
            coordinators: &coordinators,
            primary: primary.as_ref(),
            tz: region.map_or(chrono_tz::America::Mexico_City, |x| x.time_zone),
            deadlines: &state.config.deadlines,
        };
        let planned = actions::plan(action, &r, &ctx).map_err(|e| match e {
            ActionError::Forbidden => AppError::Forbidden,
            ActionError::Conflict(m) => AppError::Conflict(m),
            ActionError::Invalid(m) => AppError::BadRequest(m),
        })?;
        let outbox = match &planned.notice {
            Some(n) => notices(state, &r, n, now).await?,
            None => Vec::new(),
        };
        let change = ReportChange {
            report_id: r.id,
            expected_version: r.version,
            at: now,
            fields: planned.fields,
            audit: NewAudit {
                at: now,
                actor: who.actor(),
                action: planned.audit_action,
                entity_kind: "report".into(),
                entity_id: r.folio.clone(),
                detail: planned.detail,
            },
            correction: planned.correction,
            outbox,
        };
        if state.store.update_report(&change).await? {
            if !change.outbox.is_empty() {
                state.outbox_wakeup.notify_one();
            }
            state.changes.poke();
            return visible_report(state, who, &r.folio).await;
        }
    }
    Err(AppError::Conflict(
        "el reporte cambió mientras se guardaba; recargue e intente de nuevo".into(),
    ))
}

/// The end of the duplicate chain starting at `folio`, if the caller can see it.
async fn primary_of(
    state: &AppState,
    who: &Principal,
    folio: &str,
) -> Result<Option<ReportRow>, AppError> {
    let mut current = match FolioInput::parse(folio) {
        // "3" or "000003": the one report with that number the caller can see.
        Some(input @ FolioInput::Short(_)) => {
            let mut found = state.store.query_reports(&input.to_query(who)).await?;
            match found.len() {
                0 => return Ok(None),
                1 => found.remove(0).report,
                _ => {
                    let folios: Vec<String> = found.into_iter().map(|i| i.report.folio).collect();
                    return Err(AppError::BadRequest(format!(
                        "el número {} corresponde a varios folios ({}); escriba el folio completo",
                        folio.trim(),
                        folios.join(", ")
                    )));
                }
            }
        }
        _ => match visible_report(state, who, folio).await {
            Ok(r) => r,
            Err(AppError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        },
    };
    for _ in 0..16 {
        match current.duplicate_of.clone() {
            Some(next) => current = visible_report(state, who, &next).await?,
            None => break,
        }
    }
    Ok(Some(current))
}

/// The reporter's identity in clear, for a caller allowed to see it; audited.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
}

pub async fn reveal(
    state: &AppState,
    who: &Principal,
    folio: &str,
    now: DateTime<Utc>,
) -> Result<Contact, AppError> {
    let r = visible_report(state, who, folio).await?;
    if !who.may_reveal || !who.may(Permission::View) {
        return Err(AppError::Forbidden);
    }
    let m = state
        .store
        .inbound_by_id(r.message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .append_audit(&NewAudit {
            at: now,
            actor: who.actor(),
            action: "report.reveal_contact".into(),
            entity_kind: "report".into(),
            entity_id: r.folio.clone(),
            detail: json!({}),
        })
        .await?;
    state.changes.poke();
    Ok(Contact {
        name: m.sender_name,
        phone: m.sender_phone,
        bsuid: m.sender_bsuid,
    })
}
