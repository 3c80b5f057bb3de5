//! One module per CLI command. Each takes the loaded settings, talks to the engine, prints, and
//! returns the process exit code.

pub mod chat;
pub mod config;
pub mod customers;

pub mod gemini;
pub mod mindbody;
pub mod paths;
pub mod prompt;
pub mod sandbox;
pub mod serve;
pub mod status;
pub mod sync;
pub mod transactions;
pub mod webhooks;

use crate::config::Settings;
use crate::engine::{Engine, Role};
use crate::server::control::Serving;

/// The engine for a command: the running hub's when there is one (over its control socket),
/// else this process's own, which then answers on the socket itself while it runs (so a
/// `status` during a long `sync` attaches instead of finding the data locked).
pub async fn open(settings: &Settings, role: Role) -> anyhow::Result<(Engine, Option<Serving>)> {
    let engine = Engine::attach_or_open(settings, role).await?;
    let serving = match (&engine, role) {
        (Engine::Local(core), Role::Command | Role::Dashboard | Role::Demo | Role::Serve) => Some(
            crate::server::control::start(core, &settings.paths.control_socket())?,
        ),
        _ => None,
    };
    Ok((engine, serving))
}

/// The exit codes scripts can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const NEEDS_ATTENTION: u8 = 3;
}
