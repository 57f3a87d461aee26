//! Notify: the outbox, the texts we send, and the sender worker (pacing, retries, the
//! 24-hour window, dry-run). It never decides categories or recipients; `routing` does.

pub mod backoff;
pub mod catalogue;
pub mod clock;
mod delivery;
pub mod render;
pub mod texts;
mod texts_check;
mod transport;
mod window;
pub mod worker;

pub use clock::Clock;
pub use texts::Replies;
pub use transport::Transport;
pub use worker::{Sender, SenderSettings};
