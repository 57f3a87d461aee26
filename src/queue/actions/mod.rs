//! What each operator action does to a report, as a pure function of the report as read.
//! The service applies the result as a compare-and-swap, so two operators acting at once
//! never overwrite each other: the loser re-reads and is judged against the new state.
//! This file holds the vocabulary (actions, outcomes, errors); the judging is in `judge.rs`
//! and the small rules it shares in `rules.rs`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

mod judge;
mod rules;

pub use self::judge::plan;
pub use self::rules::{parse_category, parse_priority};
use crate::access::principal::{Permission, Principal};
use crate::store::{NewCorrection, ReportFields, ReportRow};

/// Longest internal note or reply an operator can write.
pub const MAX_TEXT: usize = 2000;

/// An operator's action, as the API receives it: `{"action": "claim", …}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    Claim {
        #[serde(default)]
        force: bool,
    },
    Release,
    Acknowledge,
    Reclassify {
        category: String,
        #[serde(default)]
        priority: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    SetPriority {
        priority: String,
    },
    Assign {
        coordinator: String,
    },
    Note {
        text: String,
    },
    Reply {
        text: String,
    },
    Resolve {
        #[serde(default)]
        comment: Option<String>,
    },
    Dismiss {
        reason: String,
    },
    MarkDuplicate {
        of: String,
    },
    Reopen {
        #[serde(default)]
        reason: Option<String>,
    },
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("su rol no permite esta acción")]
    Forbidden,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
}

/// Who hears about the change.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The reporter (and reporters of duplicates) get `reporter_status` with this status.
    ReporterStatus(&'static str),
    /// The reporter gets the operator's text.
    OperatorReply(String),
    /// The assigned coordinator gets the report.
    Coordinator(String),
}

/// The outcome of judging an action against a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub fields: ReportFields,
    /// Audit action name, `report.<what>`.
    pub audit_action: String,
    pub detail: Value,
    pub correction: Option<NewCorrection>,
    pub notice: Option<Notice>,
}

/// What the judgement needs besides the report.
pub struct Context<'a> {
    pub who: &'a Principal,
    pub now: DateTime<Utc>,
    pub claim_for: Duration,
    /// Coordinators of the report's region (registry ids).
    pub coordinators: &'a [String],
    /// For `mark_duplicate`: the primary report, already resolved to the end of its chain.
    pub primary: Option<&'a ReportRow>,
    /// The report region's time zone, for times in messages.
    pub tz: chrono_tz::Tz,
    /// The acknowledgement deadlines: a new priority moves the report's next escalation.
    pub deadlines: &'a crate::routing::Deadlines,
}

impl Action {
    pub fn permission(&self) -> Permission {
        match self {
            Action::Claim { force: true } => Permission::OverrideClaim,
            Action::Claim { .. } | Action::Release => Permission::Claim,
            Action::Acknowledge => Permission::Acknowledge,
            Action::Reclassify { .. } => Permission::Reclassify,
            Action::SetPriority { .. } => Permission::SetPriority,
            Action::Assign { .. } => Permission::Assign,
            Action::Note { .. } => Permission::Note,
            Action::Reply { .. } => Permission::Reply,
            Action::Resolve { .. } => Permission::Resolve,
            Action::Dismiss { .. } => Permission::Dismiss,
            Action::MarkDuplicate { .. } => Permission::MarkDuplicate,
            Action::Reopen { .. } => Permission::Reopen,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Claim { .. } => "claim",
            Action::Release => "release",
            Action::Acknowledge => "acknowledge",
            Action::Reclassify { .. } => "reclassify",
            Action::SetPriority { .. } => "set_priority",
            Action::Assign { .. } => "assign",
            Action::Note { .. } => "note",
            Action::Reply { .. } => "reply",
            Action::Resolve { .. } => "resolve",
            Action::Dismiss { .. } => "dismiss",
            Action::MarkDuplicate { .. } => "mark_duplicate",
            Action::Reopen { .. } => "reopen",
        }
    }
}

#[cfg(test)]
mod tests;
