//! How report texts are read for grouping, fitted together on the agency's recent reports
//! (the service) or on the texts being evaluated (`alerta incidents eval`), never on
//! labels: the meaning, where "unrelated" sits on its scale, and the street names.

use super::meaning::{Meaning, NgramTfidf, Scale};
use super::places::Gazetteer;

/// What reading a report's text needs; borrowed from a [`Fitted`].
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    pub meaning: &'a dyn Meaning,
    pub scale: Scale,
    pub gazetteer: &'a Gazetteer,
}

/// The fitted parts a [`Reader`] borrows.
pub struct Fitted {
    pub meaning: NgramTfidf,
    pub scale: Scale,
    pub gazetteer: Gazetteer,
}

impl Fitted {
    /// Fits the n-gram weights, the similarity floor and the street names on `corpus`.
    pub fn fit(corpus: &[&str]) -> Fitted {
        let meaning = NgramTfidf::fit(corpus.iter().copied());
        let scale = Scale::measure(&meaning, corpus);
        Fitted {
            meaning,
            scale,
            gazetteer: Gazetteer::fit(corpus.iter().copied()),
        }
    }

    pub fn reader(&self) -> Reader<'_> {
        Reader {
            meaning: &self.meaning,
            scale: self.scale,
            gazetteer: &self.gazetteer,
        }
    }
}
