//! One module per CLI command. Each takes the loaded settings, talks to the engine, prints, and
//! returns the process exit code.

pub mod backup;
pub mod budget;
pub mod categorize;
pub mod chat;
pub mod config;
pub mod contracts;
pub mod customers;
pub mod explain;

pub mod gemini;
pub mod import;
pub mod mindbody;
pub mod mirror;
pub mod paths;
pub mod prompt;
pub mod reconcile;
pub mod report;
pub mod report_cashflow;
pub mod report_projection;
pub mod sandbox;
pub mod secrets;
pub mod serve;
pub mod status;
pub mod sync;
pub mod transactions;
pub mod webhooks;

use crate::api::{Engine, Role};
use crate::config::Settings;
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
    /// Asked for something that cannot be done yet or at all: the message says what comes first.
    pub const USAGE: u8 = 2;
    pub const NEEDS_ATTENTION: u8 = 3;
}

/// An engine error as the command line says it: what happened, then the command to run where
/// one would mend it.
pub fn say(error: &crate::api::ApiError) -> String {
    error.said(crate::api::FrontEnd::CommandLine)
}

/// An error that ends the process, said for the command line, with its exit code (None: a
/// plain failure, said as it is).
pub fn explain(error: &anyhow::Error) -> Option<(String, u8)> {
    // A command that runs the core itself (`serve`) meets the engine's own error.
    let error = match error.downcast_ref::<crate::engine::EngineError>() {
        Some(engine) => std::borrow::Cow::Owned(crate::api::ApiError::from(engine)),
        None => std::borrow::Cow::Borrowed(error.downcast_ref::<crate::api::ApiError>()?),
    };
    match error.as_ref() {
        not_ready @ crate::api::ApiError {
            kind: crate::api::ErrorKind::NotReady,
            step: Some(step),
            ..
        } => {
            let code = if step.needs_attention() {
                exit::NEEDS_ATTENTION
            } else {
                exit::USAGE
            };
            Some((say(not_ready), code))
        }
        _ => None,
    }
}
