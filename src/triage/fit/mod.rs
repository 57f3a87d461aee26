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
//! With the distilled vectors ([`super::semantic`]) steps 2–3 run twice: once without the
//! message vector (the `@` rows, used when the vectors file is absent) and once with it
//! (the `@sem.` rows), each with its own temperature and thresholds.
//!
//! Deterministic: full-batch gradient descent from zero in a fixed order.

use std::collections::BTreeSet;

mod choice;
mod regression;

use super::eval::LabelledExample;
use super::semantic::{examples_to_tsv, WordVectors};
use super::stack::{softmax, top_two, Decider, Features, Section, Stacker, FEATURES, SEM_SCALE};
use super::{model, normalize, Category, Classifier, TriageConfigError};
use choice::{choose_emergency_threshold, choose_review};
pub use choice::{ece, macro_f1};
use regression::{fit, fit_temperature, predict, to_sparse};

/// The 9-1-1 net's targets on the folds: recall first, then false emergencies.
pub const TARGET_EMERGENCY_RECALL: f64 = 0.99;
/// Highest acceptable share of non-emergencies that get the 9-1-1 reply.
pub const MAX_FALSE_EMERGENCY: f64 = 0.03;
/// Largest share of messages the review thresholds may send to an operator.
pub const MAX_REVIEW_SHARE: f64 = 0.15;

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

/// What `alerta triage train` produces: the model file and what the folds measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// The whole model file.
    pub file: String,
    /// The regression without the semantic vector (used when the vectors are absent).
    pub base: FoldReport,
    /// The regression with it, when vectors were given.
    pub semantic: Option<FoldReport>,
    /// Whether the regression with the vector decides (it is written to the model file):
    /// only when the folds say it does at least as well on every figure that matters.
    pub semantic_decides: bool,
}

/// The semantic regression replaces the base one only when the writer-held-out folds say
/// it is no worse on macro-F1 and on the 9-1-1 safety net's recall, and its false
/// emergencies stay within the 3 %: a vector that does not help is not trusted
/// with the decision (it still finds the nearest examples for the reasons).
pub fn semantic_wins(base: &FoldReport, semantic: &FoldReport) -> bool {
    semantic.macro_f1 >= base.macro_f1
        && semantic.emergency_recall >= base.emergency_recall
        && semantic.false_emergency <= 0.03
}

/// Trains the whole model file: the naive Bayes rows, then the calibrated stage's rows
/// (`@`), and with `vectors` the semantic regression's rows (`@sem.`) and the examples the
/// reasons can name (`@ex`).
pub fn train_model(
    rules_toml: &str,
    examples: &[LabelledExample],
    vectors: Option<&WordVectors>,
) -> Result<Trained, TriageConfigError> {
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
    let folds = Folds {
        names: &names,
        groups: &groups,
        labels: &labels,
        decided: &decided,
    };

    // 2–3. Each regression on its features. The vectors need no fold: they come from the
    // encoder, not from the labels.
    let sparse: Vec<Vec<(usize, f64)>> = features.iter().map(to_sparse).collect();
    let (base_stacker, base) = fit_section(&folds, &sparse, FEATURES);
    let mut file = model::train_shipped(&texts);
    file.push_str(&base_stacker.to_tsv());
    let semantic = vectors.map(|v| {
        let with_vectors: Vec<Vec<(usize, f64)>> = sparse
            .iter()
            .zip(&texts)
            .map(|(x, (normalized, _))| {
                let mut x = x.clone();
                let sem = v.embed_normalized(normalized);
                x.extend(
                    sem.iter()
                        .enumerate()
                        .filter(|(_, s)| **s != 0.0)
                        .map(|(i, s)| (FEATURES + i, f64::from(*s) * f64::from(SEM_SCALE))),
                );
                x
            })
            .collect();
        let (stacker, report) = fit_section(&folds, &with_vectors, Section::Semantic.features());
        if semantic_wins(&base, &report) {
            file.push_str(&stacker.to_tsv());
        }
        file.push_str(&examples_to_tsv(
            examples
                .iter()
                .map(|e| (e.id.as_str(), e.category, e.text.as_str())),
        ));
        report
    });
    let semantic_decides = semantic.as_ref().is_some_and(|r| semantic_wins(&base, r));
    Ok(Trained {
        file,
        base,
        semantic,
        semantic_decides,
    })
}

/// The folds and what the first stage decided on them.
struct Folds<'a> {
    names: &'a [String],
    groups: &'a [String],
    labels: &'a [usize],
    decided: &'a [Category],
}

