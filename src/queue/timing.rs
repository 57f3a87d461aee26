//! How long a report has waited and what happens next, as the queue row, the report page and
//! the API say it: its age (from when the citizen wrote it, which is not when Meta delivered
//! it), its acknowledgement deadline from routing's deadline rules, and where escalation is.
//!
//! Claiming pauses escalation: an operator who holds a report is working it, so waking the
//! region's backup or supervisor would only add noise. The pause lasts while the claim does
//! (the store's due-escalation query skips reports under an active claim); a released or
//! expired claim lets escalation resume at once if the deadline has passed. The page says so.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::routing::{ack_deadline, Deadlines};
use crate::store::ReportRow;
use crate::triage::Priority;

/// A message whose WhatsApp timestamp is older than our receipt by more than this was held
/// back by Meta (a phone offline, retries over days) and is marked as delivered late.
pub const LATE_AFTER_MINUTES: i64 = 10;

/// When the citizen wrote the report's message and how late we got it.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct LateDelivery {
    pub written_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub delay_minutes: i64,
    /// "entregado con retraso · escrito hace 2 días".
    pub text_es: String,
}

/// The acknowledgement deadline.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct DeadlineView {
    pub at: DateTime<Utc>,
    /// `pending` (not reached), `overdue` (passed without acknowledgement), `met`
    /// (acknowledged in time), `missed` (acknowledged after it).
    pub state: &'static str,
    /// "vence en 1:20", "vencido hace 0:05", "acuse en plazo", "acuse fuera de plazo".
    pub text_es: String,
}

/// Where escalation stands.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct EscalationView {
    /// 0: only the first notice went out; 1: the backup was told; 2: the supervisor.
    pub level: i32,
    pub level_es: &'static str,
    /// `none` (this report never escalates), `waiting` (will escalate at `next_at`),
    /// `paused` (someone holds it), `stopped` (acknowledged or closed), `done` (the last
    /// level was reached).
    pub state: &'static str,
    pub next_at: Option<DateTime<Utc>>,
    /// The whole sentence: "escalado a respaldo · en pausa mientras ana lo tenga (hasta 14:32)".
    pub text_es: String,
}

/// Everything timing-related a queue row shows.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct Timing {
    /// Minutes since the citizen wrote it.
    pub age_minutes: i64,
    /// "hace 12 min".
    pub age_es: String,
    pub late_delivery: Option<LateDelivery>,
    pub deadline: Option<DeadlineView>,
    pub escalation: EscalationView,
    /// The row's one-line summary: "vence en 1:20", "vencido · escalado a respaldo".
    pub summary_es: String,
    /// Whether the summary is urgent (shown in the alarm colour).
    pub overdue: bool,
}

