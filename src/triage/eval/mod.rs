//! Evaluation of a classifier against a labelled corpus: per-category precision, recall
//! and F1, macro-F1, the confusion matrix, the two safety numbers (emergency recall and
//! false-emergency rate) for the category and for the 9-1-1 reply (the safety net), the
//! calibration table with its expected calibration error, the share sent to review, slices
//! per state and per sender kind, and the misclassified lines, plus the CI threshold check.

mod corpus;
mod report;
mod slices;

use std::collections::BTreeMap;

pub use corpus::{parse_corpus, CorpusError, LabelledExample};
pub use slices::{CalibrationBin, Outcome, Slice, UNKNOWN};

use super::{Category, Classifier};

/// Precision, recall, F1 and support of one category.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryMetrics {
    /// The category measured.
    pub category: Category,
    /// Share of lines predicted as the category that carry its label.
    pub precision: f64,
    /// Share of lines labelled with the category that were predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Lines labelled with this category.
    pub support: usize,
    /// Lines predicted as this category.
    pub predicted: usize,
}

/// A line the classifier got wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Misclassified {
    /// Corpus id of the line.
    pub id: String,
    /// The label.
    pub expected: Category,
    /// What the classifier said.
    pub got: Category,
    /// Whether the classifier flagged it for review.
    pub needs_review: bool,
    /// What fired, as in `Classification::rules`.
    pub rules: Vec<String>,
    /// The message.
    pub text: String,
    /// Hard-case tag of the line, if any.
    pub hard: Option<String>,
}

/// Everything `evaluate` measured. `Display` renders it for engineers.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    /// `Classifier::version` of the classifier measured.
    pub version: String,
    /// Lines evaluated.
    pub total: usize,
    /// Share of lines classified correctly.
    pub accuracy: f64,
    /// In [`Category::ALL`] order.
    pub per_category: Vec<CategoryMetrics>,
    /// Mean F1 over the categories that occur in the labels or the predictions.
    pub macro_f1: f64,
    /// `confusion[expected][got]`, indexed by [`Category::index`].
    pub confusion: [[usize; 6]; 6],
    /// Share of labelled emergencies predicted `emergency_911`.
    pub emergency_recall: f64,
    /// Share of labelled non-emergencies predicted `emergency_911`.
    pub false_emergency_rate: f64,
    /// Lines the classifier flagged for review.
    pub needs_review: usize,
    /// Share of lines flagged for review.
    pub review_share: f64,
    /// Misclassified lines that were flagged for review.
    pub errors_flagged: usize,
    /// Share of labelled emergencies that got the 9-1-1 reply (category or safety net).
    pub reply_recall: f64,
    /// Share of labelled non-emergencies that got the 9-1-1 reply.
    pub reply_false_rate: f64,
    /// Lines whose category is not `emergency_911` but got the reply from the safety net.
    pub net_only: usize,
    /// Reliability table of the decided category's confidence, ten equal bins.
    pub calibration: Vec<CalibrationBin>,
    /// Expected calibration error of the confidence.
    pub ece: f64,
    /// Per state, then per sender kind.
    pub slices: Vec<Slice>,
    /// Hard-case tag → (correct, total).
    pub by_hard: BTreeMap<String, (usize, usize)>,
    /// Every line the classifier got wrong, in corpus order.
    pub misclassified: Vec<Misclassified>,
}

/// CI limits. Recall and false emergencies are those of the 9-1-1 reply (what the sender
/// is told to do), which the safety net can give to a message of another category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Lowest acceptable emergency recall of the 9-1-1 reply.
    pub min_emergency_recall: f64,
    /// Highest acceptable share of non-emergencies that get the 9-1-1 reply.
    pub max_false_emergency_rate: f64,
    /// Lowest acceptable macro-F1.
    pub min_macro_f1: f64,
    /// Highest acceptable expected calibration error.
    pub max_ece: f64,
}

impl Default for Thresholds {
    /// The test split's limits.
    fn default() -> Self {
        Thresholds {
            min_emergency_recall: 0.97,
            max_false_emergency_rate: 0.03,
            min_macro_f1: 0.88,
            max_ece: 1.0,
        }
    }
}

