//! Shared vocabulary: the words every layer uses and none owns. The clock the workers read,
//! folios and the commands coordinators type about them, what people write to join or
//! leave, and the one set of Spanish labels
//! for statuses, priorities and categories.
//!
//! It sits at the bottom of the module graph and imports nothing from the crate, so any
//! module may use it without reaching back up the pipeline (see `docs/architecture.md`).

pub mod clock;
pub mod command;
pub mod folio;
pub mod joining;
pub mod labels;

pub use clock::Clock;
pub use command::{
    button_payload, parse_action, parse_button, parse_command, CoordinatorAction,
    CoordinatorCommand, ACKNOWLEDGE, MAX_WORDS, RESOLVE,
};
pub use folio::{find_folios, Folio, ParseFolioError};
pub use joining::{JoinWords, RegistryAsk, JOIN_BUTTON};
pub use labels::{category_es, priority_es, status_es, Status};
