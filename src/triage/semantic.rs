//! The semantic pass: static word vectors distilled from multilingual-e5-small (the
//! model2vec method; `scripts/triage_vectors.py` writes `config/triage/vectors.bin`).
//!
//! Why distilled and not the encoder itself: e5-small costs milliseconds per message on one
//! core, intake has about 50 µs; averaging a message's word vectors costs a few
//! microseconds and keeps most of what the encoder knows about words the corpora never used
//! together (README, "Triage quality", has the measurements).
//!
//! A message's vector is the weighted mean of its normalised words' vectors (smooth
//! inverse frequency weights, so "de" and "la" count for little), L2-normalised. A word the
//! file does not hold falls back to its 5-letter, then 4-letter prefix (typos and
//! inflections keep their start), else it is skipped. The vector feeds the calibrated
//! stage ([`super::stack`]) and finds the nearest labelled training examples that the
//! reasons name ([`Neighbours`]).

use std::collections::HashMap;

use super::{normalize, Category, TriageConfigError};

/// Dimensions of the distilled vectors (the file must have exactly these).
pub const DIM: usize = 64;

const MAGIC: &[u8; 8] = b"ALRTVEC1";

/// A message's semantic vector, L2-normalised (all zeros when no word is known).
pub type SemVec = [f32; DIM];

// `dot` walks the vector eight lanes at a time.
const _: () = assert!(DIM.is_multiple_of(8));

/// The vectors file could not be used; the classifier then runs without the semantic pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("vectors file: {0}")]
pub struct VectorsError(pub String);

/// The distilled vocabulary: item → (weight, vector).
#[derive(Debug, Clone)]
pub struct WordVectors {
    index: HashMap<Box<str>, u32>,
    weights: Vec<f32>,
    /// `count × DIM`, dequantised.
    data: Vec<f32>,
}

impl WordVectors {
    /// Reads the file written by `scripts/triage_vectors.py` (layout in its docstring).
    /// Anything short, mislabelled or of another dimension is an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VectorsError> {
        let bad = |what: &str| VectorsError(what.to_owned());
        let mut r = Reader { bytes, pos: 0 };
        if r.take(8).ok_or_else(|| bad("too short"))? != MAGIC {
            return Err(bad("not a vectors file (bad magic)"));
        }
        let dim = r.u32().ok_or_else(|| bad("too short"))? as usize;
        let count = r.u32().ok_or_else(|| bad("too short"))? as usize;
        if dim != DIM {
            return Err(VectorsError(format!(
                "{dim} dimensions, this build reads {DIM}"
            )));
        }
        let mut scale = [0f32; DIM];
        for s in &mut scale {
            *s = r.f32().ok_or_else(|| bad("truncated scales"))?;
        }
        let mut index = HashMap::with_capacity(count);
        let mut weights = Vec::with_capacity(count);
        let mut data = Vec::with_capacity(count * DIM);
        for i in 0..count {
            let truncated = || VectorsError(format!("truncated at item {i}"));
            let len = usize::from(r.u8().ok_or_else(truncated)?);
            let word = std::str::from_utf8(r.take(len).ok_or_else(truncated)?)
                .map_err(|_| VectorsError(format!("item {i} is not UTF-8")))?;
            weights.push(f32::from(r.u8().ok_or_else(truncated)?) / 255.0);
            let row = r.take(DIM).ok_or_else(truncated)?;
            data.extend(row.iter().zip(&scale).map(|(&q, s)| f32::from(q as i8) * s));
            index.insert(word.into(), i as u32);
        }
        if data.iter().any(|v| !v.is_finite()) {
            return Err(bad("non-finite values"));
        }
        Ok(WordVectors {
            index,
            weights,
            data,
        })
    }

    /// Number of vocabulary items.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when the file held no items.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    fn lookup(&self, word: &str) -> Option<usize> {
        if let Some(&i) = self.index.get(word) {
            return Some(i as usize);
        }
        let mut key = String::with_capacity(6);
        for n in [5, 4] {
            if word.len() > n && word.is_char_boundary(n) {
                key.clear();
                key.push_str(&word[..n]);
                key.push('~');
                if let Some(&i) = self.index.get(key.as_str()) {
                    return Some(i as usize);
                }
            }
        }
        None
    }

    /// The vector of an already normalised text ([`normalize`]).
    pub fn embed_normalized(&self, normalized: &str) -> SemVec {
        let mut acc = [0f32; DIM];
        for word in normalized.split(' ').filter(|w| !w.is_empty() && *w != "?") {
            if let Some(i) = self.lookup(word) {
                let w = self.weights[i];
                let row = &self.data[i * DIM..(i + 1) * DIM];
                for (a, v) in acc.iter_mut().zip(row) {
                    *a += w * v;
                }
            }
        }
        let norm = acc.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for a in &mut acc {
                *a /= norm;
            }
        }
        acc
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Option<f32> {
        self.u32().map(f32::from_bits)
    }
}

