//! How well grouping matches labelled bursts: replay a file in arrival order and compare
//! the incidents with the events, pair by pair.
//!
//! A pair of reports is *predicted* together when grouping put them in one incident, and
//! *truly* together when the file gives them the same `event` (a `null` event is a report
//! about nothing else in the file). Precision is the share of predicted pairs that are
//! true; recall the share of true pairs that were predicted. Pairs weigh a big burst more
//! than a small one, as a coordinator's inbox does.
//!
//! The file is split in two halves by event (a stable hash of the event id, or of the
//! report id for standalone reports), each replayed on its own: the thresholds were chosen
//! looking at the `dev` half only, and `held-out` says whether they carry over.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::grouper::Grouper;
use super::grouping::{Decision, Facts};
use super::policy::Policy;
use super::reading::Fitted;
use crate::triage::semantic::WordVectors;

/// Triage's word vectors, as the service loads them (`None`: n-grams alone).
pub type Vectors<'a> = Option<&'a Arc<WordVectors>>;

/// One labelled report.
#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub id: String,
    pub event: Option<String>,
    pub text: String,
    pub category: String,
    pub region: String,
    #[serde(default)]
    pub colonia: Option<String>,
    #[serde(default)]
    pub municipality: Option<String>,
    pub group: String,
    pub minute: i64,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub forwarded: bool,
    #[serde(default)]
    pub photo: Option<String>,
}

/// Parses JSON lines; a bad line is an error naming its number.
pub fn parse(jsonl: &str) -> Result<Vec<Labelled>, String> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("línea {}: {e}", n + 1)))
        .collect()
}

/// Pairwise agreement of one replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pairwise {
    pub reports: usize,
    pub incidents: usize,
    pub predicted_pairs: u64,
    pub true_pairs: u64,
    pub both: u64,
}

impl Pairwise {
    pub fn precision(&self) -> f64 {
        ratio(self.both, self.predicted_pairs)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.both, self.true_pairs)
    }
}

/// Nothing predicted (or nothing to find) is perfect on that side.
fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

impl fmt::Display for Pairwise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "precisión {:.3}  exhaustividad {:.3}  ({} reportes, {} incidentes, {} pares \
             agrupados, {} pares del mismo evento, {} en ambos)",
            self.precision(),
            self.recall(),
            self.reports,
            self.incidents,
            self.predicted_pairs,
            self.true_pairs,
            self.both
        )
    }
}

/// Replays `reports` in `minute` order (ties by id) through a fresh grouper; the IDF, the
/// similarity floor and the street names are fitted on the texts replayed (no labels), as
/// the service fits them on its recent reports.
pub fn replay(reports: &[Labelled], policy: &Policy, vectors: Vectors) -> Pairwise {
    let assigned: Vec<(i64, Option<&str>)> = decisions(reports, policy, vectors)
        .into_iter()
        .map(|(r, incident, _)| (incident, r.event.as_deref()))
        .collect();
    score(&assigned)
}

/// The replay's decisions in arrival order: each report, its incident and why.
pub fn decisions<'a>(
    reports: &'a [Labelled],
    policy: &Policy,
    vectors: Vectors,
) -> Vec<(&'a Labelled, i64, Decision)> {
    replay_with(reports, policy, vectors, |_, _, _| ())
        .into_iter()
        .map(|(r, i, d, ())| (r, i, d))
        .collect()
}

