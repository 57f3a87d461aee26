//! Training of the calibrated stage ([`super::stack`]) by `alerta triage train`.
//!
//! Everything is chosen on out-of-fold predictions over the training corpora, never on the
//! test or sealed splits. The folds hold out one writer group at a time (the id prefix:
//! `cm`, `sz` for the team's two files, `w3`, `w4`, `w5` for the separate writers), so the
//! numbers say how the classifier does on someone whose writing it has not seen:
//!
//! 1. for each fold, a naive Bayes model trained on the other folds gives the held-out
//!    messages their features (so the regression never learns from a model that has
//!    memorised the very message);
//! 2. for each fold, a regression trained on the other folds' features predicts the
//!    held-out ones; those out-of-fold predictions fit the temperature, the 9-1-1
//!    threshold, the review thresholds and which stage decides the category;
//! 3. the shipped regression is trained on all features, the shipped naive Bayes on all
//!    messages.
//!
//! Deterministic: full-batch gradient descent from zero in a fixed order.

use std::collections::BTreeSet;

use super::eval::LabelledExample;
use super::stack::{softmax, top_two, Decider, Features, Stacker, FEATURES};
use super::{model, normalize, Category, Classifier, TriageConfigError};

/// The 9-1-1 net's targets on the folds: recall first, then false emergencies.
pub const TARGET_EMERGENCY_RECALL: f64 = 0.99;
/// Highest acceptable share of non-emergencies that get the 9-1-1 reply.
pub const MAX_FALSE_EMERGENCY: f64 = 0.03;
/// Largest share of messages the review thresholds may send to an operator.
pub const MAX_REVIEW_SHARE: f64 = 0.15;

/// L2 penalty of the regression (per example).
const L2: f64 = 1e-3;
/// Gradient-descent iterations.
const ITERATIONS: usize = 400;
/// Learning rate (features are scaled to about 0–2).
const RATE: f64 = 0.5;

/// What the folds measured, for the trainer to print.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldReport {
    /// Writer groups held out in turn.
    pub groups: Vec<String>,
    /// Messages.
    pub total: usize,
    /// Out-of-fold macro-F1 of the rules' decision and of the regression's.
    pub macro_f1_rules: f64,
    /// See `macro_f1_rules`.
    pub macro_f1_stack: f64,
    /// Out-of-fold macro-F1 of the shipped decision (after `place_min`).
    pub macro_f1: f64,
    /// Below this the regression's pick goes to `other` for review.
    pub place_min: f64,
    /// Fitted temperature.
    pub temperature: f64,
    /// Expected calibration error of the top probability before and after the temperature.
    pub ece_raw: f64,
    /// See `ece_raw`.
    pub ece: f64,
    /// The chosen 9-1-1 threshold and its out-of-fold recall and false-emergency rate.
    pub emergency_threshold: f64,
    /// See `emergency_threshold`.
    pub emergency_recall: f64,
    /// See `emergency_threshold`.
    pub false_emergency: f64,
    /// Review thresholds and the share of messages and of errors they flag.
    pub review_min: f64,
    /// See `review_min`.
    pub review_margin: f64,
    /// See `review_min`.
    pub review_share: f64,
    /// See `review_min`.
    pub errors_flagged: f64,
}

