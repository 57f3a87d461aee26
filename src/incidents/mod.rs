//! Incidents: reports about one real-world event, grouped so that coordinators get one
//! notice and every reporter hears the outcome.
//!
//! - [`meaning`]: the similarity interface ([`Meaning`]), where "unrelated" sits on its
//!   scale ([`Scale`]), and character n-gram TF-IDF, which serves it until the triage
//!   model's sentence embeddings do;
//! - [`reading`]: those fitted together on recent reports ([`Fitted`]);
//! - [`details`]: the coloured things a report describes, and "otra vez";
//! - [`places`]: the streets, landmarks, schools and shops a report's text names;
//! - [`policy`]: windows by category, which categories may share an incident, weights and
//!   thresholds;
//! - [`grouping`]: the decision (gates, then evidence adding up to a score), explainable
//!   and deterministic; [`grouper`]: open incidents in memory;
//! - [`eval`]: pairwise precision and recall against labelled bursts
//!   (`alerta incidents eval`);
//! - `recall`: what the worker has already read of the open reports;
//! - `worker`: places new reports through the store, the coordinators' notices, and the
//!   outcome every reporter of an incident hears.

pub mod details;
pub mod eval;
pub mod grouper;
pub mod grouping;
pub mod meaning;
pub mod places;
pub mod policy;
pub mod reading;
mod recall;
mod worker;

pub use grouper::Grouper;
pub use grouping::{decide, metres, Decision, Facts, Incident, Member, Signal};
pub use meaning::{Meaning, NgramTfidf, Scale, Vector};
pub use places::Gazetteer;
pub use policy::{Family, Policy};
pub use reading::{Fitted, Reader};
pub use worker::{summary, IncidentWorker, Pass, GROWTH};
