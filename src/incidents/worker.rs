//! The grouping worker: places every new report in an incident (off the webhook's path),
//! and sends the coordinators' notices and every reporter's outcome that `notices` words.
//! Any number of replicas may run it: the store's keys decide who places a report or sends
//! an outcome (`store/incidents.rs`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::grouping::{decide, Facts, Incident, Member};
use super::notices::{notices, tell_reporter};
use super::policy::Policy;
use super::reading::Fitted;
use super::recall::Recall;
use crate::registry::SharedRegistry;
use crate::store::{IncidentSource, OpenMember, Placement, Store, StoreError};
use crate::triage::semantic::WordVectors;
use crate::vocab::Clock;

/// Reports placed per pass.
const BATCH: i64 = 200;
/// How far back the n-gram weights, the similarity floor and the street names look, how
/// many texts, and how often they are refitted.
const CORPUS_DAYS: i64 = 90;
const CORPUS_TEXTS: i64 = 20_000;
const REFIT_EVERY: chrono::Duration = chrono::Duration::hours(6);

pub struct IncidentWorker {
    pub store: Arc<Store>,
    pub registry: SharedRegistry,
    pub clock: Clock,
    /// Wakes the sender when notices were queued.
    pub outbox_wakeup: Arc<Notify>,
    pub poll: Duration,
    pub policy: Policy,
    /// Triage's word vectors (`None` when they did not load: n-grams alone).
    vectors: Option<Arc<WordVectors>>,
    /// How texts are read, and when that was fitted.
    reading: Mutex<Option<(DateTime<Utc>, Arc<Fitted>)>>,
    /// The open reports already read with that fit (see [`Recall`]).
    recall: Mutex<Recall>,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub placed: usize,
    pub outcomes: usize,
    /// A full batch of reports was waiting: more may be, so the next pass starts at once.
    pub backlog: bool,
}