/// Trains the whole model file (naive Bayes rows, then the calibrated stage's rows).
pub fn train_model(
    rules_toml: &str,
    examples: &[LabelledExample],
) -> Result<(String, FoldReport), TriageConfigError> {
    let texts: Vec<(String, Category)> = examples
        .iter()
        .map(|e| (normalize(&e.text), e.category))
        .collect();
    let groups = writer_groups(examples);
    let names: Vec<String> = groups
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let labels: Vec<usize> = examples.iter().map(|e| e.category.index()).collect();

    // 1. Out-of-fold features.
    let mut features = vec![Features([0.0; FEATURES]); examples.len()];
    let mut decided = vec![Category::Other; examples.len()];
    for g in &names {
        let train: Vec<(String, Category)> = texts
            .iter()
            .zip(&groups)
            .filter(|(_, h)| *h != g)
            .map(|(t, _)| t.clone())
            .collect();
        let nb = model::train_shipped(&train);
        let fold = Classifier::from_parts(rules_toml, Some(&nb))?;
        for (i, ex) in examples
            .iter()
            .enumerate()
            .filter(|(i, _)| groups[*i] == *g)
        {
            let (c, x) = fold.first_stage(&ex.input());
            features[i] = x;
            decided[i] = c.category;
        }
    }

    // 2. Out-of-fold regression.
    let sparse: Vec<Vec<(usize, f64)>> = features.iter().map(to_sparse).collect();
    let mut logits = vec![[0f64; 6]; examples.len()];
    for g in &names {
        let rows: Vec<usize> = (0..examples.len()).filter(|&i| groups[i] != *g).collect();
        let w = fit(&sparse, &labels, &rows);
        for i in (0..examples.len()).filter(|&i| groups[i] == *g) {
            logits[i] = predict(&w, &sparse[i]);
        }
    }
    let temperature = fit_temperature(&logits, &labels);
    let probs: Vec<[f32; 6]> = logits
        .iter()
        .map(|l| softmax(&l.map(|v| (v / temperature) as f32)))
        .collect();
    let raw: Vec<[f32; 6]> = logits
        .iter()
        .map(|l| softmax(&l.map(|v| v as f32)))
        .collect();
    let stack_pred: Vec<usize> = probs.iter().map(|p| top_two(p).0 .0.index()).collect();
    let rules_pred: Vec<usize> = decided.iter().map(Category::index).collect();
    let macro_f1_rules = macro_f1(&labels, &rules_pred);
    let macro_f1_stack = macro_f1(&labels, &stack_pred);
    // Ties keep the rules: they are what operators already know.
    let decider = if macro_f1_stack > macro_f1_rules {
        Decider::Stack
    } else {
        Decider::Rules
    };
    // Where the regression decides, the probability below which its pick goes to `other`
    // for review instead (the guide: never a guess that sends a wrong redirect): the one
    // that keeps the best out-of-fold macro-F1, the highest among equals.
    let (place_min, pred) = match decider {
        Decider::Rules => (0.0, rules_pred.clone()),
        Decider::Stack => {
            let mut best = (0.0, stack_pred.clone(), macro_f1(&labels, &stack_pred));
            for k in 1..=12 {
                let tau = f64::from(k) * 0.05;
                let placed = place(&stack_pred, &probs, tau);
                let f1 = macro_f1(&labels, &placed);
                if f1 >= best.2 {
                    best = (tau, placed, f1);
                }
            }
            (best.0, best.1)
        }
    };
    let pred = &pred;
    let (emergency_threshold, emergency_recall, false_emergency) =
        choose_emergency_threshold(&labels, pred, &probs);
    let (review_min, review_margin, review_share, errors_flagged) =
        choose_review(&labels, pred, &probs);

    // 3. The shipped model.
    let all: Vec<usize> = (0..examples.len()).collect();
    let w = fit(&sparse, &labels, &all);
    let stacker = Stacker {
        weights: w.iter().map(|r| r.map(|v| v as f32)).collect(),
        temperature: temperature as f32,
        emergency_threshold: emergency_threshold as f32,
        review_min: review_min as f32,
        review_margin: review_margin as f32,
        place_min: place_min as f32,
        decider,
    };
    let mut file = model::train_shipped(&texts);
    file.push_str(&stacker.to_tsv());
    let report = FoldReport {
        groups: names,
        total: examples.len(),
        macro_f1_rules,
        macro_f1_stack,
        macro_f1: macro_f1(&labels, pred),
        place_min,
        temperature,
        ece_raw: ece(&labels, &raw, pred),
        ece: ece(&labels, &probs, pred),
        emergency_threshold,
        emergency_recall,
        false_emergency,
        review_min,
        review_margin,
        review_share,
        errors_flagged,
    };
    Ok((file, report))
}

/// The regression's picks with those below `tau` (other than `emergency_911`) sent to
/// `other`.
fn place(pred: &[usize], probs: &[[f32; 6]], tau: f64) -> Vec<usize> {
    pred.iter()
        .zip(probs)
        .map(|(&c, p)| {
            if c != 0 && f64::from(p[c]) < tau {
                5
            } else {
                c
            }
        })
        .collect()
}

/// The writer group of each example: its id up to the first `-` (`w3-0001` → `w3`).
fn writer_groups(examples: &[LabelledExample]) -> Vec<String> {
    let groups: Vec<String> = examples
        .iter()
        .map(|e| e.id.split('-').next().unwrap_or_default().to_owned())
        .collect();
    let distinct: BTreeSet<&String> = groups.iter().collect();
    if distinct.len() >= 2 {
        return groups;
    }
    // One writer only (a small custom corpus): five folds by position instead.
    (0..examples.len()).map(|i| format!("f{}", i % 5)).collect()
}

fn to_sparse(x: &Features) -> Vec<(usize, f64)> {
    x.0.iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(i, v)| (i, f64::from(*v)))
        .collect()
}

fn predict(w: &[[f64; 6]], x: &[(usize, f64)]) -> [f64; 6] {
    let mut l = [0f64; 6];
    for &(i, v) in x {
        for c in 0..6 {
            l[c] += v * w[i][c];
        }
    }
    l
}

fn softmax64(l: &[f64; 6]) -> [f64; 6] {
    let top = l.iter().copied().fold(f64::MIN, f64::max);
    let e = l.map(|v| (v - top).exp());
    let s: f64 = e.iter().sum();
    e.map(|v| v / s)
}