/// Replays `reports` in arrival order; `before` sees the grouper, each report's facts and
/// label before it is added (to ask what would keep it out of an incident).
pub fn replay_with<'a, T>(
    reports: &'a [Labelled],
    policy: &Policy,
    vectors: Vectors,
    mut before: impl FnMut(&Grouper, &Facts, &Labelled) -> T,
) -> Vec<(&'a Labelled, i64, Decision, T)> {
    let mut ordered: Vec<&Labelled> = reports.iter().collect();
    ordered.sort_by(|a, b| a.minute.cmp(&b.minute).then_with(|| a.id.cmp(&b.id)));
    let texts: Vec<&str> = ordered.iter().map(|r| r.text.as_str()).collect();
    let fitted = Fitted::fit(&texts, vectors.cloned());
    let mut grouper = Grouper::new(policy.clone(), fitted.reader());
    let start: DateTime<Utc> = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
    let mut out = Vec::with_capacity(ordered.len());
    for (i, r) in ordered.into_iter().enumerate() {
        let facts = Facts {
            report_id: i as i64,
            group: r.group.clone(),
            region: r.region.clone(),
            colonia: r.colonia.clone(),
            municipality: r.municipality.clone(),
            category: r.category.clone(),
            at: start + Duration::minutes(r.minute),
            pin: r.lat.zip(r.lon),
            text: r.text.clone(),
            photo: r.photo.clone(),
            forwarded: r.forwarded,
        };
        let seen = before(&grouper, &facts, r);
        let (incident, decision) = grouper.add(&facts);
        out.push((r, incident, decision, seen));
    }
    out
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn score(assigned: &[(i64, Option<&str>)]) -> Pairwise {
    let mut by_incident: HashMap<i64, u64> = HashMap::new();
    let mut by_event: HashMap<&str, u64> = HashMap::new();
    let mut cells: HashMap<(i64, &str), u64> = HashMap::new();
    for (incident, event) in assigned {
        *by_incident.entry(*incident).or_default() += 1;
        if let Some(e) = event {
            *by_event.entry(e).or_default() += 1;
            *cells.entry((*incident, e)).or_default() += 1;
        }
    }
    Pairwise {
        reports: assigned.len(),
        incidents: by_incident.len(),
        predicted_pairs: by_incident.values().map(|&n| pairs(n)).sum(),
        true_pairs: by_event.values().map(|&n| pairs(n)).sum(),
        both: cells.values().map(|&n| pairs(n)).sum(),
    }
}

/// Which half a report belongs to: events stay whole.
pub fn is_dev(r: &Labelled) -> bool {
    let key = r.event.as_deref().unwrap_or(&r.id);
    let h = key.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    h % 2 == 0
}

/// The whole file and both halves.
pub struct Report {
    pub all: Pairwise,
    pub dev: Pairwise,
    pub held_out: Pairwise,
}

pub fn evaluate(reports: &[Labelled], policy: &Policy, vectors: Vectors) -> Report {
    let (dev, held): (Vec<Labelled>, Vec<Labelled>) = reports.iter().cloned().partition(is_dev);
    Report {
        all: replay(reports, policy, vectors),
        dev: replay(&dev, policy, vectors),
        held_out: replay(&held, policy, vectors),
    }
}

/// The target and the line CI holds.
pub const TARGET: (f64, f64) = (0.95, 0.85);
pub const FLOOR: (f64, f64) = (0.90, 0.80);

/// The figures under CI's floor, each with its floor ("exhaustividad 0.762 (mínimo
/// 0.80)"); empty when both reach it. Only what missed is named, so a reader of the log
/// knows which figure to work on.
pub fn below_floor(precision: f64, recall: f64) -> Vec<String> {
    [
        ("precisión", precision, FLOOR.0),
        ("exhaustividad", recall, FLOOR.1),
    ]
    .into_iter()
    .filter(|&(_, value, floor)| value < floor)
    .map(|(name, value, floor)| format!("{name} {value:.3} (mínimo {floor:.2})"))
    .collect()
}

mod errors;
#[cfg(test)]
mod grid;

pub use errors::errors;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::embedding::shipped_vectors;

    fn line(id: &str, event: Option<&str>, text: &str, colonia: &str, minute: i64) -> Labelled {
        Labelled {
            id: id.into(),
            event: event.map(Into::into),
            text: text.into(),
            category: "emergency_911".into(),
            region: "son-centro".into(),
            colonia: Some(colonia.into()),
            municipality: Some("Hermosillo".into()),
            group: format!("g-{id}"),
            minute,
            lat: None,
            lon: None,
            forwarded: false,
            photo: None,
        }
    }

    #[test]
    fn only_the_figure_under_its_floor_is_named() {
        assert!(below_floor(0.95, 0.85).is_empty());
        assert_eq!(
            below_floor(0.762, 0.855),
            vec!["precisión 0.762 (mínimo 0.90)".to_owned()]
        );
        assert_eq!(
            below_floor(0.95, 0.529),
            vec!["exhaustividad 0.529 (mínimo 0.80)".to_owned()]
        );
        assert_eq!(below_floor(0.5, 0.5).len(), 2);
    }

    #[test]
    fn pairs_are_counted_against_events() {
        // Incidents {a,b,c} and {d}; events {a,b} and {c,d}.
        let s = score(&[
            (1, Some("e1")),
            (1, Some("e1")),
            (1, Some("e2")),
            (2, Some("e2")),
        ]);
        assert_eq!((s.predicted_pairs, s.true_pairs, s.both), (3, 2, 1));
        assert!((s.precision() - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.recall() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn a_burst_groups_and_strangers_in_the_same_colonia_stay_apart() {
        let mut past_theft = line(
            "3",
            None,
            "me robaron el tanque de gas anoche, pidan rondines",
            "Villa Bonita",
            5,
        );
        past_theft.category = "patrol".into();
        let file = vec![
            line(
                "1",
                Some("e"),
                "se escuchan balazos en la calle rosales",
                "Villa Bonita",
                0,
            ),
            line(
                "2",
                Some("e"),
                "balazos por la rosales, vengan",
                "Villa Bonita",
                3,
            ),
            past_theft,
            line(
                "4",
                Some("e"),
                "se oyeron como 5 balazos en rosales",
                "Villa Bonita",
                7,
            ),
            // Another shooting, on another street, while the first is still told.
            line(
                "5",
                None,
                "ahora balazos en la calle Mina!!",
                "Villa Bonita",
                9,
            ),
        ];
        let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
        assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
        assert_eq!(s.incidents, 3);
    }

    #[test]
    fn a_late_emergency_report_needs_more_evidence() {
        let needed = |minute: i64| {
            let file = vec![
                line("1", Some("e"), "balazos en la calle Rosales!!", "Centro", 0),
                line(
                    "2",
                    Some("e"),
                    "balazos en la calle Rosales!!",
                    "Centro",
                    minute,
                ),
            ];
            let decided = decisions(&file, &Policy::default(), Some(&shipped_vectors()));
            let (_, _, second) = &decided[1];
            assert!(second.incident.is_some(), "joins at minute {minute}");
            let detail = second
                .signals
                .iter()
                .find(|s| s.name == "parecido")
                .and_then(|s| s.detail.clone())
                .unwrap_or_default();
            detail
                .rsplit("umbral ")
                .next()
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or_default()
        };
        let (early, late) = (needed(0), needed(81));
        // 0.10 more over the whole 90-minute window: 0.09 at minute 81.
        assert!((late - early - 0.09).abs() < 0.011, "{early} -> {late}");
    }

    #[test]
    fn a_comment_follows_the_incident_neighbours_wrote_in_last() {
        let mut comment = line(
            "3",
            Some("celulares"),
            "no puede ser, otra vez?? son los mismos de la farmacia?",
            "Centro",
            42,
        );
        comment.category = "other".into();
        let file = vec![
            line(
                "1",
                Some("farmacia"),
                "estan asaltando la farmacia de la Serdan, son 2 con pistola",
                "Centro",
                0,
            ),
            line(
                "2",
                Some("celulares"),
                "otro asalto!! ahora en la de celulares de la 22, entraron 3 morros",
                "Centro",
                40,
            ),
            // Reads like the pharmacy's robbery (it names it), but it answers the second.
            comment,
        ];
        let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
        assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
        assert_eq!(s.incidents, 2);
    }

    #[test]
    fn also_widens_a_standing_problem_and_again_opens_a_new_emergency() {
        let patrol = |id: &str, text: &str, minute: i64| {
            let mut l = line(id, Some("robos"), text, "Tierra Blanca", minute);
            l.category = "patrol".into();
            l
        };
        let file = vec![
            patrol(
                "1",
                "anoche robaron 2 casas en la calle Allende, pedimos rondines",
                0,
            ),
            // Another street, but it says it adds to the request.
            patrol(
                "2",
                "En la Morelos tambien, anoche se robaron una bici. pedimos patrulla",
                300,
            ),
            line(
                "3",
                Some("b1"),
                "balazos en la calle Allende!!",
                "Tierra Blanca",
                900,
            ),
            line(
                "4",
                Some("b1"),
                "se oyeron balazos por la allende",
                "Tierra Blanca",
                903,
            ),
            // Half an hour of quiet, then "otra vez": a new shooting.
            line(
                "5",
                None,
                "otra vez balazos en la allende!!",
                "Tierra Blanca",
                940,
            ),
        ];
        let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
        assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
        assert_eq!(s.incidents, 3);
    }

    #[test]
    fn another_fire_and_another_child_are_new_emergencies_while_the_first_is_told() {
        let file = vec![
            line(
                "1",
                Some("fuego1"),
                "se esta quemando una casa en la calle Mina, mucho humo negro",
                "Dale",
                0,
            ),
            line(
                "2",
                Some("fuego1"),
                "ya llegaron los bomberos a la casa que se quema",
                "Dale",
                15,
            ),
            // Half an hour in, with reports still coming: "otro incendio" is the second.
            line(
                "3",
                Some("fuego2"),
                "OTRO incendio, ahora es el lote baldio de atras de la iglesia",
                "Dale",
                30,
            ),
            line(
                "4",
                Some("nino"),
                "se perdio un niño de 7 años en el tianguis, playera roja",
                "Anapra",
                40,
            ),
            // Another age: another child, though it reads like the first.
            line(
                "5",
                Some("nina"),
                "se perdio una niña de 4 años en el tianguis, vestido rosa",
                "Anapra",
                50,
            ),
            line(
                "6",
                Some("nino"),
                "ya aparecio el niño de 7 años, gracias",
                "Anapra",
                60,
            ),
        ];
        let s = replay(&file, &Policy::default(), Some(&shipped_vectors()));
        assert_eq!((s.precision(), s.recall()), (1.0, 1.0), "{s}");
        assert_eq!(s.incidents, 4);
    }

    #[test]
    fn a_comment_does_not_count_its_category_as_evidence() {
        let mut file = vec![line(
            "1",
            Some("asalto"),
            "estan asaltando la farmacia de la Libertad, son dos con cuchillo",
            "Centro",
            0,
        )];
        for (id, text, minute) in [
            ("2", "que miedo, asaltando la farmacia ahorita", 2),
            ("3", "dicen que son dos los de la farmacia", 4),
        ] {
            let mut l = line(id, Some("asalto"), text, "Centro", minute);
            l.category = "other".into();
            file.push(l);
        }
        let run = decisions(&file, &Policy::default(), Some(&shipped_vectors()));
        // The third joins; that the second is a comment too is no evidence it is about
        // the robbery.
        let (_, incident, decision) = &run[2];
        assert_eq!(*incident, run[0].1, "{decision:?}");
        let category = decision.signals.iter().find(|s| s.name == "categoría");
        assert_eq!(category.map(|s| s.score), Some(0.0), "{decision:?}");
    }

    #[test]
    fn bad_lines_name_their_number() {
        let err = parse("\n{\"id\": 1}\n").unwrap_err();
        assert!(err.starts_with("línea 2"), "{err}");
    }
}
