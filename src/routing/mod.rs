//! Routing decisions: which coordinators hear about a report ([`coordinators_for`],
//! [`escalation_targets`], honouring the registry's duty rosters), by when it must be
//! acknowledged ([`ack_deadline`], [`next_escalation`]), and what coordinators answer
//! ([`parse_command`], [`parse_button`]), plus folios ([`Folio`], [`find_folios`]).
//!
//! Pure functions: no I/O, no clock (callers pass `now`), nothing sent from here. Times are
//! UTC in and out; days, shifts and working weeks are evaluated in the region's time zone.

mod command;
mod deadline;
mod folio;
mod roster;

#[cfg(test)]
mod tests;

pub use command::{
    button_payload, parse_action, parse_button, parse_command, CoordinatorAction,
    CoordinatorCommand, ACKNOWLEDGE, MAX_WORDS, RESOLVE,
};
pub use deadline::{ack_deadline, after_working_days, next_escalation, Deadlines};
pub use folio::{find_folios, Folio, ParseFolioError};
pub use roster::{coordinators_for, escalation_targets, on_duty};

// Planning and the escalation worker (the worker is the only part with I/O: it moves
// reports through the store).
mod escalation;
mod plan;

pub use escalation::Escalator;
pub use plan::{
    excerpt, plan_message, to_coordinator, PlanContext, UNREGISTERED_GROUP, UNREGISTERED_REGION,
};
