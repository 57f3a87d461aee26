//! Incidents: reports about one real-world event, grouped so that coordinators get one
//! notice and every reporter hears the outcome.
//!
//! - [`meaning`]: the similarity interface ([`Meaning`]), where "unrelated" sits on its
//!   scale ([`Scale`]), and character n-gram TF-IDF, which always serves it;
//! - [`embedding`]: the triage model's word vectors serving it too ([`Embedding`]), and
//!   `alike`: how grouping weighs the two readings;
//! - [`reading`]: those fitted together on recent reports ([`Fitted`]), with the vectors
//!   triage loaded (n-grams alone when it did not);
//! - [`details`]: the coloured things a report describes, "otra vez" and "otro incendio";
//!   [`ages`]: the ages of the people it is about; `errands`: the group's everyday
//!   business ("vendo", "¿alguien tiene cambio?"), which is about no event; `follow_ups`:
//!   the folio or the kind of request a follow-up names; `search`: a missing person's
//!   search and the news of it, which keep to it for a day; `problems`: the kind of
//!   standing problem a request is about; `phrases`: the phrase and word lookups they
//!   share;
//! - [`places`]: the streets, landmarks, schools and shops a report's text names;
//! - [`policy`]: windows by category, which categories may share an incident, weights and
//!   thresholds;
//! - [`grouping`]: the decision (gates, then evidence adding up to a score), explainable
//!   and deterministic; [`grouper`]: open incidents in memory;
//! - [`eval`]: pairwise precision and recall against labelled bursts
//!   (`alerta incidents eval`, with `--errores` the mistakes and what decided them);
//! - `recall`: what the worker has already read of the open reports;
//! - `worker`: places new reports through the store and sends what `notices` words: the
//!   coordinators' notices and the outcome every reporter of an incident hears.

pub mod ages;
mod alike;
pub mod details;
pub mod embedding;
mod errands;
pub mod eval;
mod follow_ups;
pub mod grouper;
pub mod grouping;
pub mod meaning;
mod notices;
mod phrases;
pub mod places;
pub mod policy;
mod problems;
pub mod reading;
mod recall;
mod search;
mod worker;

pub use embedding::Embedding;
pub use grouper::Grouper;
pub use grouping::{decide, metres, Decision, Facts, Incident, Member, Signal};
pub use meaning::{Meaning, NgramTfidf, Scale, Vector};
pub use notices::{summary, GROWTH};
pub use places::Gazetteer;
pub use policy::{Family, Policy};
pub use reading::{Fitted, Reader};
pub use worker::{IncidentWorker, Pass};
