//! Incidents: reports about one real-world event, grouped so that coordinators get one
//! notice and every reporter hears the outcome.
//!
//! - [`meaning`]: the similarity interface ([`Meaning`]) and character n-gram TF-IDF, which
//!   serves it until the triage model's sentence embeddings do;
//! - [`grouping`]: the decision (region, time window by category, place, meaning, same
//!   photo, same forwarded text), explainable and deterministic, and an in-memory index;
//! - [`eval`]: pairwise precision and recall against labelled bursts
//!   (`alerta incidents eval`);
//! - `worker`: places new reports through the store, the coordinators' notices, and the
//!   outcome every reporter of an incident hears.

pub mod eval;
pub mod grouping;
pub mod meaning;
mod worker;

pub use grouping::{decide, metres, Decision, Facts, Grouper, Incident, Member, Policy, Signal};
pub use meaning::{Meaning, NgramTfidf, Vector};
pub use worker::{summary, IncidentWorker, Pass, GROWTH};
