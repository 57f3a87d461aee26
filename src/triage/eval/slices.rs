//! The parts of an evaluation that look across lines: the 9-1-1 reply's rates, the
//! reliability (calibration) table and the slices per state and per sender kind.

use std::collections::BTreeMap;

use super::LabelledExample;
use crate::triage::Category;

/// What a slice shows for lines that do not say their state or sender kind.
pub const UNKNOWN: &str = "desconocido";

/// What the classifier did with one labelled line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The label.
    pub expected: Category,
    /// The decided category.
    pub got: Category,
    /// The decided category's confidence.
    pub confidence: f32,
    /// Flagged for review.
    pub needs_review: bool,
    /// Got the 9-1-1 reply (category or safety net).
    pub reply: bool,
}

/// One row of the reliability table.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationBin {
    /// Confidence range `[lower, upper)` (the last bin includes 1).
    pub lower: f64,
    /// See `lower`.
    pub upper: f64,
    /// Lines whose confidence falls in the bin.
    pub count: usize,
    /// Mean confidence of those lines.
    pub mean_confidence: f64,
    /// Share of them classified correctly.
    pub accuracy: f64,
}

/// Quality on the lines that share a state or a sender kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    /// "estado" or "remitente".
    pub dimension: &'static str,
    /// The state or sender kind, or [`UNKNOWN`].
    pub value: String,
    /// Lines in the slice.
    pub total: usize,
    /// Share classified correctly.
    pub accuracy: f64,
    /// Macro-F1 over the categories present in the slice.
    pub macro_f1: f64,
    /// Labelled emergencies in the slice.
    pub emergencies: usize,
    /// Recall of the 9-1-1 reply (1 when the slice has no emergencies).
    pub reply_recall: f64,
    /// Share of non-emergencies that got the 9-1-1 reply.
    pub reply_false_rate: f64,
}

fn ratio(num: usize, den: usize, empty: f64) -> f64 {
    if den == 0 {
        empty
    } else {
        num as f64 / den as f64
    }
}

/// Recall and false-emergency rate of the 9-1-1 reply.
pub fn reply_rates(outcomes: &[Outcome]) -> (f64, f64) {
    let is_e = |o: &&Outcome| o.expected == Category::Emergency911;
    let pos = outcomes.iter().filter(is_e).count();
    let hit = outcomes.iter().filter(is_e).filter(|o| o.reply).count();
    let neg = outcomes.len() - pos;
    let false_replies = outcomes
        .iter()
        .filter(|o| o.expected != Category::Emergency911 && o.reply)
        .count();
    (ratio(hit, pos, 1.0), ratio(false_replies, neg, 0.0))
}

/// The reliability table (ten equal confidence bins) and the expected calibration error:
/// the bins' gaps between confidence and accuracy, weighted by their share of lines.
pub fn calibration(outcomes: &[Outcome]) -> (Vec<CalibrationBin>, f64) {
    let mut sums = [(0f64, 0usize, 0usize); 10];
    for o in outcomes {
        let c = f64::from(o.confidence.clamp(0.0, 1.0));
        let b = ((c * 10.0) as usize).min(9);
        sums[b].0 += c;
        sums[b].1 += usize::from(o.expected == o.got);
        sums[b].2 += 1;
    }
    let n = outcomes.len();
    let mut ece = 0.0;
    let bins = sums
        .iter()
        .enumerate()
        .map(|(i, &(conf, correct, count))| {
            let mean_confidence = if count == 0 { 0.0 } else { conf / count as f64 };
            let accuracy = ratio(correct, count, 0.0);
            ece += ratio(count, n, 0.0) * (mean_confidence - accuracy).abs();
            CalibrationBin {
                lower: i as f64 / 10.0,
                upper: (i + 1) as f64 / 10.0,
                count,
                mean_confidence,
                accuracy,
            }
        })
        .collect();
    (bins, ece)
}

/// Reads the value a slice groups by.
type SliceKey = fn(&LabelledExample) -> Option<&str>;

/// Slices per state, then per sender kind, each sorted by name.
pub fn slices(examples: &[LabelledExample], outcomes: &[Outcome]) -> Vec<Slice> {
    let mut out = Vec::new();
    let keys: [(&'static str, SliceKey); 2] = [
        ("estado", |e| e.state.as_deref()),
        ("remitente", |e| e.sender_kind.as_deref()),
    ];
    for (dimension, key) in keys {
        let mut groups: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
        for (ex, o) in examples.iter().zip(outcomes) {
            let k = key(ex).unwrap_or(UNKNOWN).to_owned();
            groups.entry(k).or_default().push(*o);
        }
        for (value, group) in groups {
            let correct = group.iter().filter(|o| o.expected == o.got).count();
            let (reply_recall, reply_false_rate) = reply_rates(&group);
            out.push(Slice {
                dimension,
                value,
                total: group.len(),
                accuracy: ratio(correct, group.len(), 0.0),
                macro_f1: macro_f1(&group),
                emergencies: group
                    .iter()
                    .filter(|o| o.expected == Category::Emergency911)
                    .count(),
                reply_recall,
                reply_false_rate,
            });
        }
    }
    out
}

fn macro_f1(outcomes: &[Outcome]) -> f64 {
    let mut sum = 0.0;
    let mut n = 0;
    for c in Category::ALL {
        let tp = outcomes
            .iter()
            .filter(|o| o.expected == c && o.got == c)
            .count();
        let support = outcomes.iter().filter(|o| o.expected == c).count();
        let predicted = outcomes.iter().filter(|o| o.got == c).count();
        if support + predicted == 0 {
            continue;
        }
        n += 1;
        sum += 2.0 * tp as f64 / (support + predicted) as f64;
    }
    if n == 0 {
        0.0
    } else {
        sum / f64::from(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(expected: Category, got: Category, confidence: f32, reply: bool) -> Outcome {
        Outcome {
            expected,
            got,
            confidence,
            needs_review: false,
            reply,
        }
    }

    #[test]
    fn calibration_error_measures_overconfidence() {
        use Category::*;
        // Confidence 0.95 but right half the time: a gap of 0.45 on every line.
        let over = [
            o(Patrol, Patrol, 0.95, false),
            o(Patrol, Other, 0.95, false),
        ];
        let (bins, ece) = calibration(&over);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[9].count, 2);
        assert!((ece - 0.45).abs() < 1e-6, "{ece}");
        let honest = [o(Patrol, Patrol, 0.5, false), o(Patrol, Other, 0.5, false)];
        assert!(calibration(&honest).1 < 1e-6);
        assert_eq!(calibration(&[]).1, 0.0);
    }

    #[test]
    fn reply_rates_count_the_safety_net() {
        use Category::*;
        let outcomes = [
            o(Emergency911, Patrol, 0.6, true),
            o(Emergency911, Other, 0.6, false),
            o(Patrol, Patrol, 0.9, true),
            o(Other, Other, 0.9, false),
        ];
        assert_eq!(reply_rates(&outcomes), (0.5, 0.5));
    }
}
