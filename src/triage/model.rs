//! A small multinomial naive Bayes model over words, word bigrams and 5-letter word
//! prefixes of the normalised text. It adds a bounded vote to the rules' scores and shows
//! up in the output as `model.<category>`, so it stays explainable.
//!
//! The model file (`config/triage/model.tsv`) is plain text, deterministic and diffable:
//! `#scale` (size of the vote), `#temperature` (softens the posterior), `#prior` and
//! `#unseen` (log-probability of an unseen feature, kept for reference: features absent
//! from the model are ignored) rows, then one row per feature with its per-category
//! log-probabilities in [`Category::ALL`] order. [`train_tsv`] writes it from labelled
//! text (`alerta triage train`); the shipped file is trained on `fixtures/triage/dev` and
//! `fixtures/triage/train`, never on `test` or `sealed`.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::{fnv1a, Category, TriageConfigError, FNV_OFFSET};

/// Runtime form of the model: features keyed by a hash, so scoring allocates nothing.
#[derive(Debug, Clone)]
pub struct NaiveBayes {
    scale: f32,
    /// Divides log-likelihoods before the softmax: naive Bayes is overconfident because
    /// it counts correlated features (a word and its bigrams) as independent evidence.
    temperature: f32,
    prior: [f32; 6],
    weights: HashMap<u64, [f32; 6], BuildHasherDefault<PassThrough>>,
}

/// Keys are already FNV hashes of the feature, so hashing them again is wasted work on
/// the hot path.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl NaiveBayes {
    /// Reads the model file; errors name the line.
    pub fn from_tsv(text: &str) -> Result<Self, TriageConfigError> {
        let mut scale = None;
        let mut temperature = 1.0;
        let mut prior = None;
        let mut weights = HashMap::default();
        for (i, line) in text.lines().enumerate() {
            let err = |message: String| TriageConfigError {
                line: i + 1,
                message: format!("model: {message}"),
            };
            // `@` rows belong to the calibrated stage (`stack`).
            if line.trim().is_empty() || line.starts_with("# ") || line.starts_with('@') {
                continue;
            }
            let mut cols = line.split('\t');
            let key = cols.next().unwrap_or_default();
            let nums: Vec<f32> = cols
                .map(|c| c.parse::<f32>().ok().filter(|v| v.is_finite()))
                .collect::<Option<_>>()
                .ok_or_else(|| err(format!("bad number in row {key:?}")))?;
            match (key, nums.len()) {
                ("#scale", 1) if nums[0] >= 0.0 => scale = Some(nums[0]),
                ("#temperature", 1) if nums[0] > 0.0 => temperature = nums[0],
                ("#scale" | "#temperature", _) => {
                    return Err(err(format!("row {key:?} needs one positive number")));
                }
                ("#prior", 6) => prior = Some(to_array(&nums)),
                ("#unseen", 6) => {}
                (k, 6) if !k.starts_with('#') => {
                    weights.insert(hash_feature(k.split(' ')), to_array(&nums));
                }
                _ => return Err(err(format!("row {key:?} needs 6 numbers"))),
            }
        }
        let missing = |what: &str| TriageConfigError {
            line: 1,
            message: format!("model: missing {what} row"),
        };
        Ok(NaiveBayes {
            scale: scale.ok_or_else(|| missing("#scale"))?,
            temperature,
            prior: prior.ok_or_else(|| missing("#prior"))?,
            weights,
        })
    }

    /// Vote added to the rules' scores: `scale` times the posterior probability of each
    /// category. Features absent from the model are ignored.
    pub fn scores(&self, normalized: &str) -> [f32; 6] {
        let mut log = self.prior;
        let mut known = 0;
        for_each_feature(normalized, |f| {
            if let Some(w) = self.weights.get(&hash_feature(f.iter().copied())) {
                known += 1;
                for (l, x) in log.iter_mut().zip(w) {
                    *l += x;
                }
            }
        });
        if known == 0 {
            return [0.0; 6];
        }
        let top = log.iter().copied().fold(f32::MIN, f32::max);
        let mut p = log.map(|l| ((l - top) / self.temperature).exp());
        let sum: f32 = p.iter().sum();
        for x in &mut p {
            *x *= self.scale / sum;
        }
        p
    }
}

fn to_array(v: &[f32]) -> [f32; 6] {
    [v[0], v[1], v[2], v[3], v[4], v[5]]
}

