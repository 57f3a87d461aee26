//! The report page's template and what it shows, built from the service's `ReportView`:
//! local times, media labels, the timeline's details in words, and which forms to offer.

use super::audit_wording::{actor_es, detail_lines, escalation_heading, escalation_lines};
use super::incident_rows::IncidentPart;
use super::render::Layout;
use super::report::Shown;
use crate::access::principal::Permission;
use crate::app::state::AppState;
use crate::queue::auth::WebUser;
use crate::queue::detail::{ClassifierView, MessageView, OutboundView, ReportView, ReporterView};
use crate::queue::service::Contact;
use crate::queue::views::QueueEntry;
use crate::triage::{Category, Priority};
use crate::vocab::priority_es;
use askama::Template;

#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportTemplate {
    pub layout: Layout,
    pub csrf: String,
    pub r: QueueEntry,
    pub messages: Vec<MessageRow>,
    pub classifier: ClassifierView,
    pub classifier_priority: String,
    pub confidence: Option<String>,
    pub reporter: ReporterView,
    pub contact: Option<Contact>,
    pub may_reveal: bool,
    pub colonias: String,
    pub timeline: Vec<TimelineRow>,
    pub outbox: Vec<OutboundView>,
    pub duplicates: Vec<String>,
    /// The incident it is part of (two or more reports the caller may see).
    pub incident: Option<IncidentPart>,
    pub coordinators: Vec<(String, String)>,
    /// "Tomado por ana hasta las 14:33", or `None` when free.
    pub claim: Option<String>,
    /// Someone else holds it: the name, for the supervisor's override button.
    pub other_holder: Option<String>,
    pub assigned: Option<String>,
    pub can: Can,
    pub categories: Vec<(&'static str, &'static str)>,
    pub priorities: Vec<(&'static str, &'static str)>,
    pub flash: Option<&'static str>,
    pub error: Option<String>,
    /// Open reports this one may duplicate (same group or colonia, last 48 h).
    pub suggestions: Vec<QueueEntry>,
    /// The acknowledgement deadline in the region's clock.
    pub deadline_local: String,
}

/// A message of the thread with what the template cannot work out itself.
pub struct MessageRow {
    pub m: MessageView,
    /// "Foto", "Nota de voz", "Documento: acta.pdf"…
    pub media: Option<String>,
    /// How the stored file is shown: "image", "sticker", "audio", "video" or "file" (a
    /// download link); "" while there is no file (`m.media_state_es` says why).
    pub player: &'static str,
    pub coords: Option<String>,
    /// The location's place text ("Parque Madero, Hermosillo"), shown with the map link.
    pub place: Option<String>,
}

pub struct TimelineRow {
    pub at_local: String,
    pub actor: String,
    pub what_es: String,
    pub lines: Vec<String>,
}

/// The forms the page offers. The service still judges each one; this only hides what
/// would certainly be refused (resolving a closed report, reopening an open one…).
#[derive(Default)]
pub struct Can {
    pub claim: bool,
    pub force: bool,
    pub release: bool,
    pub acknowledge: bool,
    pub reclassify: bool,
    pub set_priority: bool,
    pub assign: bool,
    pub note: bool,
    pub reply: bool,
    pub resolve: bool,
    pub dismiss: bool,
    pub mark_duplicate: bool,
    pub reopen: bool,
}

