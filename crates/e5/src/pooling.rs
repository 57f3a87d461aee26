//! From a text's tokens to one unit vector: windows, mean pooling, L2 normalisation.
//!
//! The model sees at most 512 positions: `<s>`, up to 510 content tokens, `</s>`. A longer
//! text is cut into consecutive windows of 510 content tokens (no overlap), each run as its
//! own input; the text's vector is the average of the windows' mean-pooled vectors weighted
//! by their content tokens, then L2-normalised. That is what the reference engine does, so
//! our vectors match it. Beyond [`MAX_WINDOWS`] windows the rest of the text is dropped
//! (truncated): a window of 512 tokens costs about a second on one core, and a report's
//! meaning is in its first thousand tokens (~700 words; WhatsApp reports run 10–200). The
//! rules pass still reads the whole message.

use super::forward;
use super::weights::Weights;

/// Windows of one text that are encoded; what follows is not (see the module comment).
pub const MAX_WINDOWS: usize = 2;

/// The unit vector of a text already tokenised (content tokens only).
pub(super) fn embed(w: &Weights, bos: u32, eos: u32, content: &[u32]) -> Vec<f32> {
    let per_window = w.shape.positions - 2;
    let mut sum = vec![0.0f32; w.shape.hidden];
    let mut weight = 0.0f64;
    let windows: Vec<&[u32]> = if content.is_empty() {
        vec![&[]]
    } else {
        content.chunks(per_window).take(MAX_WINDOWS).collect()
    };
    let mut ids = Vec::with_capacity(per_window + 2);
    for window in windows {
        ids.clear();
        ids.push(bos);
        ids.extend_from_slice(window);
        ids.push(eos);
        let mean = forward::pooled(w, &ids);
        let wt = window.len().max(1) as f32;
        for (s, m) in sum.iter_mut().zip(&mean) {
            *s += wt * m;
        }
        weight += f64::from(wt);
    }
    let inv = (1.0 / weight) as f32;
    for s in &mut sum {
        *s *= inv;
    }
    let norm = sum.iter().map(|v| v * v).sum::<f32>().max(1e-12).sqrt();
    for s in &mut sum {
        *s /= norm;
    }
    sum
}
