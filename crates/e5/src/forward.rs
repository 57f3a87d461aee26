//! The BERT encoder's forward pass over one window of token ids: embeddings, then per layer
//! self-attention and the feed-forward block, each followed by a residual layer norm.
//!
//! Matrix products run as the reference engine runs them: each token's activations are
//! quantised to 8-bit values per block of 32 (scale = max |x| / 127, round half to even)
//! and multiplied by the 4-bit weights in integer arithmetic, one float multiply per block.
//! Matching its arithmetic keeps our embeddings within float rounding of the Python
//! engine's (`fixtures/triage/e5_reference.jsonl`). Both sides are held widened to `i16`:
//! the product of two `i16` blocks compiles to baseline x86-64's multiply-add of 16-bit
//! pairs (`pmaddwd`) with no unpacking, where bytes needed sign extension first; that
//! halved a forward pass (README, "The semantic pass") for 21 MB more resident weights.

use super::weights::{f16_to_f32, Layer, QMatrix, Weights, BLOCK, BLOCK_BYTES};

/// One token's activations, quantised.
struct Quantised {
    values: Vec<i16>,
    scales: Vec<f32>,
}

fn quantise(x: &[f32], width: usize) -> Quantised {
    let mut values = Vec::with_capacity(x.len());
    let mut scales = Vec::with_capacity(x.len() / BLOCK);
    for block in x.chunks_exact(BLOCK) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = amax / 127.0;
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        values.extend(
            block
                .iter()
                .map(|v| round_ties_even(v * inv).clamp(-128.0, 127.0) as i16),
        );
        scales.push(scale);
    }
    debug_assert_eq!(values.len() % width, 0);
    Quantised { values, scales }
}

/// `v.round_ties_even()` for |v| ≤ 2²² (here |v| ≤ 127): adding and removing 1.5 × 2²³
/// leaves no fraction bits, so the FPU's default rounding (to nearest, ties to even) does
/// the work. The std method calls libm's `rintf` on baseline x86-64 (no SSE4.1), which
/// took 6 % of a forward pass.
#[inline]
fn round_ties_even(v: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    (v + SHIFT) - SHIFT
}