impl Thresholds {
    /// Issue 16's target on the sealed split (writers never trained on).
    pub fn sealed() -> Self {
        Thresholds {
            min_emergency_recall: 0.98,
            max_false_emergency_rate: 0.02,
            min_macro_f1: 0.92,
            max_ece: 0.05,
        }
    }
}

/// Classifies every example and measures the result.
pub fn evaluate(classifier: &Classifier, examples: &[LabelledExample]) -> EvalReport {
    let mut confusion = [[0usize; 6]; 6];
    let mut misclassified = Vec::new();
    let mut by_hard: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut needs_review = 0;
    let mut outcomes = Vec::with_capacity(examples.len());
    for ex in examples {
        let out = classifier.classify(&ex.input());
        confusion[ex.category.index()][out.category.index()] += 1;
        needs_review += usize::from(out.needs_review);
        outcomes.push(Outcome {
            expected: ex.category,
            got: out.category,
            confidence: out.confidence,
            needs_review: out.needs_review,
            reply: out.emergency_reply,
        });
        let correct = out.category == ex.category;
        if let Some(h) = &ex.hard {
            let e = by_hard.entry(h.clone()).or_default();
            e.0 += usize::from(correct);
            e.1 += 1;
        }
        if !correct {
            misclassified.push(Misclassified {
                id: ex.id.clone(),
                expected: ex.category,
                got: out.category,
                needs_review: out.needs_review,
                rules: out.rules,
                text: ex.text.clone(),
                hard: ex.hard.clone(),
            });
        }
    }
    let ratio = |num: usize, den: usize, empty: f64| {
        if den == 0 {
            empty
        } else {
            num as f64 / den as f64
        }
    };
    let per_category: Vec<CategoryMetrics> = Category::ALL
        .iter()
        .map(|&c| {
            let i = c.index();
            let tp = confusion[i][i];
            let support: usize = confusion[i].iter().sum();
            let predicted: usize = confusion.iter().map(|row| row[i]).sum();
            let precision = ratio(tp, predicted, 0.0);
            let recall = ratio(tp, support, 0.0);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            CategoryMetrics {
                category: c,
                precision,
                recall,
                f1,
                support,
                predicted,
            }
        })
        .collect();
    let present: Vec<&CategoryMetrics> = per_category
        .iter()
        .filter(|m| m.support > 0 || m.predicted > 0)
        .collect();
    let macro_f1 = present.iter().map(|m| m.f1).sum::<f64>() / (present.len().max(1) as f64);
    let e = Category::Emergency911.index();
    let emergencies: usize = confusion[e].iter().sum();
    let non_emergencies = examples.len() - emergencies;
    let false_emergencies: usize = (0..6).filter(|&i| i != e).map(|i| confusion[i][e]).sum();
    let correct: usize = (0..6).map(|i| confusion[i][i]).sum();
    let (reply_recall, reply_false_rate) = slices::reply_rates(&outcomes);
    let (calibration, ece) = slices::calibration(&outcomes);
    EvalReport {
        version: classifier.version().to_owned(),
        total: examples.len(),
        accuracy: ratio(correct, examples.len(), 0.0),
        per_category,
        macro_f1,
        confusion,
        emergency_recall: ratio(confusion[e][e], emergencies, 1.0),
        false_emergency_rate: ratio(false_emergencies, non_emergencies, 0.0),
        needs_review,
        review_share: ratio(needs_review, examples.len(), 0.0),
        errors_flagged: misclassified.iter().filter(|m| m.needs_review).count(),
        reply_recall,
        reply_false_rate,
        net_only: outcomes
            .iter()
            .filter(|o| o.reply && o.got != Category::Emergency911)
            .count(),
        calibration,
        ece,
        slices: slices::slices(examples, &outcomes),
        by_hard,
        misclassified,
    }
}

