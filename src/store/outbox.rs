//! Inputs of the worker-side store calls: send outcomes and escalation steps.

use chrono::{DateTime, Utc};

use super::plan::NewOutbox;
use super::rows::OutboxRow;

/// What became of one send attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxOutcome {
    /// Meta accepted it. `merged` rows rode along in the same message; `use_template` says
    /// how it went (the window may have been found closed just before sending).
    Sent {
        wamid: String,
        payload: String,
        merged: Vec<i64>,
        pace_until: DateTime<Utc>,
        use_template: bool,
    },
    /// No access token: recorded with the exact payload that would have gone out.
    DryRun {
        payload: String,
        merged: Vec<i64>,
        pace_until: DateTime<Utc>,
        use_template: bool,
    },
    /// Try again at `at` (optionally as a template, after a closed window). With
    /// `window_closed` (a 131047), the recipient's other waiting rows go as templates too,
    /// instead of each failing with 131047 first.
    Retry {
        at: DateTime<Utc>,
        code: Option<i64>,
        error: String,
        use_template: bool,
        window_closed: bool,
    },
    /// Will never succeed as it is.
    Failed {
        code: Option<i64>,
        error: String,
        payload: Option<String>,
    },
    /// Sending is paused (expired token): back to the queue, the attempt not counted.
    Release { at: DateTime<Utc> },
}

/// Column values for `FINISH_OUTBOX`, in bind order after the id.
pub(crate) type FinishColumns<'a> = (
    &'static str,
    Option<&'a str>,
    Option<&'a str>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<&'a str>,
    Option<DateTime<Utc>>,
    bool,
    i32,
);

impl OutboxOutcome {
    pub(crate) fn columns<'a>(
        &'a self,
        row: &'a OutboxRow,
        now: DateTime<Utc>,
    ) -> FinishColumns<'a> {
        match self {
            OutboxOutcome::Sent {
                wamid,
                payload,
                use_template,
                ..
            } => (
                "sent",
                Some(wamid),
                Some(payload),
                Some(now),
                None,
                None,
                None,
                *use_template,
                0,
            ),
            OutboxOutcome::DryRun {
                payload,
                use_template,
                ..
            } => (
                "dry_run",
                None,
                Some(payload),
                Some(now),
                None,
                None,
                None,
                *use_template,
                0,
            ),
            OutboxOutcome::Retry {
                at,
                code,
                error,
                use_template,
                ..
            } => (
                "pending",
                None,
                None,
                None,
                *code,
                Some(error),
                Some(*at),
                *use_template,
                0,
            ),
            OutboxOutcome::Failed {
                code,
                error,
                payload,
            } => (
                "failed",
                None,
                payload.as_deref(),
                None,
                *code,
                Some(error),
                None,
                row.use_template,
                0,
            ),
            OutboxOutcome::Release { at } => (
                "pending",
                None,
                None,
                None,
                row.last_error_code,
                row.last_error.as_deref(),
                Some(*at),
                row.use_template,
                1,
            ),
        }
    }

    /// For outcomes that reached (or would have reached) the recipient: the rows merged into
    /// it and until when the recipient must not get another message.
    pub(crate) fn delivered(&self) -> Option<(&[i64], DateTime<Utc>)> {
        match self {
            OutboxOutcome::Sent {
                merged, pace_until, ..
            }
            | OutboxOutcome::DryRun {
                merged, pace_until, ..
            } => Some((merged, *pace_until)),
            _ => None,
        }
    }
}

/// What the sender's pass over failed status webhooks did (`Store::settle_failed_statuses`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailedSettlement {
    /// Rows sent again as templates after a `failed` 131047: carriers and every row that
    /// had been merged into one.
    pub requeued: u64,
    /// Purposes of the rows Meta will never deliver (a `failed` status with another code),
    /// now `failed`, each in its report's timeline.
    pub undeliverable: Vec<String>,
}

/// One escalation step of an unacknowledged report.
#[derive(Debug, Clone)]
pub struct EscalationStep {
    pub report_id: i64,
    pub folio: String,
    pub from_level: i32,
    pub to_level: i32,
    /// When the following step is due; `None` after the last one.
    pub next_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
    /// Coordinator ids notified, for the audit trail.
    pub notified: Vec<String>,
    pub outbox: Vec<NewOutbox>,
}

/// Ways to find a report.
#[derive(Debug, Clone, Copy)]
pub enum ReportLookup<'a> {
    Id(i64),
    Folio(&'a str),
    /// The report opened by this inbound message.
    MessageWamid(&'a str),
    /// The report one of our outbound messages was about.
    OutboundWamid(&'a str),
    /// The newest report of a group that is not resolved.
    LatestOpenOfGroup(&'a str),
}

/// Whose 24-hour window to look up.
#[derive(Debug, Clone, Copy)]
pub enum WindowKey<'a> {
    Phone(&'a str),
    Bsuid(&'a str),
    Group(&'a str),
}
