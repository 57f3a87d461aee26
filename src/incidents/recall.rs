//! What the worker has already read of the open incidents' reports, so placing a report
//! costs one read of the new one rather than a re-read of every open one.
//!
//! The store stays the authority on *which* reports are open and in which incident (another
//! replica or an operator may have moved them since the last pass); only the reading of a
//! report's text (its meaning vector, the places and details it names) is kept. A reading
//! is reused when the facts it was made from are unchanged — an operator's reclassification
//! or a registry change that moves the report's colonia makes a new one — and only while
//! the same [`Fitted`] reads: a refit starts over, because the vectors and street names it
//! gives are not comparable with the old ones.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use super::grouping::{Facts, Member};
use super::reading::Fitted;

/// Readings of the reports seen in each region's last pass.
#[derive(Default)]
pub struct Recall {
    fitted: Option<Arc<Fitted>>,
    by_region: HashMap<String, HashMap<i64, (u64, Member)>>,
}

/// One region's readings during a pass; [`Recall::finish`] keeps only what it touched, so
/// reports that left the open set leave the memory too.
pub struct Pass {
    region: String,
    old: HashMap<i64, (u64, Member)>,
    kept: HashMap<i64, (u64, Member)>,
}

impl Recall {
    /// Starts reading `region`'s open reports with `fitted`.
    pub fn begin(&mut self, region: &str, fitted: &Arc<Fitted>) -> Pass {
        if !self.fitted.as_ref().is_some_and(|f| Arc::ptr_eq(f, fitted)) {
            self.by_region.clear();
            self.fitted = Some(fitted.clone());
        }
        Pass {
            region: region.to_owned(),
            old: self.by_region.remove(region).unwrap_or_default(),
            kept: HashMap::new(),
        }
    }

    /// Keeps what `pass` read for the region's next pass.
    pub fn finish(&mut self, pass: Pass) {
        self.by_region.insert(pass.region, pass.kept);
    }

    /// Reports held, over all regions.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.by_region.values().map(HashMap::len).sum()
    }
}

impl Pass {
    /// The reading of `facts`: the one kept from the last pass when its facts are the same,
    /// otherwise a new one.
    pub fn member(&mut self, facts: &Facts, fitted: &Fitted) -> Member {
        let key = fingerprint(facts);
        let member = match self.old.remove(&facts.report_id) {
            Some((k, m)) if k == key => m,
            _ => Member::new(facts, &fitted.reader()),
        };
        self.kept.insert(facts.report_id, (key, member.clone()));
        member
    }
}

/// Everything [`Member::new`] reads, hashed.
fn fingerprint(f: &Facts) -> u64 {
    let mut h = DefaultHasher::new();
    f.report_id.hash(&mut h);
    f.group.hash(&mut h);
    f.colonia.hash(&mut h);
    f.municipality.hash(&mut h);
    f.category.hash(&mut h);
    f.at.hash(&mut h);
    f.pin.map(|(a, b)| (a.to_bits(), b.to_bits())).hash(&mut h);
    f.text.hash(&mut h);
    f.photo.hash(&mut h);
    f.forwarded.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn facts(id: i64, text: &str) -> Facts {
        Facts {
            report_id: id,
            group: "cv-centro".into(),
            region: "son-centro".into(),
            colonia: Some("Centro".into()),
            municipality: Some("Hermosillo".into()),
            category: "emergency_911".into(),
            at: DateTime::<Utc>::from_timestamp(1_790_000_000, 0).unwrap_or_default(),
            pin: None,
            text: text.into(),
            photo: None,
            forwarded: false,
        }
    }

    fn fitted() -> Arc<Fitted> {
        Arc::new(Fitted::fit(
            &[
                "balazos en la calle Mina",
                "se robaron una bici en el parque",
                "platica de prevencion para la escuela",
            ],
            None,
        ))
    }

    #[test]
    fn a_reading_is_reused_only_while_its_facts_and_fit_hold() {
        let (fit, mut recall) = (fitted(), Recall::default());
        let mut pass = recall.begin("son-centro", &fit);
        let first = pass.member(&facts(1, "balazos en la calle Mina"), &fit);
        pass.member(&facts(2, "se robaron una bici"), &fit);
        recall.finish(pass);
        assert_eq!(recall.held(), 2);

        // Same facts: the kept reading. Report 2 was not open any more this pass, so it
        // is forgotten.
        let mut pass = recall.begin("son-centro", &fit);
        let kept = pass.member(&facts(1, "balazos en la calle Mina"), &fit);
        assert_eq!(kept.vector, first.vector);
        recall.finish(pass);
        assert_eq!(recall.held(), 1);

        // The text edited since: a new reading.
        let mut pass = recall.begin("son-centro", &fit);
        let edited = pass.member(&facts(1, "platica de prevencion"), &fit);
        assert_ne!(edited.vector, first.vector);
        recall.finish(pass);

        // A refit forgets everything it read with the old fit.
        let refit = fitted();
        let pass = recall.begin("son-norte", &refit);
        recall.finish(pass);
        assert_eq!(recall.held(), 0);
    }
}