/// One regression: out-of-fold predictions choose its temperature and thresholds, then it
/// is trained on everything.
fn fit_section(
    folds: &Folds<'_>,
    sparse: &[Vec<(usize, f64)>],
    n_features: usize,
) -> (Stacker, FoldReport) {
    let (names, groups, labels) = (folds.names, folds.groups, folds.labels);
    let n = labels.len();
    let mut logits = vec![[0f64; 6]; n];
    for g in names {
        let rows: Vec<usize> = (0..n).filter(|&i| groups[i] != *g).collect();
        let w = fit(sparse, labels, &rows, n_features);
        for i in (0..n).filter(|&i| groups[i] == *g) {
            logits[i] = predict(&w, &sparse[i]);
        }
    }
    let temperature = fit_temperature(&logits, labels);
    let probs: Vec<[f32; 6]> = logits
        .iter()
        .map(|l| softmax(&l.map(|v| (v / temperature) as f32)))
        .collect();
    let raw: Vec<[f32; 6]> = logits
        .iter()
        .map(|l| softmax(&l.map(|v| v as f32)))
        .collect();
    let stack_pred: Vec<usize> = probs.iter().map(|p| top_two(p).0 .0.index()).collect();
    let rules_pred: Vec<usize> = folds.decided.iter().map(Category::index).collect();
    let macro_f1_rules = macro_f1(labels, &rules_pred);
    let macro_f1_stack = macro_f1(labels, &stack_pred);
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
            let mut best = (0.0, stack_pred.clone(), macro_f1(labels, &stack_pred));
            for k in 1..=12 {
                let tau = f64::from(k) * 0.05;
                let placed = place(&stack_pred, &probs, tau);
                let f1 = macro_f1(labels, &placed);
                if f1 >= best.2 {
                    best = (tau, placed, f1);
                }
            }
            (best.0, best.1)
        }
    };
    let pred = &pred;
    let (emergency_threshold, emergency_recall, false_emergency) =
        choose_emergency_threshold(labels, pred, &probs);
    let (review_min, review_margin, review_share, errors_flagged) =
        choose_review(labels, pred, &probs);

    let all: Vec<usize> = (0..n).collect();
    let w = fit(sparse, labels, &all, n_features);
    let stacker = Stacker {
        weights: w.iter().map(|r| r.map(|v| v as f32)).collect(),
        temperature: temperature as f32,
        emergency_threshold: emergency_threshold as f32,
        review_min: review_min as f32,
        review_margin: review_margin as f32,
        place_min: place_min as f32,
        decider,
    };
    let report = FoldReport {
        groups: names.to_vec(),
        total: n,
        macro_f1_rules,
        macro_f1_stack,
        macro_f1: macro_f1(labels, pred),
        place_min,
        temperature,
        ece_raw: ece(labels, &raw, pred),
        ece: ece(labels, &probs, pred),
        emergency_threshold,
        emergency_recall,
        false_emergency,
        review_min,
        review_margin,
        review_share,
        errors_flagged,
    };
    (stacker, report)
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

#[cfg(test)]
mod tests {
    use super::regression::softmax64;
    use super::*;

    fn folds(macro_f1: f64, recall: f64, false_emergency: f64) -> FoldReport {
        FoldReport {
            groups: vec!["w3".into()],
            total: 100,
            macro_f1_rules: 0.9,
            macro_f1_stack: macro_f1,
            macro_f1,
            place_min: 0.4,
            temperature: 1.0,
            ece_raw: 0.01,
            ece: 0.01,
            emergency_threshold: 0.04,
            emergency_recall: recall,
            false_emergency,
            review_min: 0.8,
            review_margin: 0.0,
            review_share: 0.1,
            errors_flagged: 0.5,
        }
    }

    #[test]
    fn the_vectors_decide_only_when_the_folds_say_they_do_no_worse() {
        let base = folds(0.940, 0.990, 0.024);
        // What the shipped vectors measured: a little worse on macro-F1 and false alarms.
        assert!(!semantic_wins(&base, &folds(0.937, 0.990, 0.028)));
        assert!(!semantic_wins(&base, &folds(0.950, 0.985, 0.020)));
        assert!(!semantic_wins(&base, &folds(0.950, 0.995, 0.031)));
        assert!(semantic_wins(&base, &folds(0.945, 0.992, 0.026)));
    }

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
        let w = fit(&x, &y, &rows, FEATURES);
        assert_eq!(w, fit(&x, &y, &rows, FEATURES));
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
    fn threshold_takes_the_highest_of_equal_recall_within_the_limit() {
        // Ten emergencies, one of them as unlikely as the non-emergencies (0.01), so
        // recall 0.99 is out of reach within the limit; one non-emergency at 0.15. Every
        // threshold from 0.02 to 0.50 reaches recall 0.9, those up to 0.15 with one false
        // emergency (0.025, inside the limit): the highest, 0.50, reaches it with none.
        let mut y = vec![0; 10];
        y.extend(vec![1; 40]);
        let pred = vec![5; 50];
        let p = |e: f32| [e, 0.0, 0.0, 0.0, 0.0, 1.0 - e];
        let mut probs = vec![p(0.5); 9];
        probs.push(p(0.01));
        probs.push(p(0.15));
        probs.extend(vec![p(0.01); 39]);
        let (t, recall, fe) = choose_emergency_threshold(&y, &pred, &probs);
        assert!((recall - 0.9).abs() < 1e-9, "{recall}");
        assert!(fe == 0.0, "{fe}");
        assert!((0.495..0.505).contains(&t), "{t}");
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
