//! What the folds' out-of-fold predictions choose and report: macro-F1, calibration error,
//! the 9-1-1 threshold and the review thresholds.

use super::super::stack::top_two;
use super::{MAX_FALSE_EMERGENCY, MAX_REVIEW_SHARE, TARGET_EMERGENCY_RECALL};

/// Macro-F1 over the categories present in labels or predictions.
pub fn macro_f1(y: &[usize], pred: &[usize]) -> f64 {
    let mut sum = 0.0;
    let mut n = 0;
    for c in 0..6 {
        let tp = y
            .iter()
            .zip(pred)
            .filter(|(a, b)| **a == c && **b == c)
            .count() as f64;
        let support = y.iter().filter(|a| **a == c).count() as f64;
        let predicted = pred.iter().filter(|b| **b == c).count() as f64;
        if support + predicted == 0.0 {
            continue;
        }
        n += 1;
        sum += 2.0 * tp / (support + predicted);
    }
    if n == 0 {
        0.0
    } else {
        sum / f64::from(n)
    }
}

/// Expected calibration error of the decided category's probability, ten equal bins.
pub fn ece(y: &[usize], probs: &[[f32; 6]], pred: &[usize]) -> f64 {
    let mut bins = [(0f64, 0f64, 0usize); 10];
    for ((&label, p), &c) in y.iter().zip(probs).zip(pred) {
        let conf = f64::from(p[c]);
        let b = ((conf * 10.0) as usize).min(9);
        bins[b].0 += conf;
        bins[b].1 += f64::from(u8::from(label == c));
        bins[b].2 += 1;
    }
    let n = y.len().max(1) as f64;
    bins.iter()
        .filter(|b| b.2 > 0)
        .map(|b| (b.0 - b.1).abs() / n)
        .sum()
}

/// Recall and false-emergency rate of the 9-1-1 reply at threshold `t`: the reply goes out
/// when the decision is `emergency_911` or its probability reaches `t`.
fn net_rates(y: &[usize], pred: &[usize], probs: &[[f32; 6]], t: f64) -> (f64, f64) {
    let (mut tp, mut pos, mut fp, mut neg) = (0, 0, 0, 0);
    for ((&label, &c), p) in y.iter().zip(pred).zip(probs) {
        let reply = c == 0 || f64::from(p[0]) >= t;
        if label == 0 {
            pos += 1;
            tp += usize::from(reply);
        } else {
            neg += 1;
            fp += usize::from(reply);
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (if pos == 0 { 1.0 } else { ratio(tp, pos) }, ratio(fp, neg))
}

/// The 9-1-1 threshold: the highest that keeps recall at the target within the
/// false-emergency limit; when no threshold does both, the most recall the limit allows,
/// and of the thresholds that reach it the highest, since a lower one would only add
/// false emergencies for the same recall.
pub(super) fn choose_emergency_threshold(
    y: &[usize],
    pred: &[usize],
    probs: &[[f32; 6]],
) -> (f64, f64, f64) {
    let grid: Vec<f64> = (1..=99).map(|i| f64::from(i) / 100.0).collect();
    let rated: Vec<(f64, f64, f64)> = grid
        .iter()
        .map(|&t| {
            let (r, f) = net_rates(y, pred, probs, t);
            (t, r, f)
        })
        .filter(|(_, _, f)| *f <= MAX_FALSE_EMERGENCY)
        .collect();
    if let Some(best) = rated
        .iter()
        .rev()
        .find(|(_, r, _)| *r >= TARGET_EMERGENCY_RECALL)
    {
        return *best;
    }
    rated
        .iter()
        .copied()
        .fold(None, |acc: Option<(f64, f64, f64)>, x| match acc {
            Some(a) if a.1 > x.1 => Some(a),
            _ => Some(x),
        })
        .unwrap_or_else(|| {
            let (r, f) = net_rates(y, pred, probs, 0.99);
            (0.99, r, f)
        })
}

/// Review thresholds (top probability, gap to the second): those that flag the most
/// out-of-fold errors while sending at most [`MAX_REVIEW_SHARE`] of messages to review.
pub(super) fn choose_review(
    y: &[usize],
    pred: &[usize],
    probs: &[[f32; 6]],
) -> (f64, f64, f64, f64) {
    let errors = y.iter().zip(pred).filter(|(a, b)| a != b).count().max(1) as f64;
    let n = y.len().max(1) as f64;
    let mut best = (0.0, 0.0, 0.0, 0.0);
    for m in 0..=16 {
        let min = f64::from(m) * 0.05;
        for g in 0..=8 {
            let margin = f64::from(g) * 0.05;
            let (mut flagged, mut caught) = (0.0, 0.0);
            for ((&label, &c), p) in y.iter().zip(pred).zip(probs) {
                let ((_, top), second) = top_two(p);
                let own = f64::from(p[c]);
                let review = own < min || f64::from(top - second) < margin;
                if review {
                    flagged += 1.0;
                    caught += f64::from(u8::from(label != c));
                }
            }
            let share = flagged / n;
            let caught = caught / errors;
            if share <= MAX_REVIEW_SHARE && caught > best.3 {
                best = (min, margin, share, caught);
            }
        }
    }
    best
}