/// The report's message as WhatsApp dated it; `None` when unknown.
pub struct Written {
    pub sent_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

pub fn timing(
    r: &ReportRow,
    written: Option<&Written>,
    tz: Tz,
    deadlines: &Deadlines,
    escalates: bool,
    now: DateTime<Utc>,
) -> Timing {
    let late_delivery = written.and_then(|w| late(w, now));
    let written_at = late_delivery
        .as_ref()
        .map_or(r.created_at, |l| l.written_at);
    let age_minutes = (now - written_at).num_minutes().max(0);
    let priority: Priority = r.priority.parse().unwrap_or(Priority::Normal);
    let closed = matches!(r.status.as_str(), "resolved" | "dismissed" | "duplicate");
    let deadline = ack_deadline(priority, r.created_at, tz, deadlines).map(|at| {
        let (state, text_es) = match r.acknowledged_at {
            Some(ack) if ack <= at => ("met", "acuse en plazo".to_owned()),
            Some(_) => ("missed", "acuse fuera de plazo".to_owned()),
            None if closed => ("missed", "cerrado sin acuse".to_owned()),
            None if now < at => ("pending", format!("vence en {}", span(at - now))),
            None => ("overdue", format!("vencido hace {}", span(now - at))),
        };
        DeadlineView { at, state, text_es }
    });
    let escalation = escalation(r, tz, escalates, closed, now);
    let overdue = deadline.as_ref().is_some_and(|d| d.state == "overdue");
    let summary_es = match &deadline {
        Some(d) if d.state == "overdue" => match escalation.state {
            "none" => "vencido".to_owned(),
            _ => format!("vencido · {}", escalation.text_es),
        },
        Some(d) if r.status == "open" => d.text_es.clone(),
        _ => String::new(),
    };
    Timing {
        age_minutes,
        age_es: ago(now - written_at),
        late_delivery,
        deadline,
        escalation,
        summary_es,
        overdue,
    }
}

fn late(w: &Written, now: DateTime<Utc>) -> Option<LateDelivery> {
    let delay = w.received_at - w.sent_at;
    (delay.num_minutes() > LATE_AFTER_MINUTES).then(|| LateDelivery {
        written_at: w.sent_at,
        received_at: w.received_at,
        delay_minutes: delay.num_minutes(),
        text_es: format!("entregado con retraso · escrito {}", ago(now - w.sent_at)),
    })
}

fn escalation(
    r: &ReportRow,
    tz: Tz,
    escalates: bool,
    closed: bool,
    now: DateTime<Utc>,
) -> EscalationView {
    let level_es = match r.escalation_level {
        i32::MIN..=0 => "aviso inicial",
        1 => "respaldo",
        _ => "supervisión",
    };
    let reached = match r.escalation_level {
        i32::MIN..=0 => None,
        1 => Some("escalado a respaldo"),
        _ => Some("escalado a supervisión"),
    };
    let holder = r
        .claimed_by
        .as_deref()
        .zip(r.claim_expires_at)
        .filter(|(_, until)| *until > now);
    let (state, next_at, rest) = if !escalates {
        (
            "none",
            None,
            "sin escalamiento (no hay coordinadores de región)".to_owned(),
        )
    } else if closed || r.status != "open" {
        (
            "stopped",
            None,
            "escalamiento detenido por el acuse o el cierre".to_owned(),
        )
    } else if let Some((who, until)) = holder {
        (
            "paused",
            r.escalate_at,
            format!(
                "escalamiento en pausa mientras {who} lo tenga (hasta las {})",
                until.with_timezone(&tz).format("%H:%M")
            ),
        )
    } else if let Some(at) = r.escalate_at {
        let step = if r.escalation_level <= 0 {
            "a respaldo"
        } else {
            "a supervisión"
        };
        let when = if at <= now {
            "en curso".to_owned()
        } else {
            format!("en {}", span(at - now))
        };
        ("waiting", Some(at), format!("escalamiento {step} {when}"))
    } else {
        ("done", None, "sin más niveles de escalamiento".to_owned())
    };
    let text_es = match reached {
        Some(reached) if state == "done" => reached.to_owned(),
        Some(reached) => format!("{reached} · {rest}"),
        None => rest,
    };
    EscalationView {
        level: r.escalation_level,
        level_es,
        state,
        next_at,
        text_es,
    }
}

/// "1:20" (hours:minutes) under a day, "2 d 3 h" beyond.
pub fn span(d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes < 24 * 60 {
        format!("{}:{:02}", minutes / 60, minutes % 60)
    } else {
        format!("{} d {} h", minutes / (24 * 60), minutes % (24 * 60) / 60)
    }
}

/// "hace 12 min", "hace 3 h", "hace 2 días".
pub fn ago(d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    match minutes {
        0 => "hace menos de 1 min".to_owned(),
        1..=59 => format!("hace {minutes} min"),
        60..=1439 => {
            let (h, m) = (minutes / 60, minutes % 60);
            if m == 0 {
                format!("hace {h} h")
            } else {
                format!("hace {h} h {m} min")
            }
        }
        _ => {
            let days = minutes / 1440;
            if days == 1 {
                "hace 1 día".to_owned()
            } else {
                format!("hace {days} días")
            }
        }
    }
}

#[cfg(test)]
#[path = "timing_tests.rs"]
mod tests;
