//! How alike two reports read: the similarity interface grouping asks, and the first thing
//! that always serves it, character n-gram TF-IDF over the normalised text.
//!
//! Neighbours describe one event in different words ("se oyeron balazos por la Jesús
//! García", "acaban de disparar frente a la primaria"), so word overlap is weak evidence;
//! character n-grams still catch shared stems, street names and misspellings that
//! `triage::normalize` did not fold. The triage model's word vectors serve the same trait
//! as a dense [`Vector`] ([`super::embedding`]), read beside the n-grams
//! ([`super::alike`]).

use std::collections::HashMap;

use crate::triage::normalize;

/// A text's position in some meaning space, unit length, so cosine is a dot product.
#[derive(Debug, Clone, PartialEq)]
pub enum Vector {
    /// Sorted by feature id, no repeats.
    Sparse(Vec<(u32, f32)>),
    /// An embedding.
    Dense(Vec<f32>),
}

impl Vector {
    /// Cosine similarity in [0, 1] for the non-negative weights n-grams give (embeddings
    /// may go below 0; clamped, since "opposite" is no more alike than "unrelated").
    pub fn cosine(&self, other: &Vector) -> f64 {
        let dot = match (self, other) {
            (Vector::Sparse(a), Vector::Sparse(b)) => {
                let (mut i, mut j, mut dot) = (0, 0, 0.0f64);
                while i < a.len() && j < b.len() {
                    match a[i].0.cmp(&b[j].0) {
                        std::cmp::Ordering::Less => i += 1,
                        std::cmp::Ordering::Greater => j += 1,
                        std::cmp::Ordering::Equal => {
                            dot += f64::from(a[i].1) * f64::from(b[j].1);
                            i += 1;
                            j += 1;
                        }
                    }
                }
                dot
            }
            (Vector::Dense(a), Vector::Dense(b)) => a
                .iter()
                .zip(b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum(),
            // Vectors from two different meanings are not comparable.
            _ => 0.0,
        };
        dot.clamp(0.0, 1.0)
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Vector::Sparse(v) => v.is_empty(),
            Vector::Dense(v) => v.is_empty(),
        }
    }
}

/// What grouping needs from a model of meaning: a unit vector per text, the same for the
/// same text (decisions must be reproducible).
pub trait Meaning: Send + Sync {
    /// Recorded beside every decision, so an explanation names what measured it.
    fn name(&self) -> &'static str;
    fn vector(&self, text: &str) -> Vector;
}

/// Where "unrelated" sits on a meaning's cosine scale. Character n-grams give two
/// unrelated reports about 0.03; sentence embeddings give them about 0.85 (every Spanish
/// WhatsApp message is somewhat like every other). Grouping reads similarity above this
/// floor, so its thresholds mean the same whichever [`Meaning`] serves it and a better one
/// only changes which pairs stand out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub meaning: &'static str,
    /// The median cosine between reports that are (almost all) about different things.
    pub floor: f64,
}

/// Pairs measured for the floor: enough for a stable median, few enough that a slow
/// meaning (an embedding per text) fits it in moments.
const FLOOR_SAMPLE: usize = 400;

impl Scale {
    /// Measures the floor on `corpus` (recent reports, or the texts being evaluated; no
    /// labels): each sampled text against the one half the corpus away, which in a
    /// stream of reports is a different day and almost always a different event.
    pub fn measure(meaning: &dyn Meaning, corpus: &[&str]) -> Scale {
        let n = corpus.len();
        let step = (n / FLOOR_SAMPLE).max(1);
        let mut cosines: Vec<f64> = (0..n)
            .step_by(step)
            .take(FLOOR_SAMPLE)
            .filter_map(|i| {
                let j = (i + n / 2) % n;
                (i != j).then(|| meaning.vector(corpus[i]).cosine(&meaning.vector(corpus[j])))
            })
            .collect();
        cosines.sort_by(f64::total_cmp);
        Scale {
            meaning: meaning.name(),
            floor: cosines
                .get(cosines.len() / 2)
                .copied()
                .unwrap_or(0.0)
                .min(0.95),
        }
    }

    /// A scale with no floor (tests, and a meaning measured on nothing).
    pub fn raw(meaning: &dyn Meaning) -> Scale {
        Scale {
            meaning: meaning.name(),
            floor: 0.0,
        }
    }

    /// How much more alike than unrelated reports, in [0, 1].
    pub fn alike(&self, cosine: f64) -> f64 {
        ((cosine - self.floor) / (1.0 - self.floor)).clamp(0.0, 1.0)
    }
}

