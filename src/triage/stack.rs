//! The calibrated stage: one multinomial logistic regression over what the rest of the
//! pipeline saw (the rules' votes, the naive Bayes posterior, the context cues, the
//! forwarding flags and the rule decision) gives a probability for every category.
//!
//! Why a second stage instead of more hand-set weights: the rules' softmax "confidence" was
//! not a probability (wrong answers came with 0.72–0.83), and the 9-1-1 safety net needs a
//! real probability of `emergency_911` to set a low threshold on. The regression is trained
//! by `alerta triage train` on writer-held-out folds ([`super::fit`]), so it learns how far
//! each part is to be trusted on writing it has not seen, and a temperature fitted on the
//! out-of-fold predictions calibrates it.
//!
//! Its rows live in the model file after the naive Bayes rows, each key starting with `@`
//! (normalised text never contains `@`, so they cannot clash with a feature):
//! `@w.<feature>` (six weights, [`Category::ALL`] order), `@temperature`,
//! `@emergency_threshold`, `@review_min`, `@review_margin`, `@place_min` (below it the
//! regression's pick is not placed: `other` for review, as the guide asks) and `@decision`
//! (`rules` or `stack`: which of the two decides the category, chosen on the folds).

use super::context::Trace;
use super::cue::Cue;
use super::semantic::{SemVec, DIM};
use super::{Category, TriageConfigError};

/// Number of features without the semantic vector; the order is that of
/// [`feature_names`].
pub const FEATURES: usize = 1 + 6 * 4 + Cue::NAMES.len() + 6;

/// The semantic vector is unit length; this brings its components to the scale of the
/// other features (about ±0.5) so one learning rate suits all.
pub const SEM_SCALE: f32 = 4.0;

/// Which of the two regressions a model file row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Rules, naive Bayes and cues only (`@…` rows): used when the vectors are absent.
    Base,
    /// The same features plus the semantic vector (`@sem.…` rows).
    Semantic,
}

impl Section {
    fn prefix(self) -> &'static str {
        match self {
            Section::Base => "",
            Section::Semantic => "sem.",
        }
    }

    /// Number of features of this section's regression.
    pub fn features(self) -> usize {
        match self {
            Section::Base => FEATURES,
            Section::Semantic => FEATURES + DIM,
        }
    }
}

/// Stable names of the features, as written in the model file.
pub fn feature_names(section: Section) -> Vec<String> {
    let mut names = base_feature_names();
    if section == Section::Semantic {
        names.extend((0..DIM).map(|i| format!("vec.{i}")));
    }
    names
}

fn base_feature_names() -> Vec<String> {
    let mut names = vec!["bias".to_owned()];
    for group in ["rule", "nb", "vote", "decided"] {
        for c in Category::ALL {
            names.push(format!("{group}.{}", c.as_str()));
        }
    }
    for (n, _) in Cue::NAMES {
        names.push(format!("cue.{n}"));
    }
    for n in [
        "input.forwarded",
        "input.frequently_forwarded",
        "context.defused",
        "context.overridden",
        "input.length",
        "input.nb_silent",
    ] {
        names.push(n.to_owned());
    }
    names
}

/// What the regression reads about one message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features(pub [f32; FEATURES]);

