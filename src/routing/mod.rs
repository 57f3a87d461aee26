//! Routing decisions: which coordinators hear about a report ([`coordinators_for`],
//! [`escalation_targets`], honouring the registry's duty rosters), by when it must be
//! acknowledged ([`ack_deadline`], [`next_escalation`]). What coordinators answer and the
//! folios they name are shared vocabulary: [`crate::vocab::command`], [`crate::vocab::folio`].
//!
//! Pure functions: no I/O, no clock (callers pass `now`), nothing sent from here. Times are
//! UTC in and out; days, shifts and working weeks are evaluated in the region's time zone.

mod attribution;
mod deadline;
mod roster;

#[cfg(test)]
mod tests;

pub use attribution::{attribute, Attributed};
pub use deadline::{ack_deadline, after_working_days, next_escalation, Deadlines};
pub use roster::{coordinators_for, escalation_targets, on_duty};

// Planning and the escalation worker (the worker is the only part with I/O: it moves
// reports through the store).
mod escalation;
pub mod joining;
mod message_plan;
// The registry reloader: the other worker here, keeping attribution's in-memory registry in
// step with the stored one.
mod registry_sync;

pub use escalation::Escalator;
pub use message_plan::{
    excerpt, plan_message, to_coordinator, PlanContext, UNREGISTERED_GROUP, UNREGISTERED_REGION,
};
pub use registry_sync::{OpenError as RegistryOpenError, RegistrySync};

// Folios and coordinator commands moved down to `vocab`; these paths stay so code written
// against them (other branches, integration tests) keeps compiling.
pub use crate::vocab::{
    button_payload, find_folios, parse_action, parse_button, parse_command, CoordinatorAction,
    CoordinatorCommand, Folio, ParseFolioError, ACKNOWLEDGE, MAX_WORDS, RESOLVE,
};
