//! legion-hub: the Integrations Hub of Legion Finance.
//!
//! Data flows one way (see DESIGN.md): front ends (the TUI, the CLI) hold an [`engine::Engine`]
//! and nothing else of the core; the engine owns the store and the providers and reports back
//! through an [`engine::Event`] stream.

pub mod api;
pub mod books;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod domain;
pub mod encoding;
pub mod engine;
pub mod format;
pub mod http;
pub mod integrations;
pub mod logging;
pub mod mirror;
pub mod oauth;
pub mod present;
pub mod privacy;
pub mod sandbox;
pub mod secret;
pub mod server;
pub mod signals;
pub mod store;
pub mod text;
pub mod tui;
