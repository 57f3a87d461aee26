//! One integration-test binary (faster to link than one per file).

mod cli;
mod fake_graph;
mod helpers;
mod outbox;
mod outbox_window;
mod robustness;
mod routing;
mod scale;
mod server;
mod store_contract;
mod webhook_bad_input;
mod webhook_fixtures;
mod webhook_receive;
