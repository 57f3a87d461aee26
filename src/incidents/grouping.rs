//! The decision: does a new report join an open incident, which one, and why.
//!
//! A report joins an incident when, against at least one of its reports, all of these hold:
//!
//! - **region**: the same (incidents never cross the agency's regions);
//! - **time**: it arrived within the window of the incident's category after the incident's
//!   first report (an emergency is over in about an hour and a half; a patrol request about
//!   the same problem keeps coming for days);
//! - **place**: both location pins within [`Policy::radius_m`], or the same colonia, or —
//!   when either colonia is unknown — the same municipality;
//! - **meaning**: the texts' similarity, plus a bonus when the two categories agree,
//!   reaches the threshold (higher when only the municipality is shared: weak evidence);
//!
//! or when a strong signal matches within the region and the window: the same photo
//! (content hash) or the same forwarded text.
//!
//! Among incidents that qualify, the most similar wins, ties to the older incident. Every
//! decision lists the signals it weighed with their scores, for the audit trail and the
//! queue. Nothing here reads a clock or a database: the same reports in the same order give
//! the same incidents.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::meaning::{Meaning, Vector};

/// What grouping knows about a report.
#[derive(Debug, Clone)]
pub struct Facts {
    pub report_id: i64,
    pub group: String,
    pub region: String,
    pub colonia: Option<String>,
    pub municipality: Option<String>,
    /// Triage category id (`emergency_911`, `patrol`, …).
    pub category: String,
    pub at: DateTime<Utc>,
    /// (latitude, longitude) of a location shared with the report.
    pub pin: Option<(f64, f64)>,
    pub text: String,
    /// SHA-256 of an attached photo.
    pub photo: Option<String>,
    pub forwarded: bool,
}

/// A report inside an incident, with what comparing against it needs.
#[derive(Debug, Clone)]
pub struct Member {
    pub report_id: i64,
    pub group: String,
    pub colonia: Option<String>,
    pub municipality: Option<String>,
    pub category: String,
    pub at: DateTime<Utc>,
    pub pin: Option<(f64, f64)>,
    pub vector: Vector,
    pub photo: Option<String>,
    /// The normalised text when the message was forwarded.
    pub forwarded: Option<String>,
}

impl Member {
    pub fn new(facts: &Facts, meaning: &dyn Meaning) -> Self {
        Member {
            report_id: facts.report_id,
            group: facts.group.clone(),
            colonia: facts.colonia.as_deref().map(fold),
            municipality: facts.municipality.as_deref().map(fold),
            category: facts.category.clone(),
            at: facts.at,
            pin: facts.pin,
            vector: meaning.vector(&facts.text),
            photo: facts.photo.clone(),
            forwarded: facts
                .forwarded
                .then(|| crate::triage::normalize(&facts.text))
                .filter(|t| !t.is_empty()),
        }
    }
}

/// An open incident: its reports in arrival order.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: i64,
    pub region: String,
    /// The category of its first report: it sets the window.
    pub category: String,
    pub members: Vec<Member>,
}

impl Incident {
    pub fn first_at(&self) -> Option<DateTime<Utc>> {
        self.members.iter().map(|m| m.at).min()
    }
    pub fn last_at(&self) -> Option<DateTime<Utc>> {
        self.members.iter().map(|m| m.at).max()
    }
}

/// The thresholds; [`Policy::default`] is what the service runs with (README, "Incidents",
/// says how they were chosen).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Two pins closer than this are the same place.
    pub radius_m: f64,
    /// The score (text similarity, plus [`Policy::same_category`] when the categories
    /// agree) a report needs against one of the incident's reports.
    pub threshold: f64,
    /// Added to the score when the two reports have the same category.
    pub same_category: f64,
    /// Added to the threshold when only the municipality is shared (no colonia known).
    pub municipality_only: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            radius_m: 400.0,
            threshold: 0.40,
            same_category: 0.10,
            municipality_only: 0.15,
        }
    }
}

impl Policy {
    /// How long after an incident's first report another can still be about it: an
    /// emergency is over within about an hour and a half, a request about one problem
    /// keeps coming for days. Counted from the first report, so an incident cannot chain
    /// on for ever.
    pub fn window(&self, category: &str) -> Duration {
        match category {
            "emergency_911" => Duration::minutes(90),
            "tip_089" => Duration::hours(24),
            "patrol" => Duration::days(3),
            "workshop" => Duration::days(7),
            _ => Duration::hours(12),
        }
    }

    /// The longest window: incidents older than this are closed to new reports.
    pub fn longest_window(&self) -> Duration {
        ["emergency_911", "tip_089", "patrol", "workshop", "other"]
            .iter()
            .map(|c| self.window(c))
            .max()
            .unwrap_or_else(|| Duration::days(7))
    }
}

/// One piece of evidence and how strongly it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub name: &'static str,
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What was decided for one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The incident it joins; `None` opens a new one.
    pub incident: Option<i64>,
    /// The report of the incident it matched best.
    pub matched_report: Option<i64>,
    /// The evidence for the match (empty for a new incident).
    pub signals: Vec<Signal>,
    pub meaning: &'static str,
}

