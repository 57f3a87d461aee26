//! The retention job: once a day (configurable) in the worker, erase or pseudonymise what
//! is past its period, delete the media files nobody references any more, and record what
//! was done. Reports stay: the weekly figures never change because of a purge.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Privacy;
use crate::store::{NewAudit, PurgeCounts, RetentionCutoffs, StoreError};
use crate::vocab::Clock;

pub fn cutoffs(state: &Privacy, now: DateTime<Utc>) -> RetentionCutoffs {
    let p = &state.config.privacy;
    let days = |d: i64| now - chrono::Duration::days(d.max(0));
    RetentionCutoffs {
        unreported_text: days(p.other_text_days),
        closed_reports: days(p.closed_report_days),
        raw: days(p.raw_webhook_days),
        audit: days(p.audit_days),
        tip_identity: !p.tips_keep_identity,
    }
}

/// Runs one purge and records it; returns what it did.
pub async fn run_once(state: &Privacy, now: DateTime<Utc>) -> Result<PurgeCounts, StoreError> {
    let counts = state.store.purge(&cutoffs(state, now), now).await?;
    // Expired sessions are dead weight (and a list of who worked when).
    state.store.delete_session("", Some(now)).await?;
    let removed = remove_files(state, &counts.media_to_delete).await?;
    state
        .store
        .append_audit(&NewAudit {
            at: now,
            actor: "system:retention".into(),
            action: "retention.run".into(),
            entity_kind: "retention".into(),
            entity_id: now.format("%Y-%m-%d").to_string(),
            detail: json!({ "counts": counts, "files_removed": removed }),
        })
        .await?;
    Ok(counts)
}

/// Deletes media files that no stored row uses any more (the same photo forwarded twice
/// is one file).
pub async fn remove_files(state: &Privacy, shas: &[String]) -> Result<u64, StoreError> {
    let mut removed = 0;
    for sha in shas {
        if state.store.media_in_use(sha).await? {
            continue;
        }
        match state.blobs.remove(sha).await {
            Ok(true) => removed += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not delete a media file"),
        }
    }
    Ok(removed)
}

pub struct RetentionWorker {
    pub state: Privacy,
    pub clock: Clock,
}

impl RetentionWorker {
    /// Purges at start and then every `retention_every_hours`.
    pub async fn run(self, shutdown: CancellationToken) {
        let every =
            Duration::from_secs(self.state.config.privacy.retention_every_hours.max(1) * 3600);
        loop {
            let result = run_once(&self.state, self.clock.now()).await;
            crate::telemetry::metrics::metrics().retention_run(
                if result.is_ok() { "ok" } else { "failed" },
                chrono::Utc::now().timestamp(),
            );
            match result {
                Ok(c) => tracing::info!(
                    unreported = c.unreported_texts,
                    closed = c.closed_report_messages,
                    tips = c.tip_identities,
                    raw = c.raw_bodies,
                    audit = c.audit_entries,
                    media = c.media_files,
                    "retention run"
                ),
                Err(e) => tracing::warn!(error = %e, "retention run failed; next run retries"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}
