//! What the privacy rules need from storage: retention purges and a person's data, found
//! by pseudonym, exported or erased. Reports (the anonymous statistics) are never deleted.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rows::{InboundRow, OutboxRow, ReportRow};
use super::StoreError;

/// Cut-off instants: data older than each is purged.
#[derive(Debug, Clone)]
pub struct RetentionCutoffs {
    /// Text of messages that opened no report (other, follow-ups, unregistered senders).
    pub unreported_text: DateTime<Utc>,
    /// Texts, media and identity of reports closed before this.
    pub closed_reports: DateTime<Utc>,
    /// Raw webhook bodies and each message's raw JSON.
    pub raw: DateTime<Utc>,
    pub audit: DateTime<Utc>,
    /// Erase a tip's reporter identity once its 089 redirect went out.
    pub tip_identity: bool,
}

/// What one purge did (the counts go to the audit trail).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    pub unreported_texts: u64,
    pub closed_report_messages: u64,
    pub tip_identities: u64,
    pub raw_bodies: u64,
    pub raw_messages: u64,
    pub audit_entries: u64,
    /// Media files no longer referenced: the caller deletes them from the media store.
    #[serde(skip)]
    pub media_to_delete: Vec<String>,
    pub media_files: u64,
}

/// Everything held about one person.
#[derive(Debug, Clone, Default)]
pub struct PersonData {
    pub messages: Vec<InboundRow>,
    pub reports: Vec<ReportRow>,
    pub outbox: Vec<OutboxRow>,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Applies every retention rule at once, in batches; idempotent.
    async fn purge(
        &self,
        cutoffs: &RetentionCutoffs,
        now: DateTime<Utc>,
    ) -> Result<PurgeCounts, StoreError>;
    /// Messages, reports and outbound messages of the person with these pseudonyms.
    async fn person_data(&self, pseudonyms: &[String]) -> Result<PersonData, StoreError>;
    /// Erases the person's identity and texts (raw copies included), keeping the reports.
    /// `addresses` are the spellings of their number as Meta sends it and their BSUID (for
    /// delivery statuses and pacing rows, which are keyed by address).
    async fn erase_person(
        &self,
        pseudonyms: &[String],
        phones: &[String],
        now: DateTime<Utc>,
    ) -> Result<PurgeCounts, StoreError>;
    /// Whether any stored media row still uses this file.
    async fn media_in_use(&self, sha256: &str) -> Result<bool, StoreError>;
}
