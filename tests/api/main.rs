//! One integration-test binary (faster to link than one per file).

mod browser;
mod cache_control;
mod cli;
mod connections;
mod export_paging;
mod exports;
mod fake_graph;
mod group_commit;
mod helpers;
mod hot_paths;
mod media;
mod outbox;
mod outbox_window;
mod privacy;
mod queue_api;
mod robustness;
mod routing;
mod scale;
mod server;
mod store_contract;
mod web;
mod web_more;
mod webhook_bad_input;
mod webhook_damaged;
mod webhook_fixtures;
mod webhook_receive;