/// Multinomial logistic regression on `rows`, L2-penalised (not the bias), by full-batch
/// gradient descent with Nesterov momentum from zero: deterministic.
fn fit(x: &[Vec<(usize, f64)>], y: &[usize], rows: &[usize]) -> Vec<[f64; 6]> {
    let mut w = vec![[0f64; 6]; FEATURES];
    let mut velocity = vec![[0f64; 6]; FEATURES];
    let n = rows.len().max(1) as f64;
    for _ in 0..ITERATIONS {
        let look: Vec<[f64; 6]> = w
            .iter()
            .zip(&velocity)
            .map(|(a, v)| std::array::from_fn(|c| a[c] + 0.9 * v[c]))
            .collect();
        let mut grad = vec![[0f64; 6]; FEATURES];
        for &r in rows {
            let p = softmax64(&predict(&look, &x[r]));
            for &(i, v) in &x[r] {
                for c in 0..6 {
                    let target = if c == y[r] { 1.0 } else { 0.0 };
                    grad[i][c] += v * (p[c] - target) / n;
                }
            }
        }
        for (i, g) in grad.iter_mut().enumerate().skip(1) {
            for c in 0..6 {
                g[c] += L2 * look[i][c];
            }
        }
        for i in 0..FEATURES {
            for c in 0..6 {
                velocity[i][c] = 0.9 * velocity[i][c] - RATE * grad[i][c];
                w[i][c] += velocity[i][c];
            }
        }
    }
    w
}

fn nll(logits: &[[f64; 6]], y: &[usize], t: f64) -> f64 {
    logits
        .iter()
        .zip(y)
        .map(|(l, &c)| -softmax64(&l.map(|v| v / t))[c].max(1e-12).ln())
        .sum()
}

/// The temperature that minimises the out-of-fold log-loss (golden-section search).
fn fit_temperature(logits: &[[f64; 6]], y: &[usize]) -> f64 {
    let (mut a, mut b) = (0.25f64, 6.0f64);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if nll(logits, y, c) < nll(logits, y, d) {
            b = d;
        } else {
            a = c;
        }
    }
    ((a + b) / 2.0 * 1e4).round() / 1e4
}

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
/// false-emergency limit; when no threshold does both, the most recall the limit allows.
fn choose_emergency_threshold(y: &[usize], pred: &[usize], probs: &[[f32; 6]]) -> (f64, f64, f64) {
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
            Some(a) if a.1 >= x.1 => Some(a),
            _ => Some(x),
        })
        .unwrap_or_else(|| {
            let (r, f) = net_rates(y, pred, probs, 0.99);
            (0.99, r, f)
        })
}

/// Review thresholds (top probability, gap to the second): those that flag the most
/// out-of-fold errors while sending at most [`MAX_REVIEW_SHARE`] of messages to review.
fn choose_review(y: &[usize], pred: &[usize], probs: &[[f32; 6]]) -> (f64, f64, f64, f64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_learns_a_separable_problem_deterministically() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..60 {
            let c = i % 3;
            x.push(vec![(0, 1.0), (1 + c, 1.0)]);
            y.push(c);
        }
        let rows: Vec<usize> = (0..60).collect();
        let w = fit(&x, &y, &rows);
        assert_eq!(w, fit(&x, &y, &rows));
        for (xi, &c) in x.iter().zip(&y) {
            let p = softmax64(&predict(&w, xi));
            assert!(p[c] > 0.8, "{p:?}");
        }
    }

    #[test]
    fn temperature_softens_an_overconfident_model() {
        // Right only 70 % of the time, with logits that claim 99 %.
        let logits: Vec<[f64; 6]> = (0..100).map(|_| [6.0, 0.0, 0.0, 0.0, 0.0, 0.0]).collect();
        let y: Vec<usize> = (0..100).map(|i| if i % 10 < 7 { 0 } else { 1 }).collect();
        assert!(fit_temperature(&logits, &y) > 1.5);
    }

    #[test]
    fn threshold_reaches_the_recall_target_when_it_can() {
        let y = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1];
        let pred = [0, 5, 5, 5, 5, 5, 5, 5, 5, 5];
        let p = |e: f32| [e, 0.0, 0.0, 0.0, 0.0, 1.0 - e];
        let probs = [
            p(0.9),
            p(0.3),
            p(0.2),
            p(0.01),
            p(0.01),
            p(0.01),
            p(0.01),
            p(0.01),
            p(0.01),
            p(0.01),
        ];
        let (t, recall, fe) = choose_emergency_threshold(&y, &pred, &probs);
        assert!((recall - 1.0).abs() < 1e-9 && fe == 0.0);
        assert!((0.02..=0.2).contains(&t), "{t}");
    }

    #[test]
    fn ece_is_zero_when_confidence_matches_accuracy() {
        let y = [0, 0, 1, 1];
        let probs = [[0.5, 0.5, 0.0, 0.0, 0.0, 0.0]; 4];
        let pred = [0, 0, 0, 0];
        assert!(ece(&y, &probs, &pred).abs() < 1e-9);
        assert!((macro_f1(&[0, 1], &[0, 1]) - 1.0).abs() < 1e-9);
    }
}
