//! How alike two reports read: the n-grams' reading and, when triage's word vectors
//! loaded, theirs, each above its own floor ([`super::meaning::Scale`]), weighed into the
//! one score the evidence starts from.
//!
//! The weighing, measured on the three development files (README, "Incident grouping
//! quality"): against an emergency the score is the n-grams' reading plus
//! [`Policy::sense_weight`] × the vectors'; against a standing problem it is the n-grams'
//! alone.
//!
//! - Against an emergency, reports come within the hour from one colonia, and there the
//!   vectors tell neighbours who use other words ("cuetes muy seguidos", "balacera") from
//!   noise better than n-grams do: recall rose on both new writers' files with no loss of
//!   precision (0.4 measured best of 0.1-0.5; 0.5 began joining a second fire to the
//!   first).
//! - Against a patrol, tip or talk request the vectors read *topic*, and one colonia holds
//!   many requests on one topic over two days (drugs sold at two houses, two dark
//!   streets): any weight there cost precision on all three files.
//! - Neither alone: the vectors alone lost 0.2-0.3 precision (every security report reads
//!   like every other), and the larger of the two readings lost as much.

use super::grouping::{Member, Signal};
use super::policy::{Family, Policy};
use super::reading::Reader;

/// Both readings of one pair and what grouping counts.
#[derive(Debug, Clone, Copy)]
pub struct Alike {
    /// Cosine and its place above the floor, in the n-grams.
    pub text: (f64, f64),
    /// The same in the word vectors, when they loaded.
    pub sense: Option<(f64, f64)>,
    /// What the score starts from.
    pub score: f64,
}

impl Alike {
    /// How `me` reads against `other`, a report of an incident of `category`.
    pub fn of(
        policy: &Policy,
        reader: &Reader,
        me: &Member,
        other: &Member,
        category: &str,
    ) -> Alike {
        let cosine = me.vector.cosine(&other.vector);
        let text = (cosine, reader.scale.alike(cosine));
        let sense = match (&reader.sense, &me.sense, &other.sense) {
            (Some((_, scale)), Some(a), Some(b)) => {
                let cosine = a.cosine(b);
                Some((cosine, scale.alike(cosine)))
            }
            _ => None,
        };
        let weight = match Family::of(category) {
            Family::Emergency => policy.sense_weight,
            _ => 0.0,
        };
        let score = text.1 + weight * sense.map_or(0.0, |(_, alike)| alike);
        Alike { text, sense, score }
    }

    /// One signal per reading, then the two weighed, with the score and the threshold.
    pub fn signals(&self, reader: &Reader, score: f64, needed: f64) -> Vec<Signal> {
        let mut out = vec![Signal::new(
            "texto",
            self.text.1,
            format!(
                "{} {:.2} sobre el piso {:.2}",
                reader.meaning.name(),
                self.text.0,
                reader.scale.floor
            ),
        )];
        if let (Some((cosine, alike)), Some((meaning, scale))) = (self.sense, reader.sense) {
            out.push(Signal::new(
                "sentido",
                alike,
                format!(
                    "{} {:.2} sobre el piso {:.2}",
                    meaning.name(),
                    cosine,
                    scale.floor
                ),
            ));
        }
        out.push(Signal::new(
            "parecido",
            self.score,
            format!("puntaje {score:.2}, umbral {needed:.2}"),
        ));
        out
    }
}

#[cfg(test)]
mod tests;
