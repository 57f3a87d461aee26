//! Who is acting and what they may see: roles, permissions, region scope, and the report
//! filter that the queue's lists and the reports' exports both apply, so a coordinator's
//! export never shows a report their queue would hide.

pub mod filter;
pub mod principal;

pub use filter::ReportFilter;
pub use principal::{Permission, Principal, Role};
