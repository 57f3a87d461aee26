//! Weekly figures from the store: the rows come through the queue's own filter
//! (`queue::ReportFilter`), so the export, the summary page and the queue count the same
//! reports. Rows are read in batches; the CSV is written batch by batch.

use std::collections::HashMap;
use std::io::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::{Columns, CsvExport, IsoWeek, RequestRow, WeeklySummary, XlsxReport};
use crate::access::{Permission, Principal, ReportFilter};
use crate::error::AppError;
use crate::reports::Reports;
use crate::store::{NewAudit, QueueItem, ReportPlace, ReportQuery};
use crate::triage::Priority;

/// Rows per database round trip.
const BATCH: i64 = 1000;
/// Duplicates are counted inside their primary ("reportes unidos"), not as requests.
const REQUEST_STATUSES: &str = "open,acknowledged,resolved,dismissed";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, AppError> {
        match s {
            "csv" | "" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(AppError::BadRequest(format!(
                "formato desconocido {other:?}: use csv o xlsx"
            ))),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// What a weekly export or summary covers, checked against the caller.
#[derive(Debug, Clone)]
pub struct Scope {
    pub week: IsoWeek,
    pub region: Option<String>,
    pub tz: Tz,
    /// The region's name, or the state's when no region is chosen.
    pub title: String,
}

impl Scope {
    /// A coordinator asking for another region gets 404, like for its folios.
    pub fn new(
        state: &Reports,
        who: &Principal,
        week: &str,
        region: Option<&str>,
    ) -> Result<Scope, AppError> {
        if !who.may(Permission::Export) {
            return Err(AppError::Forbidden);
        }
        let week: IsoWeek = week
            .trim()
            .parse()
            .map_err(|e: super::WeekParseError| AppError::BadRequest(e.to_string()))?;
        let region = region
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        // Someone limited to one region exports that region.
        let region = region.or_else(|| (who.regions.len() == 1).then(|| who.regions[0].clone()));
        let registry = state.registry.current();
        let reg = match &region {
            Some(r) if who.sees_region(r) => Some(registry.region(r).ok_or(AppError::NotFound)?),
            Some(_) => return Err(AppError::NotFound),
            None => None,
        };
        let first = registry.regions().first();
        Ok(Scope {
            week,
            tz: reg
                .or(first)
                .map_or(chrono_tz::America::Mexico_City, |r| r.time_zone),
            title: reg.map_or_else(
                || {
                    first.map_or("Todas las regiones".into(), |r| {
                        format!("Todas las regiones ({})", r.state)
                    })
                },
                |r| r.name.clone(),
            ),
            region,
        })
    }

    /// A file covering several regions names each row's region.
    pub fn columns(&self) -> Columns {
        Columns {
            region: self.region.is_none(),
        }
    }

    pub fn query(
        &self,
        state: &Reports,
        who: &Principal,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<ReportQuery, AppError> {
        let filter = ReportFilter {
            region: self.region.clone(),
            status: Some(REQUEST_STATUSES.into()),
            since: Some(since.to_rfc3339()),
            until: Some(until.to_rfc3339()),
            ..ReportFilter::default()
        };
        let mut q = filter
            .to_query(who, &state.registry.current(), BATCH)
            .map_err(AppError::BadRequest)?;
        q.chronological = true;
        q.limit = BATCH;
        Ok(q)
    }
}

/// The requests of a query in order, a batch of `BATCH` at a time.
pub struct Batches {
    q: ReportQuery,
    done: bool,
}

impl Batches {
    pub fn new(q: ReportQuery) -> Batches {
        Batches { q, done: false }
    }

    /// The next batch; `None` once every row was read.
    pub async fn next(&mut self, state: &Reports) -> Result<Option<Vec<QueueItem>>, AppError> {
        if self.done {
            return Ok(None);
        }
        let items = state.store.query_reports(&self.q).await?;
        self.done = (items.len() as i64) < self.q.limit;
        // Keyset paging: the next batch starts after the last row of this one.
        self.q.after_id = items.last().map(|i| i.report.id);
        Ok(Some(items))
    }
}

/// Calls `each` with every request of the query, a batch at a time.
async fn for_each_batch(
    state: &Reports,
    q: ReportQuery,
    mut each: impl FnMut(Vec<RequestRow>) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut batches = Batches::new(q);
    while let Some(items) = batches.next(state).await? {
        each(request_rows(state, &items).await?)?;
    }
    Ok(())
}

/// The export's view of a batch of reports, with the place each one happened (one
/// query for the batch's locations).
pub async fn request_rows(
    state: &Reports,
    items: &[QueueItem],
) -> Result<Vec<RequestRow>, AppError> {
    let ids: Vec<i64> = items.iter().map(|i| i.report.message_id).collect();
    let mut places: HashMap<i64, ReportPlace> = HashMap::new();
    // Oldest first: the last location sent is the one kept.
    for p in state.store.report_places(&ids).await? {
        places.insert(p.message_id, p);
    }
    Ok(items
        .iter()
        .map(|i| request_row(state, i, places.get(&i.report.message_id)))
        .collect())
}

/// The export's view of a report: never a phone number.
pub fn request_row(state: &Reports, item: &QueueItem, place: Option<&ReportPlace>) -> RequestRow {
    let r = &item.report;
    let reg = &state.registry.current();
    let group = reg.group(&r.group_ref);
    let region = reg.region(&r.region);
    let tz = region.map_or(chrono_tz::America::Mexico_City, |x| x.time_zone);
    let priority = Priority::ALL.into_iter().find(|p| p.as_str() == r.priority);
    let coordinator_id = r.assigned_to.clone().or_else(|| {
        r.acknowledged_by
            .as_deref()
            .and_then(|a| a.strip_prefix("coordinator:"))
            .map(str::to_owned)
    });
    let coordinator_name = |id: &str| {
        region
            .and_then(|x| x.coordinators.iter().find(|c| c.id == id))
            .map_or(id.to_owned(), |c| c.name.clone())
    };
    let coordinator = coordinator_id.as_deref().map(coordinator_name);
    // Who closed it, else who acknowledged it; the system's own steps name nobody.
    let handler = [r.resolved_by.as_deref(), r.acknowledged_by.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|actor| match actor.split_once(':') {
            Some(("user", name)) => Some(name.to_owned()),
            Some(("coordinator", id)) => Some(coordinator_name(id)),
            _ => None,
        });
    let text = item
        .message_body
        .as_deref()
        .or(item.message_note.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let location_texts: Vec<&str> = place
        .into_iter()
        .flat_map(|p| [p.location_name.as_deref(), p.location_address.as_deref()])
        .flatten()
        .collect();
    let colonia = group.and_then(|g| {
        super::colonia::report_colonia(&g.colonias, &location_texts, text.as_deref())
    });
    RequestRow {
        folio: r.folio.clone(),
        region: r.region.clone(),
        region_name: region.map_or_else(|| r.region.clone(), |x| x.name.clone()),
        received_at: r.created_at,
        acknowledged_at: r.acknowledged_at,
        resolved_at: r.resolved_at,
        ack_deadline: priority.and_then(|p| {
            crate::routing::ack_deadline(p, r.created_at, tz, &state.config.deadlines)
        }),
        group_ref: r.group_ref.clone(),
        group_name: group.map_or_else(|| r.group_ref.clone(), |g| g.name.clone()),
        group_kind: group.map_or("", |g| g.kind.label_es()).to_owned(),
        municipality: group.map_or_else(String::new, |g| g.municipality.clone()),
        colonia,
        text,
        category: r.category.clone(),
        priority: r.priority.clone(),
        status: r.status.clone(),
        coordinator,
        handler,
        merged_count: item.merged_count.max(0) as u32,
    }
}

// The summary's rows must hold the trends' baseline as well as the chart's weeks.
const _: () = assert!(super::CHART_WEEKS > super::trends::BASELINE_WEEKS);

/// The week's summary and the rows of the weeks it compares with.
pub async fn summary(
    state: &Reports,
    who: &Principal,
    scope: &Scope,
) -> Result<(WeeklySummary, Vec<RequestRow>), AppError> {
    // Twelve weeks for the page's chart; the summary itself uses this week and the four before.
    let first = (0..super::CHART_WEEKS - 1).fold(scope.week, |w, _| w.previous());
    let (since, _) = first.bounds(scope.tz);
    let (_, until) = scope.week.bounds(scope.tz);
    let mut rows = Vec::new();
    for_each_batch(state, scope.query(state, who, since, until)?, |b| {
        rows.extend(b);
        Ok(())
    })
    .await?;
    let mut summary = WeeklySummary::compute(scope.week, scope.tz, &rows, &rows);
    summary.deadline_legend = super::page::deadline_legend(&state.config.deadlines);
    let (start, end) = scope.week.bounds(scope.tz);
    let ledger = state
        .store
        .cost_ledger(start, end, scope.region.as_deref())
        .await?;
    summary.messages = super::MessageCosts::price(&ledger, &state.config.costs);
    // The twelve weeks read above hold the week and its 8-week baseline.
    let history_from = state.store.first_report_at().await?;
    summary.trends = super::trends::detect(scope.week, scope.tz, &rows, history_from);
    Ok((summary, rows))
}

/// Writes the week's export to `out` and records it in the audit trail; returns the rows.
pub async fn export(
    state: &Reports,
    who: &Principal,
    scope: &Scope,
    format: Format,
    out: &mut (dyn Write + Send),
) -> Result<u64, AppError> {
    let (start, end) = scope.week.bounds(scope.tz);
    let rows = match format {
        Format::Csv => {
            let mut csv = CsvExport::with_columns(out, scope.tz, scope.columns())
                .map_err(anyhow::Error::from)?;
            for_each_batch(state, scope.query(state, who, start, end)?, |batch| {
                batch
                    .iter()
                    .try_for_each(|r| csv.write_row(r))
                    .map_err(|e| AppError::Internal(e.into()))
            })
            .await?;
            csv.finish().map_err(anyhow::Error::from)?
        }
        Format::Xlsx => {
            let (summary, _) = summary(state, who, scope).await?;
            let mut book =
                XlsxReport::with_columns(&scope.title, scope.tz, &summary, scope.columns())
                    .map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
            for_each_batch(state, scope.query(state, who, start, end)?, |batch| {
                batch
                    .iter()
                    .try_for_each(|r| book.add_row(r))
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("xlsx: {e}")))
            })
            .await?;
            book.finish_to_writer(out)
                .map_err(|e| anyhow::anyhow!("xlsx: {e}"))?
        }
    };
    record(state, who, scope, format, rows).await?;
    Ok(rows)
}

/// Every export goes to the audit trail: who, which week and region, which format, how
/// many rows.
pub async fn record(
    state: &Reports,
    who: &Principal,
    scope: &Scope,
    format: Format,
    rows: u64,
) -> Result<(), AppError> {
    state
        .store
        .append_audit(&NewAudit {
            at: Utc::now(),
            actor: who.actor(),
            action: "export.weekly".into(),
            entity_kind: "export".into(),
            entity_id: format!(
                "{}:{}",
                scope.week,
                scope.region.as_deref().unwrap_or("todas")
            ),
            detail: json!({
                "week": scope.week.to_string(), "region": scope.region,
                "format": format.extension(), "rows": rows,
            }),
        })
        .await?;
    Ok(())
}
