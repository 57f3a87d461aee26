//! alerta: triage of citizen security reports received over the WhatsApp Cloud API.
//!
//! A report travels `whatsapp` → `intake` → `triage` → `store`, with `registry` telling
//! which group a sender belongs to. See `../shared/spec/architecture.md` for the map.
#![forbid(unsafe_code)]

pub mod access;
pub mod app;
pub mod cli;
pub mod config;
pub mod error;
pub mod incidents;
pub mod intake;
pub mod loadgen;
pub mod notify;
pub mod privacy;
pub mod queue;
pub mod registry;
pub mod reports;
pub mod routing;
pub mod store;
pub mod telemetry;
pub mod triage;
pub mod vocab;
pub mod whatsapp;