impl IncidentWorker {
    pub fn new(
        store: Arc<Store>,
        registry: SharedRegistry,
        clock: Clock,
        outbox_wakeup: Arc<Notify>,
        poll: Duration,
        vectors: Option<Arc<WordVectors>>,
    ) -> Self {
        if vectors.is_none() {
            // Once per worker (one per service): grouping still runs, but misses neighbours
            // who tell one event in other words, so say it where operators look.
            tracing::warn!(
                "INCIDENT GROUPING WITHOUT WORD VECTORS: triage's vectors did not load; \
                 grouping reads texts with character n-grams only (README, \"Incident \
                 grouping quality\")"
            );
        }
        IncidentWorker {
            store,
            registry,
            clock,
            outbox_wakeup,
            poll,
            policy: Policy::default(),
            vectors,
            reading: Mutex::new(None),
            recall: Mutex::new(Recall::default()),
        }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let backlog = match self.tick().await {
                Ok(pass) => pass.backlog,
                Err(e) => {
                    tracing::warn!(error = %e, "incident pass failed");
                    false
                }
            };
            // Under a flood one batch a poll would cap grouping at BATCH reports a second
            // and coordinators' notices would fall ever further behind; a full batch goes
            // straight on to the next (yielding, so shutdown is still heard).
            if backlog {
                tokio::task::yield_now().await;
                if shutdown.is_cancelled() {
                    break;
                }
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.poll) => {},
            }
        }
    }

    /// Places new reports, then sends outcomes.
    pub async fn tick(&self) -> Result<Pass, StoreError> {
        let now = self.clock.now();
        let mut pass = Pass::default();
        let reports = self
            .store
            .ungrouped_reports(now - self.policy.longest_window(), BATCH)
            .await?;
        if !reports.is_empty() {
            let fitted = self.reading(now).await?;
            for r in &reports {
                if self.place(r, &fitted, now).await? {
                    pass.placed += 1;
                }
            }
            // Only when this pass got somewhere: a batch nothing could be placed from (all
            // taken by another replica meanwhile) waits for the poll like any other.
            pass.backlog = reports.len() as i64 >= BATCH && pass.placed > 0;
        }
        for o in self.store.pending_outcomes(BATCH).await? {
            let message = tell_reporter(&o, now);
            if self.store.record_outcome(&o, message.as_ref(), now).await? {
                pass.outcomes += 1;
            }
        }
        if pass.placed + pass.outcomes > 0 {
            self.outbox_wakeup.notify_one();
        }
        Ok(pass)
    }

    async fn reading(&self, now: DateTime<Utc>) -> Result<Arc<Fitted>, StoreError> {
        if let Some((at, m)) = self.reading.lock().map(|g| g.clone()).ok().flatten() {
            if now - at < REFIT_EVERY {
                return Ok(m);
            }
        }
        let texts = self
            .store
            .recent_report_texts(now - chrono::Duration::days(CORPUS_DAYS), CORPUS_TEXTS)
            .await?;
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let m = Arc::new(Fitted::fit(&texts, self.vectors.clone()));
        if let Ok(mut g) = self.reading.lock() {
            *g = Some((now, m.clone()));
        }
        Ok(m)
    }

    async fn place(
        &self,
        r: &IncidentSource,
        fitted: &Arc<Fitted>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let reader = fitted.reader();
        let horizon = r.created_at - self.policy.longest_window();
        let open = self.store.open_incident_members(&r.region, horizon).await?;
        let facts = self.facts(r);
        let leads: BTreeMap<i64, i64> = open
            .iter()
            .map(|m| (m.incident_id, m.lead_report_id))
            .collect();
        let (mut incidents, colonias, me) = self.read_open(&facts, open, fitted);
        // An incident led by a report the 9-1-1 net caught is an emergency to grouping
        // too, whatever category it is stored under (see `grouping_category`).
        for incident in incidents.values_mut() {
            let lead = leads.get(&incident.id);
            let lead = incident.members.iter().find(|m| Some(&m.report_id) == lead);
            if lead.is_some_and(|m| m.category == EMERGENCY) {
                incident.category = EMERGENCY.to_owned();
            }
        }
        let open: Vec<&Incident> = incidents.values().collect();
        let decision = decide(&self.policy, &reader, &facts, &me, &open);
        let takes_lead_from = decision
            .takes_lead
            .then(|| decision.incident.and_then(|id| leads.get(&id).copied()))
            .flatten();
        let placement = Placement {
            report: r.clone(),
            incident: decision.incident,
            takes_lead_from,
            signals: serde_json::to_value(&decision).unwrap_or_default(),
            at: now,
        };
        let place = decision
            .incident
            .and_then(|id| colonias.get(&id))
            .or(facts.colonia.as_ref())
            .map(|c| format!("Col. {c}"))
            .or(facts.municipality.clone());
        let placed = self
            .store
            .place_report(&placement, |state| {
                notices(&self.registry.current(), state, r, place.as_deref(), now)
            })
            .await?;
        Ok(placed.is_some())
    }

    /// The region's open incidents as grouping compares them, the first colonia told among
    /// each one's reports (where coordinators read the event happened), and the new
    /// report's reading, kept with the rest so its next placement as an open report does
    /// not read it again.
    fn read_open(
        &self,
        report: &Facts,
        open: Vec<OpenMember>,
        fitted: &Arc<Fitted>,
    ) -> (BTreeMap<i64, Incident>, BTreeMap<i64, String>, Member) {
        let mut incidents: BTreeMap<i64, Incident> = BTreeMap::new();
        let mut colonias: BTreeMap<i64, String> = BTreeMap::new();
        // A poisoned lock only means a pass panicked mid-way; its readings are still
        // readings, so the next pass goes on with them.
        let mut recall = self.recall.lock().unwrap_or_else(|e| e.into_inner());
        let mut reading = recall.begin(&report.region, fitted);
        for m in open {
            if m.source.report_id == report.report_id {
                continue;
            }
            let facts = self.facts(&m.source);
            if let Some(c) = &facts.colonia {
                colonias.entry(m.incident_id).or_insert_with(|| c.clone());
            }
            let member = reading.member(&facts, fitted);
            incidents
                .entry(m.incident_id)
                .or_insert_with(|| Incident {
                    id: m.incident_id,
                    region: m.source.region.clone(),
                    category: m.incident_category.clone(),
                    members: Vec::new(),
                })
                .members
                .push(member);
        }
        let me = reading.member(report, fitted);
        recall.finish(reading);
        (incidents, colonias, me)
    }

    /// What grouping compares: the colonia the report names (or its group's only one), the
    /// group's municipality, the pin, the text, the photo.
    fn facts(&self, r: &IncidentSource) -> Facts {
        let registry = self.registry.current();
        let group = registry.group(&r.group_ref);
        let location: Vec<&str> = [r.location_name.as_deref(), r.location_address.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let colonia = group.and_then(|g| {
            crate::reports::colonia::report_colonia(&g.colonias, &location, r.text.as_deref())
        });
        Facts {
            report_id: r.report_id,
            group: r.group_ref.clone(),
            region: r.region.clone(),
            colonia,
            municipality: group.map(|g| g.municipality.clone()),
            category: grouping_category(&r.category, &r.priority).to_owned(),
            at: r.created_at,
            pin: r.latitude.zip(r.longitude),
            text: r.text.clone().unwrap_or_default(),
            photo: r.photo.clone(),
            forwarded: r.forwarded,
        }
    }
}

const EMERGENCY: &str = "emergency_911";

/// The category a report is grouped under: its own, except that a report the 9-1-1 safety
/// net made critical ("posible emergencia": shots "se escucharon" read as past, an armed
/// robbery in phone spelling) is grouped as the emergency it may be, so it opens an
/// emergency's window and joins the neighbours who wrote the same event as one.
fn grouping_category<'a>(category: &'a str, priority: &str) -> &'a str {
    if priority == "critical" {
        EMERGENCY
    } else {
        category
    }
}