#[inline]
fn dot_block(w: &[i16], a: &[i16]) -> i32 {
    let (w, a): (&[i16; BLOCK], &[i16; BLOCK]) = match (w.try_into(), a.try_into()) {
        (Ok(w), Ok(a)) => (w, a),
        _ => return 0,
    };
    w.iter()
        .zip(a.iter())
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

/// `out[t][r] = bias[r] + Σ_blocks scale_w × scale_a × <w_r, a_t>` for every token t.
fn matmul(w: &QMatrix, bias: &[f32], x: &[f32], tokens: usize) -> Vec<f32> {
    let q = quantise(x, w.cols);
    let blocks = w.cols / BLOCK;
    let mut out = vec![0.0f32; tokens * w.rows];
    for r in 0..w.rows {
        let row = &w.weights[r * w.cols..(r + 1) * w.cols];
        let row_scales = &w.scales[r * blocks..(r + 1) * blocks];
        for t in 0..tokens {
            let act = &q.values[t * w.cols..(t + 1) * w.cols];
            let act_scales = &q.scales[t * blocks..(t + 1) * blocks];
            let mut acc = 0.0f32;
            for b in 0..blocks {
                let s = dot_block(
                    &row[b * BLOCK..(b + 1) * BLOCK],
                    &act[b * BLOCK..(b + 1) * BLOCK],
                );
                acc += row_scales[b] * act_scales[b] * s as f32;
            }
            out[t * w.rows + r] = bias[r] + acc;
        }
    }
    out
}

/// `x = layer_norm(x + residual)` row by row.
fn add_norm(
    x: &mut [f32],
    residual: Option<&[f32]>,
    (gain, bias): &(Vec<f32>, Vec<f32>),
    eps: f32,
) {
    let h = gain.len();
    for (t, row) in x.chunks_exact_mut(h).enumerate() {
        if let Some(res) = residual {
            for (v, r) in row.iter_mut().zip(&res[t * h..(t + 1) * h]) {
                *v += r;
            }
        }
        let mean = row.iter().sum::<f32>() / h as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gain).zip(bias) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// The error function to about 1e-7 (Abramowitz & Stegun 7.1.26), enough for GELU in f32.
fn erf(x: f32) -> f32 {
    let x = f64::from(x);
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    (if x < 0.0 { -y } else { y }) as f32
}

fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Self-attention over all tokens of the window, head by head.
fn attention(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    tokens: usize,
    hidden: usize,
    heads: usize,
) -> Vec<f32> {
    let hd = hidden / heads;
    let scale = 1.0 / (hd as f32).sqrt();
    let mut ctx = vec![0.0f32; tokens * hidden];
    let mut prob = vec![0.0f32; tokens];
    for t in 0..tokens {
        for h in 0..heads {
            let qh = &q[t * hidden + h * hd..t * hidden + (h + 1) * hd];
            let mut max = f32::NEG_INFINITY;
            for (s, p) in prob.iter_mut().enumerate() {
                let kh = &k[s * hidden + h * hd..s * hidden + (h + 1) * hd];
                let d = qh.iter().zip(kh).map(|(a, b)| a * b).sum::<f32>() * scale;
                *p = d;
                max = max.max(d);
            }
            let mut sum = 0.0f32;
            for p in prob.iter_mut() {
                *p = (*p - max).exp();
                sum += *p;
            }
            let inv = 1.0 / sum;
            let out = &mut ctx[t * hidden + h * hd..t * hidden + (h + 1) * hd];
            for (s, p) in prob.iter().enumerate() {
                let w = p * inv;
                let vh = &v[s * hidden + h * hd..s * hidden + (h + 1) * hd];
                for (o, x) in out.iter_mut().zip(vh) {
                    *o += w * x;
                }
            }
        }
    }
    ctx
}

fn layer(l: &Layer, x: &mut [f32], tokens: usize, hidden: usize, heads: usize, eps: f32) {
    let q = matmul(&l.q, &l.q_bias, x, tokens);
    let k = matmul(&l.k, &l.k_bias, x, tokens);
    let v = matmul(&l.v, &l.v_bias, x, tokens);
    let ctx = attention(&q, &k, &v, tokens, hidden, heads);
    let attn = matmul(&l.attn_out, &l.attn_out_bias, &ctx, tokens);
    add_norm(x, Some(&attn), &l.attn_norm, eps);
    let mut mid = matmul(&l.ff_in, &l.ff_in_bias, x, tokens);
    for m in &mut mid {
        *m = gelu(*m);
    }
    let out = matmul(&l.ff_out, &l.ff_out_bias, &mid, tokens);
    add_norm(x, Some(&out), &l.out_norm, eps);
}

/// The mean of the last layer's hidden states over every token of the window (`<s>` and
/// `</s>` included, as the model was trained to be pooled), not yet normalised. `ids` must
/// fit the position table; the caller windows longer inputs.
pub(super) fn pooled(w: &Weights, ids: &[u32]) -> Vec<f32> {
    let s = &w.shape;
    let h = s.hidden;
    let tokens = ids.len().min(s.positions);
    let mut x = vec![0.0f32; tokens * h];
    let blocks = h / BLOCK;
    for (t, &id) in ids.iter().take(tokens).enumerate() {
        // Ids come from the tokenizer, whose pieces never outnumber the rows (checked at
        // load); an out-of-range id would read as zeros rather than panic.
        let row = &mut x[t * h..(t + 1) * h];
        let start = id as usize * blocks * BLOCK_BYTES;
        if let Some(packed) = w.word.get(start..start + blocks * BLOCK_BYTES) {
            for (b, block) in packed.chunks_exact(BLOCK_BYTES).enumerate() {
                let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
                for (j, &byte) in block[2..].iter().enumerate() {
                    row[b * BLOCK + j] = f32::from(i16::from(byte & 0x0f) - 8) * d;
                    row[b * BLOCK + j + 16] = f32::from(i16::from(byte >> 4) - 8) * d;
                }
            }
        }
        let pos = &w.position[t * h..(t + 1) * h];
        for ((v, p), ty) in row.iter_mut().zip(pos).zip(&w.token_type) {
            *v += p + ty;
        }
    }
    add_norm(&mut x, None, &w.embed_norm, s.eps);
    for l in &w.layers {
        layer(l, &mut x, tokens, h, s.heads, s.eps);
    }
    let mut mean = vec![0.0f32; h];
    for row in x.chunks_exact(h) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    let inv = 1.0 / tokens.max(1) as f32;
    for m in &mut mean {
        *m *= inv;
    }
    mean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_ties_to_even_over_the_quantised_range() {
        for i in -130_000..=130_000 {
            let v = i as f32 / 1000.0;
            assert_eq!(round_ties_even(v), v.round_ties_even(), "{v}");
        }
        for v in [
            0.5f32, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, -127.5, 127.0, -0.0,
        ] {
            assert_eq!(round_ties_even(v), v.round_ties_even(), "{v}");
        }
    }
}
