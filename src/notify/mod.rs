//! Notify: the outbox, the texts we send, and the sender worker (pacing, retries, the
//! 24-hour window, dry-run). It never decides categories or recipients; `routing` does.

pub mod backoff;
pub mod catalogue;
pub mod changes;
mod delivery;
pub mod render;
pub mod texts;
mod texts_check;
mod transport;
mod window;
pub mod worker;

pub use texts::Replies;
pub use transport::Transport;
pub use worker::{Sender, SenderSettings};

// The clock moved down to `vocab`; this path stays so code written against it keeps compiling.
pub use crate::vocab::clock;
pub use crate::vocab::Clock;