/// Decides for `report` (its member form `me`) among `open` incidents.
pub fn decide(
    policy: &Policy,
    meaning_name: &'static str,
    report: &Facts,
    me: &Member,
    open: &[&Incident],
) -> Decision {
    let mut best: Option<(f64, i64, i64, Vec<Signal>)> = None;
    for incident in open {
        if incident.region != report.region {
            continue;
        }
        let Some(first) = incident.first_at() else {
            continue;
        };
        let window = policy.window(&incident.category);
        let gap = report.at - first;
        if gap > window || gap < -window {
            continue;
        }
        let time = Signal {
            name: "tiempo",
            score: 1.0 - gap.num_seconds().max(0) as f64 / window.num_seconds() as f64,
            detail: Some(format!("{} min", gap.num_minutes())),
        };
        for m in &incident.members {
            let Some((score, signals)) = compare(policy, me, m) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((s, id, _, _)) => score > *s || (score == *s && incident.id < *id),
            };
            if better {
                let mut all = vec![Signal {
                    name: "región",
                    score: 1.0,
                    detail: Some(report.region.clone()),
                }];
                all.push(time.clone());
                all.extend(signals);
                best = Some((score, incident.id, m.report_id, all));
            }
        }
    }
    match best {
        Some((_, id, matched, signals)) => Decision {
            incident: Some(id),
            matched_report: Some(matched),
            signals,
            meaning: meaning_name,
        },
        None => Decision {
            incident: None,
            matched_report: None,
            signals: Vec::new(),
            meaning: meaning_name,
        },
    }
}

/// Whether `me` is about the same event as `other`, with a ranking score and the signals.
fn compare(policy: &Policy, me: &Member, other: &Member) -> Option<(f64, Vec<Signal>)> {
    let mut signals = Vec::new();
    // Strong signals: the same picture, or the same chain message, is the same event
    // wherever in the region it was sent from.
    if let (Some(a), Some(b)) = (&me.photo, &other.photo) {
        if a == b {
            signals.push(Signal {
                name: "misma foto",
                score: 1.0,
                detail: None,
            });
            return Some((2.0, signals));
        }
    }
    if let (Some(a), Some(b)) = (&me.forwarded, &other.forwarded) {
        if a == b {
            signals.push(Signal {
                name: "mismo texto reenviado",
                score: 1.0,
                detail: None,
            });
            return Some((2.0, signals));
        }
    }
    let distance = match (me.pin, other.pin) {
        (Some(a), Some(b)) => Some(metres(a, b)),
        _ => None,
    };
    let (place, needed) = match (distance, &me.colonia, &other.colonia) {
        (Some(d), _, _) if d <= policy.radius_m => (
            Signal {
                name: "distancia",
                score: 1.0 - d / policy.radius_m,
                detail: Some(format!("{d:.0} m")),
            },
            policy.threshold,
        ),
        (_, Some(a), Some(b)) if a == b => (
            Signal {
                name: "colonia",
                score: 1.0,
                detail: Some(a.clone()),
            },
            policy.threshold,
        ),
        (_, Some(_), Some(_)) => return None,
        _ => match (&me.municipality, &other.municipality) {
            (Some(a), Some(b)) if a == b => (
                Signal {
                    name: "municipio",
                    score: 1.0,
                    detail: Some(a.clone()),
                },
                policy.threshold + policy.municipality_only,
            ),
            _ => return None,
        },
    };
    let same_category = me.category == other.category;
    let text = me.vector.cosine(&other.vector);
    let score = text
        + if same_category {
            policy.same_category
        } else {
            0.0
        };
    if score < needed {
        return None;
    }
    signals.push(place);
    signals.push(Signal {
        name: "categoría",
        score: if same_category { 1.0 } else { 0.0 },
        detail: Some(other.category.clone()),
    });
    signals.push(Signal {
        name: "texto",
        score: round3(text),
        detail: Some(format!("puntaje {:.2}, umbral {needed:.2}", score)),
    });
    Some((score, signals))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Great-circle distance (haversine) in metres.
pub fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_000.0;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

/// Colonia and municipality names compare without case or accents.
fn fold(s: &str) -> String {
    crate::triage::normalize(s)
}

/// Open incidents held in memory, by region: what the evaluation and the benchmark replay
/// through, and the shape the store's candidates take.
pub struct Grouper<'m> {
    pub policy: Policy,
    meaning: &'m dyn Meaning,
    by_region: BTreeMap<String, Vec<Incident>>,
    next_id: i64,
}

impl<'m> Grouper<'m> {
    pub fn new(policy: Policy, meaning: &'m dyn Meaning) -> Self {
        Grouper {
            policy,
            meaning,
            by_region: BTreeMap::new(),
            next_id: 1,
        }
    }

    /// Decides for `report` and records it: joins the chosen incident or opens one.
    /// Returns the incident id and the decision.
    pub fn add(&mut self, report: &Facts) -> (i64, Decision) {
        let me = Member::new(report, self.meaning);
        let horizon = report.at - self.policy.longest_window();
        let incidents = self.by_region.entry(report.region.clone()).or_default();
        // Incidents no window can reach again leave the index.
        incidents.retain(|i| i.last_at().is_some_and(|t| t >= horizon));
        let open: Vec<&Incident> = incidents.iter().collect();
        let decision = decide(&self.policy, self.meaning.name(), report, &me, &open);
        let id = match decision.incident {
            Some(id) => {
                if let Some(i) = incidents.iter_mut().find(|i| i.id == id) {
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
        let me = Member::new(report, self.meaning);
        let horizon = report.at - self.policy.longest_window();
        let open: Vec<&Incident> = self
            .by_region
            .get(&report.region)
            .into_iter()
            .flatten()
            .filter(|i| i.last_at().is_some_and(|t| t >= horizon))
            .collect();
        decide(&self.policy, self.meaning.name(), report, &me, &open)
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
