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
pub mod status;
pub mod sync;

/// The exit codes scripts can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const NEEDS_ATTENTION: u8 = 3;
}