/// Calls `f` with every feature of a normalised text as a list of parts: each word, each
/// pair of adjacent words, and each word's 5-letter prefix marked with a trailing "~".
fn for_each_feature(normalized: &str, mut f: impl FnMut(&[&str])) {
    let mut prev: Option<&str> = None;
    for w in normalized.split(' ').filter(|w| !w.is_empty()) {
        f(&[w]);
        if let Some(p) = prev {
            f(&[p, w]);
        }
        if w.len() > 5 && w.is_char_boundary(5) {
            f(&[&w[..5], "~"]);
        }
        prev = Some(w);
    }
}

/// Hash of a feature's parts, identical for the parts at scoring time and for the
/// space-joined form stored in the file.
fn hash_feature<'a>(parts: impl Iterator<Item = &'a str>) -> u64 {
    let mut h = FNV_OFFSET;
    for (i, p) in parts.enumerate() {
        if i > 0 {
            h = fnv1a(b" ", h);
        }
        h = fnv1a(p.as_bytes(), h);
    }
    h
}

/// The form a feature is stored in: its parts joined by spaces.
fn feature_string(parts: &[&str]) -> String {
    parts.join(" ")
}

/// The shipped model's hyperparameters: `alpha` 0.1, `min_count` 1, `scale` 1,
/// `temperature` 4 (chosen by 5-fold cross-validation on the dev split).
pub fn train_shipped(examples: &[(String, Category)]) -> String {
    train_tsv(examples, 0.1, 1, 1.0, 4.0)
}

/// Trains a model on normalised texts and returns the model file. Deterministic: the same
/// examples give byte-identical output.
///
/// `alpha` is the additive smoothing, `min_count` drops rarer features, `scale` is the
/// size of the vote added to the rules' scores and `temperature` softens the posterior.
pub fn train_tsv(
    examples: &[(String, Category)],
    alpha: f32,
    min_count: u32,
    scale: f32,
    temperature: f32,
) -> String {
    let mut counts: BTreeMap<String, [u32; 6]> = BTreeMap::new();
    let mut docs = [0u32; 6];
    for (text, cat) in examples {
        docs[cat.index()] += 1;
        for_each_feature(text, |parts| {
            counts.entry(feature_string(parts)).or_default()[cat.index()] += 1;
        });
    }
    counts.retain(|_, c| c.iter().sum::<u32>() >= min_count);
    let mut totals = [0f64; 6];
    for c in counts.values() {
        for (t, n) in totals.iter_mut().zip(c) {
            *t += f64::from(*n);
        }
    }
    let vocab = counts.len() as f64;
    let alpha = f64::from(alpha);
    let denom = totals.map(|t| t + alpha * vocab);
    let n_docs: f64 = docs.iter().map(|&d| f64::from(d)).sum::<f64>().max(1.0);
    let row = |vals: [f64; 6]| {
        vals.iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
            .join("\t")
    };
    let mut out = String::new();
    out.push_str("# naive Bayes triage model; generated, do not edit by hand\n");
    out.push_str(&format!("#scale\t{scale:.3}\n"));
    out.push_str(&format!("#temperature\t{temperature:.3}\n"));
    let prior = std::array::from_fn(|i| ((f64::from(docs[i]) + 1.0) / (n_docs + 6.0)).ln());
    out.push_str(&format!("#prior\t{}\n", row(prior)));
    let unseen = std::array::from_fn(|i| (alpha / denom[i]).ln());
    out.push_str(&format!("#unseen\t{}\n", row(unseen)));
    for (feature, c) in &counts {
        let lp = std::array::from_fn(|i| ((f64::from(c[i]) + alpha) / denom[i]).ln());
        out.push_str(&format!("{feature}\t{}\n", row(lp)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trains_deterministically_and_scores() {
        let ex = vec![
            ("manden una patrulla".to_owned(), Category::Patrol),
            ("manden rondines".to_owned(), Category::Patrol),
            ("una platica en la escuela".to_owned(), Category::Workshop),
            ("un taller en la escuela".to_owned(), Category::Workshop),
        ];
        let tsv = train_tsv(&ex, 0.5, 1, 2.0, 1.0);
        assert_eq!(tsv, train_tsv(&ex, 0.5, 1, 2.0, 1.0));
        let nb = NaiveBayes::from_tsv(&tsv).unwrap();
        let s = nb.scores("manden patrulla");
        assert!(s[Category::Patrol.index()] > s[Category::Workshop.index()]);
        assert!((s.iter().sum::<f32>() - 2.0).abs() < 1e-3);
        assert_eq!(nb.scores("zzz"), [0.0; 6]);
    }

    #[test]
    fn bad_rows_name_the_line() {
        let e =
            NaiveBayes::from_tsv("#scale\t1\n#prior\t0\t0\t0\t0\t0\t0\nfoo\t1\tx\n").unwrap_err();
        assert_eq!(e.line, 3);
    }
}