/// A labelled training example the reasons can name.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Corpus id, e.g. `w3-0001`.
    pub id: String,
    /// Its label.
    pub category: Category,
    /// The text (tabs and line breaks as spaces).
    pub text: String,
}

/// The `@ex` rows of a model file: `@ex<TAB>id<TAB>category<TAB>text`. Errors name the line.
pub fn examples_from_tsv(text: &str) -> Result<Vec<Example>, TriageConfigError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(row) = line.strip_prefix("@ex\t") else {
            continue;
        };
        let err = |message: &str| TriageConfigError {
            line: i + 1,
            message: format!("model: {message}"),
        };
        let mut cols = row.splitn(3, '\t');
        let (Some(id), Some(cat), Some(text)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(err("@ex needs an id, a category and a text"));
        };
        let category = cat
            .parse::<Category>()
            .map_err(|_| err(&format!("@ex {id}: unknown category {cat:?}")))?;
        out.push(Example {
            id: id.to_owned(),
            category,
            text: text.to_owned(),
        });
    }
    Ok(out)
}

/// The `@ex` rows for `examples`, in order (tabs and line breaks in texts become spaces).
pub fn examples_to_tsv<'a>(examples: impl Iterator<Item = (&'a str, Category, &'a str)>) -> String {
    let mut out = String::from("# labelled examples the reasons can name (nearest by vector)\n");
    for (id, category, text) in examples {
        let flat: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        out.push_str(&format!(
            "@ex\t{id}\t{}\t{}\n",
            category.as_str(),
            flat.trim()
        ));
    }
    out
}

/// The labelled training examples with their vectors, to name the nearest ones.
#[derive(Debug, Clone)]
pub struct Neighbours {
    examples: Vec<Example>,
    vectors: Vec<SemVec>,
    /// The same vectors in fixed point, for the scan (see [`Neighbours::nearest`]).
    coarse: Vec<Coarse>,
}

/// A unit vector in fixed point: each component times [`COARSE_ONE`], as `i16`.
type Coarse = [i16; DIM];

/// 1.0 in [`Coarse`] units: 64 products of at most 2^12 × 2^12 sum below 2^31.
const COARSE_ONE: f32 = 4096.0;

/// How many candidates the fixed-point scan keeps for the exact products: its rounding
/// moves a cosine by about 0.001, far less than the gap between the third and the
/// sixteenth nearest example.
const SHORTLIST: usize = 16;

/// How many nearest examples the reasons name.
pub const NEAREST: usize = 3;
/// Characters of an example's text quoted in a reason.
const QUOTE_CHARS: usize = 60;

impl Neighbours {
    /// Embeds every example with `vectors`; examples with no known word are left out.
    pub fn new(examples: Vec<Example>, vectors: &WordVectors) -> Self {
        let mut kept = Vec::with_capacity(examples.len());
        let mut vecs = Vec::with_capacity(examples.len());
        for e in examples {
            let v = vectors.embed_normalized(&normalize(&e.text));
            if v.iter().any(|x| *x != 0.0) {
                kept.push(e);
                vecs.push(v);
            }
        }
        Neighbours {
            examples: kept,
            coarse: vecs.iter().map(coarse).collect(),
            vectors: vecs,
        }
    }

