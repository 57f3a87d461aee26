//! The regression itself: a multinomial logistic regression over sparse features, fitted by
//! full-batch gradient descent from zero (deterministic), and its temperature.

use super::super::stack::Features;

/// L2 penalty of the regression (per example).
const L2: f64 = 1e-3;
/// Gradient-descent iterations.
const ITERATIONS: usize = 400;
/// Learning rate (features are scaled to about 0–2).
const RATE: f64 = 0.5;

pub(super) fn to_sparse(x: &Features) -> Vec<(usize, f64)> {
    x.0.iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(i, v)| (i, f64::from(*v)))
        .collect()
}

pub(super) fn predict(w: &[[f64; 6]], x: &[(usize, f64)]) -> [f64; 6] {
    let mut l = [0f64; 6];
    for &(i, v) in x {
        for c in 0..6 {
            l[c] += v * w[i][c];
        }
    }
    l
}

pub(super) fn softmax64(l: &[f64; 6]) -> [f64; 6] {
    let top = l.iter().copied().fold(f64::MIN, f64::max);
    let e = l.map(|v| (v - top).exp());
    let s: f64 = e.iter().sum();
    e.map(|v| v / s)
}

/// Multinomial logistic regression on `rows`, L2-penalised (not the bias), by full-batch
/// gradient descent with Nesterov momentum from zero: deterministic.
pub(super) fn fit(
    x: &[Vec<(usize, f64)>],
    y: &[usize],
    rows: &[usize],
    n_features: usize,
) -> Vec<[f64; 6]> {
    let mut w = vec![[0f64; 6]; n_features];
    let mut velocity = vec![[0f64; 6]; n_features];
    let n = rows.len().max(1) as f64;
    for _ in 0..ITERATIONS {
        let look: Vec<[f64; 6]> = w
            .iter()
            .zip(&velocity)
            .map(|(a, v)| std::array::from_fn(|c| a[c] + 0.9 * v[c]))
            .collect();
        let mut grad = vec![[0f64; 6]; n_features];
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
        for i in 0..n_features {
            for c in 0..6 {
                velocity[i][c] = 0.9 * velocity[i][c] - RATE * grad[i][c];
                w[i][c] += velocity[i][c];
            }
        }
    }
    w
}

pub(super) fn nll(logits: &[[f64; 6]], y: &[usize], t: f64) -> f64 {
    logits
        .iter()
        .zip(y)
        .map(|(l, &c)| -softmax64(&l.map(|v| v / t))[c].max(1e-12).ln())
        .sum()
}

/// The temperature that minimises the out-of-fold log-loss (golden-section search).
pub(super) fn fit_temperature(logits: &[[f64; 6]], y: &[usize]) -> f64 {
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
