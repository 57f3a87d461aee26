//! The report page's content: the thread, the classifier's reasons, the reporter (masked),
//! and the timeline of everything that happened to the report. The timeline and the list of
//! messages we sent are built in `report_timeline.rs`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::report_timeline::{outbound, timeline};
pub use super::report_timeline::{OutboundView, TimelineItem};
use super::service::visible_report;
use super::timing::Written;
use super::views::{kind_es, local, mask_bsuid, mask_name, mask_phone, Origin, QueueEntry};
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::AppError;
use crate::store::InboundRow;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub report: QueueEntry,
    pub messages: Vec<MessageView>,
    pub classifier: ClassifierView,
    pub reporter: ReporterView,
    pub colonias: String,
    pub timeline: Vec<TimelineItem>,
    pub outbox: Vec<OutboundView>,
    /// Folios merged into this one.
    pub duplicates: Vec<String>,
    /// (registry id, name) of the region's coordinators, for the assign form.
    pub coordinators: Vec<(String, String)>,
    /// Open reports of the same group or of a group sharing a colonia, from the last 48
    /// hours: what this one may be a duplicate of.
    pub duplicate_candidates: Vec<QueueEntry>,
    /// Actions the caller may take now.
    pub allowed: Vec<&'static str>,
    pub may_reveal: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub at_local: String,
    pub kind: String,
    pub kind_es: &'static str,
    pub text: Option<String>,
    pub caption: Option<String>,
    pub media_mime: Option<String>,
    pub media_filename: Option<String>,
    pub voice: bool,
    /// `/media/{id}` once the file is in our store.
    pub media_url: Option<String>,
    /// "Descargando…", "No disponible en WhatsApp", … while there is no file to show.
    pub media_state_es: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub location_name: Option<String>,
    pub map_url: Option<String>,
    pub sender: String,
    pub is_report: bool,
    pub forwarded: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassifierView {
    pub category: Option<String>,
    pub category_es: Option<String>,
    pub priority: Option<String>,
    pub confidence: Option<f64>,
    pub needs_review: bool,
    pub rules: Vec<String>,
    pub cnie_code: Option<i32>,
    pub version: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReporterView {
    pub name: Option<String>,
    pub contact: String,
    pub attribution_es: &'static str,
}

pub async fn detail(
    state: &AppState,
    who: &Principal,
    folio: &str,
    now: DateTime<Utc>,
) -> Result<ReportView, AppError> {
    let r = visible_report(state, who, folio).await?;
    let store = &state.store;
    let (thread, audit, outbox, dups) = tokio::try_join!(
        store.report_thread(&r),
        store.audit_trail("report", &r.folio),
        store.report_outbox(r.id),
        store.duplicates_of(&r.folio),
    )?;
    if r.follow_ups_unseen > 0 {
        // Whoever opens the report reads the thread: the queue's marker goes.
        store.mark_follow_ups_seen(r.id).await?;
    }
    let registry = state.registry.current();
    let region = registry.region(&r.region);
    let tz = region
        .or_else(|| registry.regions().first())
        .map_or(chrono_tz::America::Mexico_City, |x| x.time_zone);
    let origin = thread.iter().find(|m| m.id == r.message_id);
    let text = origin.and_then(|m| m.body.as_deref().or(m.note.as_deref()));
    let kind = origin.map_or("text", |m| m.kind.as_str());
    let entry = QueueEntry::new(
        &r,
        &Origin {
            kind,
            text,
            confidence: origin.and_then(|m| m.confidence),
            written: origin.map(|m| Written {
                sent_at: m.sent_at,
                received_at: m.received_at,
            }),
            forwarded: origin.is_some_and(|m| m.forwarded),
        },
        &state.registry.current(),
        &state.config.deadlines,
        now,
    );
    // Without an access token no media fetcher runs: a pending file will never arrive.
    let can_fetch = state.config.whatsapp.access_token.is_some();
    let allowed = ALL_ACTIONS
        .iter()
        .filter(|(_, p)| who.may(*p))
        .map(|(name, _)| *name)
        .collect();
    let duplicate_candidates = if super::filter::ACTIVE.contains(&r.status.as_str()) {
        candidates(state, who, &r, now).await?
    } else {
        Vec::new()
    };
    Ok(ReportView {
        duplicate_candidates,
        messages: {
            let mut views = Vec::with_capacity(thread.len());
            for m in &thread {
                let mut v = message(m, r.message_id, tz);
                if m.media_id.is_some() {
                    let file = store.media_file(m.id).await?;
                    let state = file.as_ref().map_or("pending", |f| f.state.as_str());
                    v.media_url = (state == "stored").then(|| format!("/media/{}", m.id));
                    v.media_state_es = media_state_es(file.as_ref(), can_fetch, now);
                }
                views.push(v);
            }
            views
        },
        classifier: classifier(origin),
        reporter: reporter(origin),
        colonias: state
            .registry
            .current()
            .group(&r.group_ref)
            .map(|g| g.colonias.join(", "))
            .unwrap_or_default(),
        timeline: audit.iter().map(|a| timeline(a, tz)).collect(),
        outbox: outbox.iter().map(|o| outbound(o, tz)).collect(),
        duplicates: dups.into_iter().map(|d| d.folio).collect(),
        coordinators: region
            .map(|reg| {
                reg.coordinators
                    .iter()
                    .map(|c| (c.id.clone(), c.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        allowed,
        may_reveal: who.may_reveal,
        report: entry,
    })
}

/// How far back duplicate suggestions look.
const DUPLICATE_WINDOW_HOURS: i64 = 48;

async fn candidates(
    state: &AppState,
    who: &Principal,
    r: &crate::store::ReportRow,
    now: DateTime<Utc>,
) -> Result<Vec<QueueEntry>, AppError> {
    let registry = state.registry.current();
    let Some(group) = registry.group(&r.group_ref) else {
        // Unregistered senders have no group or colonia to compare.
        return Ok(Vec::new());
    };
    let groups: Vec<String> = state
        .registry
        .current()
        .groups()
        .iter()
        .filter(|g| {
            g.id == group.id
                || (g.region == group.region
                    && g.colonias.iter().any(|c| group.colonias.contains(c)))
        })
        .map(|g| g.id.clone())
        .collect();
    let q = crate::store::ReportQuery {
        regions: who.scope(),
        groups: Some(groups),
        statuses: super::filter::ACTIVE
            .iter()
            .map(|s| s.to_string())
            .collect(),
        since: Some(r.created_at.min(now) - chrono::Duration::hours(DUPLICATE_WINDOW_HOURS)),
        limit: 11,
        ..crate::store::ReportQuery::default()
    };
    Ok(state
        .store
        .query_reports(&q)
        .await?
        .iter()
        .filter(|i| i.report.id != r.id)
        .take(10)
        .map(|i| QueueEntry::from_item(i, &state.registry.current(), &state.config.deadlines, now))
        .collect())
}

const ALL_ACTIONS: [(&str, Permission); 12] = [
    ("claim", Permission::Claim),
    ("release", Permission::Claim),
    ("acknowledge", Permission::Acknowledge),
    ("reclassify", Permission::Reclassify),
    ("set_priority", Permission::SetPriority),
    ("assign", Permission::Assign),
    ("note", Permission::Note),
    ("reply", Permission::Reply),
    ("resolve", Permission::Resolve),
    ("dismiss", Permission::Dismiss),
    ("mark_duplicate", Permission::MarkDuplicate),
    ("reopen", Permission::Reopen),
];

fn message(m: &InboundRow, report_message: i64, tz: chrono_tz::Tz) -> MessageView {
    let is_media = m.media_mime.is_some() || m.media_id.is_some();
    let sender = shown_identity(m);
    MessageView {
        id: m.id,
        at_local: local(m.sent_at, tz),
        kind: m.kind.clone(),
        kind_es: kind_es(&m.kind),
        text: if is_media { None } else { m.body.clone() },
        caption: if is_media { m.body.clone() } else { None },
        media_mime: m.media_mime.clone(),
        media_filename: m.media_filename.clone(),
        voice: m.media_voice,
        media_url: None,
        media_state_es: None,
        latitude: m.latitude,
        longitude: m.longitude,
        location_name: match (&m.location_name, &m.location_address) {
            (Some(n), Some(a)) if n != a => Some(format!("{n}, {a}")),
            (Some(n), _) => Some(n.clone()),
            (None, a) => a.clone(),
        },
        map_url: match (m.latitude, m.longitude) {
            (Some(lat), Some(lon)) => Some(format!(
                "https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map=17/{lat:.6}/{lon:.6}"
            )),
            _ => None,
        },
        sender: match &m.sender_name {
            Some(n) => format!("{} ({sender})", mask_name(n)),
            None => sender,
        },
        is_report: m.id == report_message,
        forwarded: m.forwarded,
    }
}

/// Why there is no file to show, in words that never promise what will not happen.
pub(crate) fn media_state_es(
    file: Option<&crate::store::MediaRow>,
    can_fetch: bool,
    now: DateTime<Utc>,
) -> Option<String> {
    let state = file.map_or("pending", |f| f.state.as_str());
    match state {
        "stored" => None,
        "unavailable" => Some("No disponible: WhatsApp ya no lo tiene".into()),
        "refused" => Some("No se guardó: excede el tamaño permitido o no es válido".into()),
        _ if !can_fetch => Some(
            "No se descargará: el servicio no tiene token de acceso de WhatsApp configurado".into(),
        ),
        _ => match file.filter(|f| f.attempts > 0) {
            Some(f) => Some(format!(
                "No se ha podido descargar ({} {}); nuevo intento {}",
                f.attempts,
                if f.attempts == 1 {
                    "intento"
                } else {
                    "intentos"
                },
                if f.next_attempt_at <= now {
                    "en curso".to_owned()
                } else {
                    super::timing::ago(f.next_attempt_at - now).replacen("hace", "en", 1)
                }
            )),
            None => Some("Descargando de WhatsApp…".into()),
        },
    }
}

/// The stable pseudonym; a masked number only for rows stored before pseudonyms existed.
fn shown_identity(m: &InboundRow) -> String {
    match (&m.sender_pseudonym, &m.sender_phone, &m.sender_bsuid) {
        (Some(p), _, _) => crate::privacy::short(p),
        (None, Some(p), _) => mask_phone(p),
        (None, None, Some(b)) => mask_bsuid(b),
        _ => "desconocido".into(),
    }
}

fn classifier(m: Option<&InboundRow>) -> ClassifierView {
    ClassifierView {
        category: m.and_then(|m| m.category.clone()),
        category_es: m
            .and_then(|m| m.category.as_deref())
            .map(|c| crate::vocab::category_es(c).to_owned()),
        priority: m.and_then(|m| m.priority.clone()),
        confidence: m.and_then(|m| m.confidence),
        needs_review: m.and_then(|m| m.needs_review).unwrap_or(false),
        rules: m
            .and_then(|m| m.rules.as_deref())
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default(),
        cnie_code: m.and_then(|m| m.cnie_code),
        version: m.and_then(|m| m.classifier_version.clone()),
    }
}

fn reporter(m: Option<&InboundRow>) -> ReporterView {
    let Some(m) = m else {
        return ReporterView {
            name: None,
            contact: "desconocido".into(),
            attribution_es: "desconocido",
        };
    };
    ReporterView {
        name: m.sender_name.as_deref().map(mask_name),
        contact: shown_identity(m),
        attribution_es: match m.attribution.as_str() {
            "cloud_group" => "grupo oficial de WhatsApp",
            "member_bsuid" | "member_phone" => "integrante registrado (chat 1:1)",
            "coordinator" => "coordinador(a)",
            _ => "remitente no registrado",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str, attempts: i32, next_in_minutes: i64) -> crate::store::MediaRow {
        let now = Utc::now();
        crate::store::MediaRow {
            message_id: 1,
            media_id: "IMG1".into(),
            state: state.into(),
            attempts,
            next_attempt_at: now + chrono::Duration::minutes(next_in_minutes),
            lease_until: None,
            sha256: None,
            size_bytes: None,
            mime_type: None,
            last_error: None,
            updated_at: now,
        }
    }

    #[test]
    fn media_that_will_not_arrive_says_so() {
        let now = Utc::now();
        assert_eq!(media_state_es(Some(&row("stored", 1, 0)), true, now), None);
        let no_token = media_state_es(Some(&row("pending", 0, 0)), false, now).unwrap();
        assert!(no_token.starts_with("No se descargará"), "{no_token}");
        assert!(media_state_es(None, false, now)
            .unwrap()
            .starts_with("No se descargará"));
        let retrying = media_state_es(Some(&row("pending", 2, 5)), true, now).unwrap();
        assert!(
            retrying.starts_with("No se ha podido descargar (2 intentos); nuevo intento en "),
            "{retrying}"
        );
        assert_eq!(
            media_state_es(Some(&row("pending", 0, 0)), true, now).as_deref(),
            Some("Descargando de WhatsApp…")
        );
        assert!(media_state_es(Some(&row("unavailable", 3, 0)), true, now)
            .unwrap()
            .starts_with("No disponible"));
    }
}
