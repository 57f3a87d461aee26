//! Open incidents held in memory, by region: what the evaluation and the benchmark replay
//! through, and the shape the store's candidates take.

use std::collections::BTreeMap;

use super::grouping::{blocked, decide, Decision, Facts, Incident, Member};
use super::policy::Policy;
use super::reading::Reader;

pub struct Grouper<'m> {
    pub policy: Policy,
    reader: Reader<'m>,
    by_region: BTreeMap<String, Vec<Incident>>,
    next_id: i64,
}

impl<'m> Grouper<'m> {
    pub fn new(policy: Policy, reader: Reader<'m>) -> Self {
        Grouper {
            policy,
            reader,
            by_region: BTreeMap::new(),
            next_id: 1,
        }
    }

    /// Decides for `report` and records it: joins the chosen incident or opens one.
    /// Returns the incident id and the decision.
    pub fn add(&mut self, report: &Facts) -> (i64, Decision) {
        let me = Member::new(report, &self.reader);
        let horizon = report.at - self.policy.longest_window();
        let incidents = self.by_region.entry(report.region.clone()).or_default();
        // Incidents no window can reach again leave the index.
        incidents.retain(|i| i.last_at().is_some_and(|t| t >= horizon));
        let open: Vec<&Incident> = incidents.iter().collect();
        let decision = decide(&self.policy, &self.reader, report, &me, &open);
        let id = match decision.incident {
            Some(id) => {
                if let Some(i) = incidents.iter_mut().find(|i| i.id == id) {
                    if decision.takes_lead {
                        i.category = report.category.clone();
                    }
                    i.members.push(me);
                }
                id
            }
            None => {
                let id = self.next_id;
                self.next_id += 1;
                incidents.push(Incident {
                    id,
                    region: report.region.clone(),
                    category: report.category.clone(),
                    members: vec![me],
                });
                id
            }
        };
        (id, decision)
    }

    /// What [`Grouper::add`] would decide for `report`, without recording it.
    pub fn peek(&self, report: &Facts) -> Decision {
        let me = Member::new(report, &self.reader);
        let horizon = report.at - self.policy.longest_window();
        let open: Vec<&Incident> = self
            .by_region
            .get(&report.region)
            .into_iter()
            .flatten()
            .filter(|i| i.last_at().is_some_and(|t| t >= horizon))
            .collect();
        decide(&self.policy, &self.reader, report, &me, &open)
    }

    /// Why `report` would not join open incident `id` (`None`: it may, or no such
    /// incident is open).
    pub fn blocked(&self, report: &Facts, id: i64) -> Option<&'static str> {
        let me = Member::new(report, &self.reader);
        let incident = self
            .by_region
            .get(&report.region)?
            .iter()
            .find(|i| i.id == id);
        match incident {
            Some(i) => blocked(&self.policy, &self.reader, report, &me, i),
            None => Some("el incidente ya cerró"),
        }
    }

    /// The open incident holding report `report_id`.
    pub fn incident_of(&self, report_id: i64) -> Option<i64> {
        self.by_region
            .values()
            .flatten()
            .find(|i| i.members.iter().any(|m| m.report_id == report_id))
            .map(|i| i.id)
    }

    /// Reports held (open incidents' members).
    pub fn open_reports(&self) -> usize {
        self.by_region
            .values()
            .flatten()
            .map(|i| i.members.len())
            .sum()
    }
}
