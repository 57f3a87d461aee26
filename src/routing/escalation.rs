//! The escalation worker: a report nobody acknowledged within its priority's deadline goes to
//! the region's backup, and then to the supervisor. Each step fires once, whatever the number
//! of replicas (the store moves the level only from the level it read).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::message_plan::to_coordinator;
use super::{coordinators_for, escalation_targets, next_escalation, Deadlines};
use crate::registry::SharedRegistry;
use crate::store::{EscalationStep, ReportRow, Store, StoreError};
use crate::telemetry::metrics::metrics;
use crate::triage::{Category, Priority};
use crate::vocab::priority_es;
use crate::vocab::Clock;

/// The last escalation level (the supervisor).
const LAST_LEVEL: i32 = 2;

pub struct Escalator {
    pub store: Arc<Store>,
    pub registry: SharedRegistry,
    pub deadlines: Deadlines,
    pub clock: Clock,
    /// Wakes the sender when notices were queued.
    pub outbox_wakeup: Arc<Notify>,
    pub poll: Duration,
}

impl Escalator {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "escalation pass failed");
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.poll) => {},
            }
        }
    }

    /// Escalates every report due now; returns how many steps this worker applied.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let mut applied = 0;
        for report in self.store.due_escalations(now, 100).await? {
            let Some(step) = self.step_for(&report) else {
                continue;
            };
            if self.store.escalate(&step).await? {
                tracing::warn!(folio = %report.folio, level = step.to_level, "report escalated");
                metrics().escalation(step.to_level);
                applied += 1;
            }
        }
        if applied > 0 {
            self.outbox_wakeup.notify_one();
        }
        Ok(applied)
    }

    fn step_for(&self, r: &ReportRow) -> Option<EscalationStep> {
        let now = self.clock.now();
        let registry = self.registry.current();
        let region = registry.region(&r.region)?;
        let group = registry.group(&r.group_ref);
        let to_level = (r.escalation_level + 1).min(LAST_LEVEL);
        let priority: Priority = r.priority.parse().unwrap_or(Priority::Normal);
        // Someone who already got the report (e.g. a duty officer who is also the backup)
        // learns nothing from a second notice; skip them unless nobody else is left.
        let category: Option<Category> = r.category.parse().ok();
        let first_round: Vec<&str> = category
            .map(|c| {
                coordinators_for(region, c, now)
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let all = escalation_targets(region, to_level as u8, now);
        let fresh: Vec<_> = all
            .iter()
            .copied()
            .filter(|c| !first_round.contains(&c.id.as_str()))
            .collect();
        let targets = if fresh.is_empty() { all } else { fresh };
        let category_label = category.map_or(r.category.clone(), |c| c.label_es().to_owned());
        let params = json!({
            "nivel": to_level,
            "grupo": group.map_or(r.group_ref.as_str(), |g| g.name.as_str()),
            "colonia": group.map(|g| g.colonias.join(", ")).unwrap_or_default(),
            "categoria": category_label,
            "prioridad": priority_es(priority.as_str()).to_lowercase(),
        });
        let next_at = if to_level >= LAST_LEVEL {
            None
        } else {
            next_escalation(
                to_level as u8,
                now,
                priority,
                region.time_zone,
                &self.deadlines,
            )
        };
        Some(EscalationStep {
            report_id: r.id,
            folio: r.folio.clone(),
            from_level: r.escalation_level,
            to_level,
            next_at,
            at: now,
            notified: targets.iter().map(|c| c.id.clone()).collect(),
            outbox: targets
                .iter()
                .filter_map(|c| to_coordinator(c, "escalation_notice", 1, &params, now))
                .collect(),
        })
    }
}