    /// Number of examples held.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// True when no example is held.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// The `NEAREST` most similar examples (cosine), best first (ties: the earlier
    /// example); none for a zero vector.
    ///
    /// The scan over every example (one product each, for every message, on intake's path)
    /// runs in 16-bit fixed point, which the compiler turns into packed multiply-adds; the
    /// float products it replaced stayed scalar and were 18 % of intake's CPU. The
    /// shortlist is then ranked by the exact float cosine, so the names and similarities an
    /// operator reads are the float scan's.
    pub fn nearest(&self, v: &SemVec) -> Vec<(&Example, f32)> {
        if v.iter().all(|x| *x == 0.0) {
            return Vec::new();
        }
        let q = coarse(v);
        let mut short: Vec<(usize, i32)> = Vec::with_capacity(SHORTLIST + 1);
        for (i, e) in self.coarse.iter().enumerate() {
            let s = coarse_dot(e, &q);
            if short.len() < SHORTLIST || s > short[short.len() - 1].1 {
                let at = short.iter().position(|b| s > b.1).unwrap_or(short.len());
                short.insert(at, (i, s));
                short.truncate(SHORTLIST);
            }
        }
        let mut best: Vec<(usize, f32)> = short
            .into_iter()
            .map(|(i, _)| (i, dot(&self.vectors[i], v)))
            .collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        best.truncate(NEAREST);
        best.into_iter()
            .map(|(i, s)| (&self.examples[i], s))
            .collect()
    }
}

fn coarse(v: &SemVec) -> Coarse {
    let mut c = [0i16; DIM];
    for k in 0..DIM {
        // A unit vector's components lie in [-1, 1]; the clamp guards a rounding overshoot.
        c[k] = (v[k] * COARSE_ONE).round().clamp(-COARSE_ONE, COARSE_ONE) as i16;
    }
    c
}

/// Integer sums may be reordered, so this plain loop vectorises (unlike a float sum).
fn coarse_dot(a: &Coarse, b: &Coarse) -> i32 {
    let mut s = 0i32;
    for k in 0..DIM {
        s += i32::from(a[k]) * i32::from(b[k]);
    }
    s
}