impl Features {
    /// Builds the feature vector. `nb` is the naive Bayes vote (any scale; all zeros when no
    /// feature of the text is known to the model), `decided` the rule decision's category.
    pub fn new(
        trace: &Trace,
        nb: Option<&[f32; 6]>,
        decided: Category,
        forwarded: bool,
        frequently_forwarded: bool,
        text_bytes: usize,
    ) -> Self {
        let mut x = [0f32; FEATURES];
        x[0] = 1.0;
        // Votes are a few units; scaled to about 0–2 so one learning rate suits all.
        for c in 0..6 {
            x[1 + c] = trace.rule_votes[c].max(0.0) / 4.0;
            x[13 + c] = trace.final_votes[c].max(0.0) / 4.0;
        }
        let nb_sum: f32 = nb.map_or(0.0, |m| m.iter().sum());
        if let Some(m) = nb.filter(|_| nb_sum > 0.0) {
            for c in 0..6 {
                x[7 + c] = m[c] / nb_sum;
            }
        }
        x[19 + decided.index()] = 1.0;
        let base = 25;
        for (i, (_, cue)) in Cue::NAMES.iter().enumerate() {
            x[base + i] = f32::from(u8::from(trace.cues.has(*cue)));
        }
        let tail = base + Cue::NAMES.len();
        x[tail] = f32::from(u8::from(forwarded));
        x[tail + 1] = f32::from(u8::from(frequently_forwarded));
        x[tail + 2] = f32::from(u8::from(trace.defused));
        x[tail + 3] = f32::from(u8::from(trace.overridden));
        x[tail + 4] = (1.0 + text_bytes as f32).ln() / 8.0;
        x[tail + 5] = f32::from(u8::from(nb_sum <= 0.0));
        Features(x)
    }
}

/// Which stage picks the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decider {
    /// The rules' context logic picks; the regression adds probabilities and the net.
    Rules,
    /// The regression's most probable category picks.
    Stack,
}

/// The trained regression with its calibration and thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Stacker {
    /// `weights[feature][category]`.
    pub weights: Vec<[f32; 6]>,
    /// Divides the logits (fitted on out-of-fold predictions).
    pub temperature: f32,
    /// A message whose `emergency_911` probability reaches this gets the 9-1-1 reply.
    pub emergency_threshold: f32,
    /// Below this top probability the message goes to review.
    pub review_min: f32,
    /// Below this gap between the two best probabilities the message goes to review.
    pub review_margin: f32,
    /// Below this probability the regression's pick (other than `emergency_911`) is not
    /// trusted: the message goes to `other` with `needs_review`.
    pub place_min: f32,
    /// Which stage picks the category.
    pub decider: Decider,
}

impl Stacker {
    /// Calibrated probabilities of every category, in [`Category::ALL`] order. `sem` is
    /// read only by a [`Section::Semantic`] regression.
    pub fn probabilities(&self, x: &Features, sem: Option<&SemVec>) -> [f32; 6] {
        let mut logits = [0f32; 6];
        for (xi, w) in x.0.iter().zip(&self.weights) {
            if *xi != 0.0 {
                for (l, wc) in logits.iter_mut().zip(w) {
                    *l += xi * wc;
                }
            }
        }
        if let (Some(v), Some(ws)) = (sem, self.weights.get(FEATURES..)) {
            for (vi, w) in v.iter().zip(ws) {
                for (l, wc) in logits.iter_mut().zip(w) {
                    *l += vi * SEM_SCALE * wc;
                }
            }
        }
        softmax(&logits.map(|l| l / self.temperature))
    }

    /// Which section this regression is.
    pub fn section(&self) -> Section {
        if self.weights.len() > FEATURES {
            Section::Semantic
        } else {
            Section::Base
        }
    }

