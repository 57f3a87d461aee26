//! Meta's wire format: webhook payloads and their signature. This is the only module that
//! knows how the Cloud API spells things; everything downstream works on the types here.

pub mod address;
pub mod client;
pub mod media;
mod media_error;
pub mod outbound;
pub mod payload;
mod payload_items;
mod payload_repair;
pub mod signature;

pub use payload::{
    parse_notification, status_rank, ApiErrorInfo, ChangeEvent, Contact, InboundMessage, Location,
    MediaRef, MessageContext, Notification, ParseError, Pricing, StatusUpdate,
};
pub use signature::{verify_signature, verify_token_matches, SignatureError};
