//! Joining and leaving the registry over WhatsApp (issue 19).
//!
//! Intake never waits on the stored registry, so a message only *records* what it asks
//! (`plan.rs`: one `registry_requests` row in the message's transaction). The worker
//! (`worker.rs`) settles each request a moment later, on whichever replica takes it:
//!
//! - an *alta* (a join phrase or the «Quiero unirme» button from an unknown sender) waits
//!   for a coordinator of its region, who approves it into a group or declines it
//!   (`crate::queue::registry_requests`); a second one while the first waits is answered but
//!   not queued again;
//! - `ALTA` from a group's enlace gets an invite code; `ALTA 4F7K` from an unknown sender
//!   joins that code's group at once (guesses are limited per sender);
//! - `BAJA` from a member cancels their membership (ARCO);
//! - WhatsApp's `user_changed_number` moves the member (or coordinator) to the new number.
//!
//! Every registry change goes through `RegistrySync::change` (validated like
//! `check-config`, audited, installed here at once and on other replicas within a second).

mod invites;
mod plan;
mod worker;

pub use plan::plan_registry_request;
pub use worker::{person, welcome_params, JoinSettings, RegistryRequests};

/// `registry_requests.kind` values.
pub mod kind {
    pub const ALTA: &str = "alta";
    pub const INVITE_CODE: &str = "invite_code";
    pub const INVITE_JOIN: &str = "invite_join";
    pub const BAJA: &str = "baja";
    pub const NUMBER_CHANGE: &str = "number_change";
}
