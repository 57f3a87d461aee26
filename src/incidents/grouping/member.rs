//! What grouping compares: a report's facts, the form it is read into once ([`Member`]:
//! its meaning, places, details and what it is about), and an open incident's members.

use chrono::{DateTime, Utc};

use crate::incidents::details::Details;
use crate::incidents::errands::is_errand;
use crate::incidents::follow_ups::Follows;
use crate::incidents::meaning::Vector;
use crate::incidents::phrases::words;
use crate::incidents::places::{extract, Places};
use crate::incidents::policy::Family;
use crate::incidents::problems::Problems;
use crate::incidents::reading::Reader;
use crate::incidents::search::Search;

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
    /// Its text in the n-grams, and in the word vectors when they loaded.
    pub vector: Vector,
    pub sense: Option<Vector>,
    pub places: Places,
    /// Coloured things it describes, and whether it tells a new occurrence.
    pub details: Details,
    pub photo: Option<String>,
    /// Hash of the normalised text (empty texts have none), and whether it was forwarded.
    pub text_hash: Option<u64>,
    pub forwarded: bool,
    /// It reads as the group's everyday business ([`crate::incidents::errands`]).
    pub errand: bool,
    /// The folio or the kind of request it names ([`crate::incidents::follow_ups`]).
    pub follows: Follows,
    /// Whether it tells of a missing person or news of a search ([`crate::incidents::search`]).
    pub search: Search,
    /// The kinds of standing problem it names (`incidents::problems`).
    pub problems: Problems,
}

impl Member {
    pub fn new(facts: &Facts, reader: &Reader) -> Self {
        let normalised = crate::triage::normalize(&facts.text);
        let words = words(&normalised);
        let exclude: Vec<&str> = [facts.colonia.as_deref(), facts.municipality.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        Member {
            report_id: facts.report_id,
            group: facts.group.clone(),
            colonia: facts.colonia.as_deref().map(fold),
            municipality: facts.municipality.as_deref().map(fold),
            category: facts.category.clone(),
            at: facts.at,
            pin: facts.pin,
            vector: reader.meaning.vector(&facts.text),
            sense: reader.sense.map(|(m, _)| m.vector(&facts.text)),
            places: extract(&facts.text, &exclude, reader.gazetteer),
            details: Details::of_words(&words),
            photo: facts.photo.clone(),
            text_hash: (!normalised.is_empty()).then(|| fnv64(&normalised)),
            forwarded: facts.forwarded,
            errand: is_errand(&words),
            follows: Follows::read(&facts.text, &words),
            search: Search::read(&words),
            problems: Problems::of_words(&words),
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
    /// An emergency about someone missing: a search.
    pub fn is_search(&self) -> bool {
        Family::of(&self.category) == Family::Emergency
            && self.members.iter().any(|m| m.search.missing)
    }
}

/// Colonia and municipality names compare without case or accents.
fn fold(s: &str) -> String {
    crate::triage::normalize(s)
}

/// FNV-1a, 64 bits: stable across runs and machines.
fn fnv64(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
