//! How report texts are read for grouping, fitted together on the agency's recent reports
//! (the service) or on the texts being evaluated (`alerta incidents eval`), never on
//! labels: the meanings, where "unrelated" sits on each one's scale, and the street names.

use std::sync::Arc;

use super::embedding::Embedding;
use super::meaning::{Meaning, NgramTfidf, Scale};
use super::places::Gazetteer;
use crate::triage::semantic::WordVectors;

/// What reading a report's text needs; borrowed from a [`Fitted`].
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    /// Character n-grams: always there.
    pub meaning: &'a dyn Meaning,
    pub scale: Scale,
    /// The triage model's word vectors and their scale, when they loaded.
    pub sense: Option<(&'a dyn Meaning, Scale)>,
    pub gazetteer: &'a Gazetteer,
}

impl Reader<'_> {
    /// What measured how alike texts read, recorded beside every decision.
    pub fn meanings(&self) -> String {
        match &self.sense {
            Some((sense, _)) => format!("{}+{}", self.meaning.name(), sense.name()),
            None => self.meaning.name().to_owned(),
        }
    }
}

/// The fitted parts a [`Reader`] borrows.
pub struct Fitted {
    pub meaning: NgramTfidf,
    pub scale: Scale,
    pub sense: Option<(Embedding, Scale)>,
    pub gazetteer: Gazetteer,
}

impl Fitted {
    /// Fits the n-gram weights, the similarity floors and the street names on `corpus`;
    /// `vectors` are triage's word vectors (`None` when they did not load: grouping then
    /// reads with the n-grams alone).
    pub fn fit(corpus: &[&str], vectors: Option<Arc<WordVectors>>) -> Fitted {
        let meaning = NgramTfidf::fit(corpus.iter().copied());
        let scale = Scale::measure(&meaning, corpus);
        let sense = vectors.map(|v| {
            let embedding = Embedding::new(v);
            let scale = Scale::measure(&embedding, corpus);
            (embedding, scale)
        });
        Fitted {
            meaning,
            scale,
            sense,
            gazetteer: Gazetteer::fit(corpus.iter().copied()),
        }
    }

    pub fn reader(&self) -> Reader<'_> {
        Reader {
            meaning: &self.meaning,
            scale: self.scale,
            sense: self.sense.as_ref().map(|(e, s)| (e as &dyn Meaning, *s)),
            gazetteer: &self.gazetteer,
        }
    }
}