/// Character n-grams (3 to 5, words padded with a space so beginnings and endings count)
/// of the normalised text, weighted by sublinear term frequency × inverse document
/// frequency. The IDF is fitted on a corpus of reports (the agency's recent ones, or the
/// texts being evaluated: no labels are used), so "en la", "que" and "colonia" weigh
/// little and "balazos" or "primaria" a lot. N-grams the corpus never saw get the largest
/// IDF (as if seen once).
#[derive(Debug, Clone, Default)]
pub struct NgramTfidf {
    idf: HashMap<u32, f32>,
    unseen: f32,
}

const MIN_N: usize = 3;
const MAX_N: usize = 5;

impl NgramTfidf {
    /// Fits the document frequencies on `corpus`.
    pub fn fit<'a>(corpus: impl IntoIterator<Item = &'a str>) -> Self {
        let mut df: HashMap<u32, u32> = HashMap::new();
        let mut docs = 0u32;
        for text in corpus {
            docs += 1;
            let mut grams = ngrams(&normalize(text));
            grams.sort_unstable();
            grams.dedup();
            for g in grams {
                *df.entry(g).or_default() += 1;
            }
        }
        let n = f64::from(docs);
        let idf_of = |df: u32| (((1.0 + n) / (1.0 + f64::from(df))).ln() + 1.0) as f32;
        NgramTfidf {
            idf: df.into_iter().map(|(g, d)| (g, idf_of(d))).collect(),
            unseen: idf_of(1),
        }
    }
}

impl Meaning for NgramTfidf {
    fn name(&self) -> &'static str {
        "ngramas-tfidf"
    }

    fn vector(&self, text: &str) -> Vector {
        let mut grams = ngrams(&normalize(text));
        grams.sort_unstable();
        let mut weights: Vec<(u32, f32)> = Vec::with_capacity(grams.len());
        let mut i = 0;
        while i < grams.len() {
            let g = grams[i];
            let run = grams[i..].iter().take_while(|&&x| x == g).count();
            let tf = 1.0 + (run as f32).ln();
            weights.push((g, tf * self.idf.get(&g).copied().unwrap_or(self.unseen)));
            i += run;
        }
        let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut weights {
                *w /= norm;
            }
        }
        Vector::Sparse(weights)
    }
}

/// The n-gram ids of a normalised text: FNV-1a of the bytes, stable across runs and
/// machines (a `HashMap`'s hasher is not).
fn ngrams(normalised: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for word in normalised.split(' ').filter(|w| !w.is_empty() && *w != "?") {
        let padded: Vec<char> = std::iter::once(' ')
            .chain(word.chars())
            .chain(std::iter::once(' '))
            .collect();
        for n in MIN_N..=MAX_N {
            for w in padded.windows(n) {
                let mut h: u32 = 0x811c_9dc5 ^ n as u32;
                for c in w {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        h ^= u32::from(b);
                        h = h.wrapping_mul(0x0100_0193);
                    }
                }
                out.push(h);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> NgramTfidf {
        NgramTfidf::fit([
            "se oyeron balazos en la colonia",
            "hay un carro sospechoso en la colonia",
            "piden patrullaje en la escuela",
            "se robaron una bici en la calle",
        ])
    }

    #[test]
    fn shared_stems_score_higher_than_shared_function_words() {
        let m = model();
        let a = m.vector("Se oyeron BALAZOS por la Jesús García");
        let b = m.vector("escuchamos balazos cerca de la jesus garcia");
        let c = m.vector("hay un carro sospechoso en la colonia");
        assert!(a.cosine(&b) > 0.3, "{}", a.cosine(&b));
        assert!(
            a.cosine(&b) > 2.0 * a.cosine(&c),
            "{} {}",
            a.cosine(&b),
            a.cosine(&c)
        );
    }

    #[test]
    fn vectors_are_unit_and_deterministic() {
        let m = model();
        let a = m.vector("disparos frente a la primaria");
        assert_eq!(a, m.vector("disparos frente a la primaria"));
        assert!((a.cosine(&a) - 1.0).abs() < 1e-4);
        assert!(m.vector("").is_empty());
        assert_eq!(m.vector("").cosine(&a), 0.0);
    }

    #[test]
    fn the_scale_reads_similarity_above_what_unrelated_reports_share() {
        let m = model();
        let corpus = [
            "se oyeron balazos en la colonia",
            "hay un carro sospechoso en la colonia",
            "piden patrullaje en la escuela",
            "se robaron una bici en la calle",
        ];
        let scale = Scale::measure(&m, &corpus);
        assert!(scale.floor > 0.0 && scale.floor < 0.5, "{scale:?}");
        assert_eq!(scale.alike(scale.floor), 0.0);
        assert_eq!(scale.alike(1.0), 1.0);
        assert!(scale.alike(0.6) < 0.6);
        assert_eq!(Scale::raw(&m).alike(0.4), 0.4);
    }
}
