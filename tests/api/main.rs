//! One integration-test binary (faster to link than one per file).

mod cli;
mod helpers;
mod server;
mod store_contract;
mod webhook_bad_input;
mod webhook_fixtures;
mod webhook_receive;
