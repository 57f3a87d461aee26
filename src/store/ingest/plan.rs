//! What a stored message sets in motion, decided before the transaction (by `routing`) and
//! carried out inside it, so a report, its folio and its outbox rows commit together or not
//! at all.

use chrono::{DateTime, Utc};

/// A report to open for a message, with a folio from `state`'s sequence for `year`.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub state: String,
    pub year: i32,
    pub group_ref: String,
    pub region: String,
    pub category: String,
    pub priority: String,
    /// An operator must look before closing it (uncaptioned media, low confidence).
    pub needs_review: bool,
    pub created_at: DateTime<Utc>,
    /// When the first escalation step is due if nobody acknowledges.
    pub escalate_at: Option<DateTime<Utc>>,
}

/// One message to send. Texts are rendered at send time from `purpose` and `params`, so an
/// edited reply text applies to what is still waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbox {
    pub purpose: String,
    /// 0 goes first.
    pub priority: i32,
    /// One key per WhatsApp user or group: pacing and ordering are per key.
    pub recipient_key: String,
    /// JSON of `whatsapp::Recipient`.
    pub recipient: String,
    pub reply_to: Option<String>,
    /// JSON object.
    pub params: String,
    pub use_template: bool,
    pub not_before: DateTime<Utc>,
}

impl NewOutbox {
    /// A message back to where a report came from (its group, or the member's own chat),
    /// quoting the original message; `None` when there is no address to answer.
    pub fn to_origin(
        group: Option<&str>,
        phone: Option<&str>,
        bsuid: Option<&str>,
        wamid: &str,
        purpose: &str,
        params: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Option<NewOutbox> {
        let (recipient_key, recipient) =
            crate::whatsapp::address::reply_target(group, phone, bsuid)?;
        Some(NewOutbox {
            purpose: purpose.to_owned(),
            priority: 2,
            recipient_key,
            recipient,
            reply_to: Some(wamid.to_owned()),
            params: params.to_string(),
            use_template: false,
            not_before: at,
        })
    }
}

/// What a coordinator's command does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    Acknowledge,
    Resolve,
}

impl ReportAction {
    /// The report status after the action.
    pub fn status(self) -> &'static str {
        match self {
            ReportAction::Acknowledge => "acknowledged",
            ReportAction::Resolve => "resolved",
        }
    }
}

/// A coordinator acknowledging or resolving a report by folio.
#[derive(Debug, Clone)]
pub struct NewCommand {
    pub folio: String,
    pub action: ReportAction,
    /// Who acted, e.g. `coordinator:son-centro-patrulla-1`.
    pub actor: String,
    /// The only region whose reports this command may change: the coordinator's own. A folio
    /// of another region is treated as unknown (and audited), never acted on.
    pub region: String,
    pub at: DateTime<Utc>,
    /// Purpose of the notice to the reporter (recipient: where the report came from).
    pub reporter_purpose: String,
    /// Sent to the coordinator when the folio is unknown, of another region or already closed.
    pub on_no_match: Option<NewOutbox>,
}

impl NewCommand {
    /// The audit detail of a command that changed nothing, from the folio's region and
    /// status when it exists. Both backends write it; the coordinator hears the same answer
    /// whatever the reason, so another region's folios cannot be probed from WhatsApp.
    pub fn refusal(&self, found: Option<(&str, &str)>) -> serde_json::Value {
        let reason = match found {
            None => "unknown_folio",
            Some((region, _)) if region != self.region => "other_region",
            Some(_) => "not_open",
        };
        serde_json::json!({
            "by": self.actor,
            "action": self.action.status(),
            "reason": reason,
            "coordinator_region": self.region,
            "status": found.map(|(_, status)| status),
        })
    }
}

/// What a message sets in motion.
#[derive(Debug, Clone)]
pub enum MessagePlan {
    /// Open a report and queue what goes with it (acknowledgement, coordinator notices).
    Report {
        report: NewReport,
        outbox: Vec<NewOutbox>,
    },
    /// Only answer (a follow-up, an unregistered sender's safety reply).
    Outbox(Vec<NewOutbox>),
    /// A coordinator's acknowledgement or resolution.
    Command(NewCommand),
    /// A citizen asking about a report: attach the message to the report it is about (see
    /// [`FollowUp`]) and answer.
    FollowUp {
        follow_up: FollowUp,
        outbox: Vec<NewOutbox>,
    },
    /// Something asked of the registry (join, leave, an invite code, a changed number):
    /// stored as received, settled a moment later by the registry-requests worker.
    Registry(NewRegistryRequest),
}

/// A message asking something of the registry. Intake only records it (one insert in the
/// message's transaction); deciding needs the whole stored registry, which intake never
/// waits for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRegistryRequest {
    /// `alta`, `invite_code`, `invite_join`, `baja` or `number_change`.
    pub kind: &'static str,
    pub received_at: DateTime<Utc>,
    /// Pacing key and JSON `whatsapp::Recipient` of the sender's reply address.
    pub sender_key: String,
    pub recipient: String,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub profile_name: Option<String>,
    /// The sender's privacy pseudonyms (set by intake, which holds the key).
    pub privacy_keys: Vec<String>,
    /// Where an alta is shown: the named group's region, or `sin-region`.
    pub region: String,
    /// The group it names: the sender's own (a member's `BAJA`, an enlace's `ALTA`) or the
    /// one an alta mentions.
    pub group_id: Option<String>,
    pub code: Option<String>,
    pub new_phone: Option<String>,
    pub new_bsuid: Option<String>,
}

impl NewRegistryRequest {
    /// The privacy keys as stored (a JSON array).
    pub fn privacy_keys_json(&self) -> String {
        serde_json::to_string(&self.privacy_keys).unwrap_or_else(|_| "[]".into())
    }
}

/// Which report a follow-up belongs to, resolved inside the transaction, in this order: the
/// folio it names, the report whose message (or whose reply to the citizen) it quotes, the
/// group's latest open report. Only the sender's own group's reports are candidates: a
/// folio is not a password, and another group's thread is not theirs to write into.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub group_ref: String,
    pub folio: Option<String>,
    /// The wamid the message quotes (WhatsApp's reply context).
    pub reply_to: Option<String>,
}