impl EvalReport {
    /// One sentence per threshold missed; empty means the report passes.
    pub fn check(&self, t: &Thresholds) -> Vec<String> {
        let mut failures = Vec::new();
        if self.reply_recall < t.min_emergency_recall {
            let (got, limit) = apart(self.reply_recall, t.min_emergency_recall);
            failures.push(format!(
                "emergency recall {got} is below the minimum {limit}"
            ));
        }
        if self.reply_false_rate > t.max_false_emergency_rate {
            let (got, limit) = apart(self.reply_false_rate, t.max_false_emergency_rate);
            failures.push(format!(
                "false-emergency rate {got} is above the maximum {limit}"
            ));
        }
        if self.macro_f1 < t.min_macro_f1 {
            let (got, limit) = apart(self.macro_f1, t.min_macro_f1);
            failures.push(format!("macro-F1 {got} is below the minimum {limit}"));
        }
        if self.ece > t.max_ece {
            let (got, limit) = apart(self.ece, t.max_ece);
            failures.push(format!(
                "expected calibration error {got} is above the maximum {limit}"
            ));
        }
        failures
    }
}

/// A figure and the limit it missed, with enough digits that they read different (0.0204
/// against 0.0200, not "0.020 is above 0.020").
fn apart(got: f64, limit: f64) -> (String, String) {
    (3..=6)
        .map(|digits| (format!("{got:.digits$}"), format!("{limit:.digits$}")))
        .find(|(a, b)| a != b)
        .unwrap_or_else(|| (format!("{got}"), format!("{limit}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_limit_reads_different_from_the_limit() {
        assert_eq!(apart(0.0204, 0.02), ("0.0204".into(), "0.0200".into()));
        assert_eq!(apart(0.035, 0.02), ("0.035".into(), "0.020".into()));
    }

    const RULES: &str = r#"
version = 1
[[rule]]
name = "emergency.balazos"
category = "emergency_911"
weight = 3.0
patterns = ['\bbalazos\b']
[[rule]]
name = "patrol.rondin"
category = "patrol"
weight = 3.0
patterns = ['\brondines\b']
"#;

    fn corpus() -> Vec<LabelledExample> {
        let jsonl = r#"{"id":"t-1","text":"balazos ahorita","category":"emergency_911"}
{"id":"t-2","text":"pedimos rondines","category":"patrol"}
{"id":"t-3","text":"hola vecinos","category":"other"}
{"id":"t-4","text":"se oyen cosas raras","category":"emergency_911"}
{"id":"t-5","text":"balazos de broma en la tele","category":"other","hard":"sarcasm_or_joke"}"#;
        parse_corpus(jsonl).unwrap()
    }

    #[test]
    fn measures_and_checks() {
        let c = Classifier::from_toml(RULES).unwrap();
        let r = evaluate(&c, &corpus());
        assert_eq!(r.total, 5);
        assert_eq!(r.confusion[0][0], 1);
        assert_eq!(r.confusion[0][5], 1);
        assert_eq!(r.confusion[5][0], 1);
        assert!((r.emergency_recall - 0.5).abs() < 1e-9);
        assert!((r.false_emergency_rate - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.misclassified.len(), 2);
        assert_eq!(r.by_hard["sarcasm_or_joke"], (0, 1));
        let failures = r.check(&Thresholds::default());
        assert_eq!(failures.len(), 3, "{failures:?}");
        assert!(failures[0].contains("0.500"));
        let lenient = Thresholds {
            min_emergency_recall: 0.5,
            max_false_emergency_rate: 0.5,
            min_macro_f1: 0.0,
            max_ece: 1.0,
        };
        assert!(r.check(&lenient).is_empty());
    }

    #[test]
    fn display_has_every_section() {
        let c = Classifier::from_toml(RULES).unwrap();
        let text = evaluate(&c, &corpus()).to_string();
        for heading in [
            "precision",
            "macro-F1",
            "confusion",
            "emergency recall",
            "false-emergency rate",
            "misclassified (2)",
            "9-1-1 reply",
            "expected calibration error",
            "slices",
            "estado",
            "desconocido",
            "t-4: emergency_911 → other",
        ] {
            assert!(text.contains(heading), "{heading} missing in:\n{text}");
        }
    }

    #[test]
    fn empty_corpus_is_defined() {
        let c = Classifier::from_toml(RULES).unwrap();
        let r = evaluate(&c, &[]);
        assert_eq!((r.total, r.macro_f1, r.emergency_recall), (0, 0.0, 1.0));
    }
}
