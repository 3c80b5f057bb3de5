//! The integration tests, one binary: each module is an area of the hub, `support` is shared with
//! the benches (benches/support includes it). One binary links the crate once, where 30 did.

mod support;

mod abuse;
mod backup;
mod bank_cli;
mod bank_import;
mod bank_readers;
mod bank_status;
mod bounds;
mod categorize;
mod chat_tools;
mod cli;
mod connections;
mod engine;
mod faults;
mod gemini_cli;
mod gemini_client;
mod gemini_engine;
mod gemini_structured;
mod hostile;
mod integrity;
mod mindbody_cli;
mod mindbody_connect;
mod mindbody_sandbox;
mod mindbody_sync;
mod newcomer;
mod payments;
mod readme;
mod reconcile;
mod rooms;
mod sandbox_bank;
mod secrets;
mod serve;
mod signals;
mod site_keys;
mod status_snapshot;
mod store;
mod sync_killed;
mod tui_behaviour;
mod tui_books;
mod tui_chat;
mod tui_connect;
mod tui_import;
mod tui_snapshots;
mod webhooks;