pub fn report_template(
    state: &AppState,
    user: &WebUser,
    v: ReportView,
    shown: Shown,
    incident: Option<IncidentPart>,
) -> ReportTemplate {
    let r = v.report;
    let tz = state
        .registry
        .current()
        .region(&r.region)
        .map_or(chrono_tz::America::Mexico_City, |x| x.time_zone);
    let me = user.who.name.as_str();
    let closed = matches!(r.status.as_str(), "resolved" | "dismissed" | "duplicate");
    let other_holder = r.claimed_by.clone().filter(|h| h != me);
    let allowed = |name: &str| v.allowed.contains(&name);
    let can = Can {
        // Someone else holds it: "Tomar" would only be refused; a supervisor gets
        // "Reasignar a mí" (the forced claim) instead.
        claim: allowed("claim") && !closed && r.claimed_by.is_none(),
        force: user.who.may(Permission::OverrideClaim) && !closed && other_holder.is_some(),
        release: allowed("release")
            && r.claimed_by.is_some()
            && (other_holder.is_none() || user.who.may(Permission::OverrideClaim)),
        acknowledge: allowed("acknowledge") && r.status == "open",
        reclassify: allowed("reclassify"),
        set_priority: allowed("set_priority"),
        assign: allowed("assign") && !closed && !v.coordinators.is_empty(),
        note: allowed("note"),
        reply: allowed("reply"),
        resolve: allowed("resolve") && !closed,
        dismiss: allowed("dismiss") && !closed,
        mark_duplicate: allowed("mark_duplicate") && !closed,
        reopen: allowed("reopen") && closed,
    };
    let claim = r.claimed_by.as_ref().map(|h| match r.claim_expires_at {
        Some(t) => format!(
            "Tomado por {h} hasta las {}",
            t.with_timezone(&tz).format("%H:%M")
        ),
        None => format!("Tomado por {h}"),
    });
    let assigned = r.assigned_name.clone();
    let registry = state.registry.current();
    let region = registry.region(&r.region);
    let mut layout = Layout::new(format!("Reporte {}", r.folio), "reporte", Some(user));
    layout.folio = r.folio.clone();
    layout.version = r.version;
    ReportTemplate {
        layout,
        csrf: user.csrf.clone(),
        messages: v.messages.into_iter().map(message_row).collect(),
        classifier_priority: v
            .classifier
            .priority
            .as_deref()
            .map_or("—", priority_es)
            .to_owned(),
        confidence: v
            .classifier
            .confidence
            .map(|c| format!("{:.0} %", c * 100.0)),
        classifier: v.classifier,
        reporter: v.reporter,
        contact: shown.contact,
        may_reveal: v.may_reveal,
        colonias: v.colonias,
        timeline: v
            .timeline
            .iter()
            .map(|t| {
                let escalation = t.action.starts_with("report.escalated");
                TimelineRow {
                    at_local: t.at_local.clone(),
                    actor: actor_es(&t.actor),
                    what_es: escalation
                        .then(|| escalation_heading(t.detail.as_ref()))
                        .flatten()
                        .unwrap_or_else(|| t.what_es.clone()),
                    lines: match &t.detail {
                        Some(d) if escalation => escalation_lines(d, region, tz),
                        Some(d) => detail_lines(&t.action, d, tz),
                        None => Vec::new(),
                    },
                }
            })
            .collect(),
        outbox: v.outbox,
        duplicates: v.duplicates,
        incident,
        coordinators: v.coordinators,
        claim,
        other_holder,
        assigned,
        can,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label_es()))
            .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|p| (p.as_str(), priority_es(p.as_str())))
            .collect(),
        flash: shown.flash,
        error: shown.error,
        suggestions: v.duplicate_candidates,
        deadline_local: r
            .timing
            .deadline
            .as_ref()
            .map(|d| crate::queue::views::local(d.at, tz))
            .unwrap_or_default(),
        r,
    }
}

fn message_row(m: MessageView) -> MessageRow {
    let has_media = m.media_mime.is_some() || m.media_filename.is_some();
    let media = match m.kind.as_str() {
        "image" => Some("Foto".to_owned()),
        "audio" if m.voice => Some("Nota de voz".to_owned()),
        "audio" => Some("Audio".to_owned()),
        "video" => Some("Video".to_owned()),
        "sticker" => Some("Sticker".to_owned()),
        "document" => Some(format!(
            "Documento: {}",
            m.media_filename.as_deref().unwrap_or("sin nombre")
        )),
        _ if has_media => Some("Archivo adjunto".to_owned()),
        _ => None,
    };
    let player = match (m.media_url.is_some(), m.kind.as_str()) {
        (false, _) => "",
        (true, "image") => "image",
        (true, "sticker") => "sticker",
        (true, "audio") => "audio",
        (true, "video") => "video",
        (true, _) => "file",
    };
    let coords = match (m.latitude, m.longitude) {
        (Some(lat), Some(lon)) => Some(format!("{lat:.6}, {lon:.6}")),
        _ => None,
    };
    // What a person reads first: the place's name or address as WhatsApp sent it, else
    // that it is a pin (the coordinates stay below, for the radio).
    let place = coords.as_ref().map(|_| {
        m.location_name
            .clone()
            .unwrap_or_else(|| "Punto en el mapa (sin nombre del lugar)".to_owned())
    });
    MessageRow {
        m,
        media,
        player,
        coords,
        place,
    }
}