/// Dot product of two vectors in eight independent lanes (a single running float sum
/// cannot be reordered), without iterator adaptors, which an unoptimised test build would
/// call one by one. Used on the shortlist only.
fn dot(a: &SemVec, b: &SemVec) -> f32 {
    let (a, _) = a.as_chunks::<8>();
    let (b, _) = b.as_chunks::<8>();
    let mut lanes = [0f32; 8];
    for k in 0..DIM / 8 {
        let (x, y) = (&a[k], &b[k]);
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
}

/// The reason an operator reads for a near example, in Spanish:
/// `parecido a w3-0001 (Emergencia 9-1-1, similitud 0.82): «hay un señor tirado…»`.
pub fn reason(example: &Example, similarity: f32) -> String {
    let mut quote: String = example.text.chars().take(QUOTE_CHARS).collect();
    if example.text.chars().count() > QUOTE_CHARS {
        quote.push('…');
    }
    format!(
        "parecido a {} ({}, similitud {:.2}): «{}»",
        example.id,
        example.category.label_es(),
        similarity,
        quote.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vectors file with the given items, each a unit vector along one axis.
    pub(crate) fn file(items: &[(&str, usize)]) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend((DIM as u32).to_le_bytes());
        b.extend((items.len() as u32).to_le_bytes());
        for _ in 0..DIM {
            b.extend((1.0f32 / 127.0).to_le_bytes());
        }
        for (word, axis) in items {
            b.push(word.len() as u8);
            b.extend(word.as_bytes());
            b.push(255);
            let mut row = [0u8; DIM];
            row[*axis] = 127;
            b.extend(row);
        }
        b
    }

    #[test]
    fn reads_the_file_and_averages_known_words_with_prefix_fallback() {
        let v =
            WordVectors::from_bytes(&file(&[("balazo", 0), ("herid~", 1), ("gato", 2)])).unwrap();
        assert_eq!(v.len(), 3);
        let e = v.embed_normalized("se oyo un balazo y hay un herido");
        assert!((e[0] - e[1]).abs() < 1e-6 && e[0] > 0.7, "{e:?}");
        assert_eq!(e[2], 0.0);
        assert_eq!(v.embed_normalized("nada conocido aqui"), [0.0; DIM]);
        assert_eq!(v.embed_normalized(""), [0.0; DIM]);
    }

    #[test]
    fn a_broken_file_is_an_error_not_a_panic() {
        let good = file(&[("balazo", 0)]);
        for cut in [0, 5, 12, 20, good.len() - 1] {
            assert!(WordVectors::from_bytes(&good[..cut]).is_err(), "cut {cut}");
        }
        let mut wrong = good.clone();
        wrong[0] = b'X';
        assert!(WordVectors::from_bytes(&wrong)
            .unwrap_err()
            .0
            .contains("magic"));
        let mut dims = good.clone();
        dims[8] = 32;
        assert!(WordVectors::from_bytes(&dims).unwrap_err().0.contains("32"));
    }

    #[test]
    fn nearest_examples_come_best_first_and_read_in_spanish() {
        let v =
            WordVectors::from_bytes(&file(&[("balazo", 0), ("gato", 1), ("bache", 2)])).unwrap();
        let ex = |id: &str, category, text: &str| Example {
            id: id.into(),
            category,
            text: text.into(),
        };
        let n = Neighbours::new(
            vec![
                ex("a-1", Category::Emergency911, "un balazo"),
                ex("a-2", Category::Other, "mi gato"),
                ex("a-3", Category::Patrol, "balazo y gato"),
                ex("a-4", Category::Other, "zzz"),
            ],
            &v,
        );
        assert_eq!(n.len(), 3);
        let near = n.nearest(&v.embed_normalized("otro balazo"));
        assert_eq!(near[0].0.id, "a-1");
        assert_eq!(near[1].0.id, "a-3");
        assert!(near[0].1 > near[1].1 && near[1].1 > near[2].1);
        let r = reason(near[0].0, near[0].1);
        assert!(
            r.starts_with("parecido a a-1 (") && r.contains("similitud 1.00"),
            "{r}"
        );
        assert!(n.nearest(&[0.0; DIM]).is_empty());
    }

    #[test]
    fn the_fixed_point_scan_finds_what_the_float_scan_finds() {
        // Pseudo-random unit vectors (a fixed LCG), many of them close to each other.
        let mut seed = 0x2545_f491_u64;
        let mut unit = || {
            let mut v = [0f32; DIM];
            for x in v.iter_mut() {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                *x = ((seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5;
            }
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.map(|x| x / n)
        };
        let vectors: Vec<SemVec> = (0..600).map(|_| unit()).collect();
        let examples = (0..vectors.len())
            .map(|i| Example {
                id: format!("r-{i}"),
                category: Category::Other,
                text: String::new(),
            })
            .collect();
        let n = Neighbours {
            examples,
            coarse: vectors.iter().map(coarse).collect(),
            vectors: vectors.clone(),
        };
        for _ in 0..60 {
            let q = unit();
            let mut exact: Vec<(usize, f32)> =
                vectors.iter().map(|e| dot(e, &q)).enumerate().collect();
            exact.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let got: Vec<(String, f32)> = n
                .nearest(&q)
                .into_iter()
                .map(|(e, s)| (e.id.clone(), s))
                .collect();
            let want: Vec<(String, f32)> = exact[..NEAREST]
                .iter()
                .map(|(i, s)| (format!("r-{i}"), *s))
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn example_rows_round_trip_and_name_bad_lines() {
        let tsv = examples_to_tsv([("w3-1", Category::Patrol, "manden\tpatrulla\nya")].into_iter());
        let ex = examples_from_tsv(&format!("#x\n@w.bias\t1\n{tsv}")).unwrap();
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].text, "manden patrulla ya");
        assert_eq!(ex[0].category, Category::Patrol);
        let e = examples_from_tsv("#x\n@ex\tw3-1\tnonsense\thola\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(examples_from_tsv("@ex\tw3-1\n").is_err());
    }
}