    /// Reads one section's `@` rows of a model file; `None` when there are none (a model
    /// trained before that stage existed). Errors name the line.
    pub fn from_tsv(text: &str, section: Section) -> Result<Option<Self>, TriageConfigError> {
        let names = feature_names(section);
        let mut weights: Vec<Option<[f32; 6]>> = vec![None; names.len()];
        let mut scalars: [Option<f32>; 5] = [None; 5];
        let mut decider = None;
        let mut any = false;
        for (i, line) in text.lines().enumerate() {
            let Some(row) = line.strip_prefix('@') else {
                continue;
            };
            // The other section's rows and the examples (`@ex`) are read elsewhere.
            let row = match section {
                Section::Base if row.starts_with("sem.") || row.starts_with("ex\t") => continue,
                Section::Base => row,
                Section::Semantic => match row.strip_prefix("sem.") {
                    Some(r) => r,
                    None => continue,
                },
            };
            any = true;
            let err = |message: String| TriageConfigError {
                line: i + 1,
                message: format!("model: {message}"),
            };
            let mut cols = row.split('\t');
            let key = cols.next().unwrap_or_default();
            let rest: Vec<&str> = cols.collect();
            let p = section.prefix();
            if key == "decision" {
                decider = Some(match rest.as_slice() {
                    ["rules"] => Decider::Rules,
                    ["stack"] => Decider::Stack,
                    _ => return Err(err(format!("@{p}decision must be \"rules\" or \"stack\""))),
                });
                continue;
            }
            let nums: Vec<f32> = rest
                .iter()
                .map(|c| c.parse::<f32>().ok().filter(|v| v.is_finite()))
                .collect::<Option<_>>()
                .ok_or_else(|| err(format!("bad number in row @{p}{key}")))?;
            let scalar = match key {
                "temperature" => Some(0),
                "emergency_threshold" => Some(1),
                "review_min" => Some(2),
                "review_margin" => Some(3),
                "place_min" => Some(4),
                _ => None,
            };
            if let Some(s) = scalar {
                match nums.as_slice() {
                    [v] if *v >= 0.0 && (s != 0 || *v > 0.0) => scalars[s] = Some(*v),
                    _ => return Err(err(format!("@{p}{key} needs one positive number"))),
                }
                continue;
            }
            let feature = key
                .strip_prefix("w.")
                .and_then(|f| names.iter().position(|n| n == f))
                .ok_or_else(|| err(format!("unknown row @{p}{key}")))?;
            if nums.len() != 6 {
                return Err(err(format!("@{p}{key} needs 6 numbers")));
            }
            weights[feature] = Some([nums[0], nums[1], nums[2], nums[3], nums[4], nums[5]]);
        }
        if !any {
            return Ok(None);
        }
        let p = section.prefix();
        let missing = |what: &str| TriageConfigError {
            line: 1,
            message: format!("model: missing @{p}{what} row"),
        };
        let weights = weights
            .into_iter()
            .zip(&names)
            .map(|(w, n)| w.ok_or_else(|| missing(&format!("w.{n}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let [t, e, m, g, pm] = scalars;
        Ok(Some(Stacker {
            weights,
            temperature: t.ok_or_else(|| missing("temperature"))?,
            emergency_threshold: e.ok_or_else(|| missing("emergency_threshold"))?,
            review_min: m.ok_or_else(|| missing("review_min"))?,
            review_margin: g.ok_or_else(|| missing("review_margin"))?,
            place_min: pm.ok_or_else(|| missing("place_min"))?,
            decider: decider.ok_or_else(|| missing("decision"))?,
        }))
    }

    /// The `@` rows of the model file (`@sem.` for the semantic regression), deterministic.
    pub fn to_tsv(&self) -> String {
        let section = self.section();
        let p = section.prefix();
        let mut out = String::new();
        out.push_str(match section {
            Section::Base => "# calibrated stage (multinomial logistic regression); generated\n",
            Section::Semantic => {
                "# calibrated stage with the semantic vector (used when the vectors load)\n"
            }
        });
        let decision = match self.decider {
            Decider::Rules => "rules",
            Decider::Stack => "stack",
        };
        out.push_str(&format!("@{p}decision\t{decision}\n"));
        out.push_str(&format!("@{p}temperature\t{:.4}\n", self.temperature));
        out.push_str(&format!(
            "@{p}emergency_threshold\t{:.4}\n",
            self.emergency_threshold
        ));
        out.push_str(&format!("@{p}review_min\t{:.4}\n", self.review_min));
        out.push_str(&format!("@{p}review_margin\t{:.4}\n", self.review_margin));
        out.push_str(&format!("@{p}place_min\t{:.4}\n", self.place_min));
        for (name, w) in feature_names(section).iter().zip(&self.weights) {
            let cols: Vec<String> = w.iter().map(|v| format!("{v:.4}")).collect();
            out.push_str(&format!("@{p}w.{name}\t{}\n", cols.join("\t")));
        }
        out
    }
}

/// Softmax of six logits.
pub fn softmax(logits: &[f32; 6]) -> [f32; 6] {
    let top = logits.iter().copied().fold(f32::MIN, f32::max);
    let e = logits.map(|l| (l - top).exp());
    let sum: f32 = e.iter().sum();
    e.map(|v| v / sum)
}

/// The best and second-best categories of a probability vector.
pub fn top_two(p: &[f32; 6]) -> ((Category, f32), f32) {
    let mut best = 0;
    for c in 1..6 {
        if p[c] > p[best] {
            best = c;
        }
    }
    let second = (0..6)
        .filter(|&c| c != best)
        .map(|c| p[c])
        .fold(0f32, f32::max);
    ((Category::ALL[best], p[best]), second)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stacker() -> Stacker {
        let mut weights = vec![[0f32; 6]; FEATURES];
        weights[0] = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        weights[1] = [4.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        Stacker {
            weights,
            temperature: 1.5,
            emergency_threshold: 0.1,
            review_min: 0.5,
            review_margin: 0.1,
            place_min: 0.3,
            decider: Decider::Stack,
        }
    }

    #[test]
    fn rows_round_trip_and_name_their_problems() {
        let s = stacker();
        let tsv = s.to_tsv();
        assert_eq!(feature_names(Section::Base).len(), FEATURES);
        assert_eq!(
            Stacker::from_tsv(&tsv, Section::Base).unwrap(),
            Some(s.clone())
        );
        assert_eq!(Stacker::from_tsv(&tsv, Section::Semantic).unwrap(), None);
        assert_eq!(
            Stacker::from_tsv("#scale\t1\n", Section::Base).unwrap(),
            None
        );
        let broken = tsv.replace("@w.bias", "@w.nonsense");
        let e = Stacker::from_tsv(&broken, Section::Base).unwrap_err();
        assert!(e.message.contains("@w.nonsense"), "{e}");
        let missing: String = tsv
            .lines()
            .filter(|l| !l.starts_with("@w.cue.now"))
            .map(|l| format!("{l}\n"))
            .collect();
        let e = Stacker::from_tsv(&missing, Section::Base).unwrap_err();
        assert!(e.message.contains("@w.cue.now"), "{e}");
        // Both sections in one file, each read by its own parser.
        let mut sem = s.clone();
        sem.weights.extend(vec![[0.5f32; 6]; DIM]);
        let both = format!("{tsv}{}@ex\tw3-1\tother\thola\n", sem.to_tsv());
        assert_eq!(Stacker::from_tsv(&both, Section::Base).unwrap(), Some(s));
        assert_eq!(
            Stacker::from_tsv(&both, Section::Semantic).unwrap(),
            Some(sem)
        );
        let e = Stacker::from_tsv(
            &both.replace("@sem.w.vec.3\t", "@sem.w.vec.x\t"),
            Section::Semantic,
        )
        .unwrap_err();
        assert!(e.message.contains("@sem.w.vec.x"), "{e}");
    }

    #[test]
    fn probabilities_follow_the_weights_and_sum_to_one() {
        let s = stacker();
        let mut x = Features([0.0; FEATURES]);
        x.0[0] = 1.0;
        let quiet = s.probabilities(&x, None);
        x.0[1] = 2.0;
        let loud = s.probabilities(&x, None);
        assert!(loud[0] > quiet[0] && loud[0] > 0.9);
        assert!((loud.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let ((best, p), second) = top_two(&loud);
        assert_eq!(best, Category::Emergency911);
        assert!(p > second);
        // The semantic weights read the vector: along axis 0 it pushes towards `other`.
        let mut sem = s.clone();
        sem.weights.extend(vec![[0f32; 6]; DIM]);
        sem.weights[FEATURES][5] = 3.0;
        let mut v = [0f32; DIM];
        assert_eq!(sem.probabilities(&x, Some(&v)), loud);
        v[0] = 1.0;
        let moved = sem.probabilities(&x, Some(&v));
        assert!(moved[5] > loud[5] * 10.0, "{moved:?}");
    }
}
