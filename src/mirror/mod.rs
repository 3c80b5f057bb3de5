//! The Postgres mirror: the hub's data, fed into a PostgreSQL database (the Legion Finance web
//! app's, or a chain's) in the seed's schema, never the other way round; sled stays the store.
//!
//! - [`settings`]: `[mirror]` in config.toml (the URL, the studio's id, whether sealed secrets go).
//! - [`connect`]: one connection, TLS with the system's roots as `sslmode` says.
//! - [`migrations`]: the schema, versioned SQL files recorded in the database.
//! - [`tables`]: each mirrored table: its columns, how a row is read from the hub, its upsert.
//! - [`drain`]: the outbox (store/outbox.rs) and the first backfill, sent in batches.
//! - [`lease`]: one hub per studio.
//! - [`check`]: both sides compared, table by table.
//! - [`state`]: what the mirror last did, kept for `mirror status`, `status` and the dashboard.
//!
//! Uses the store and the engine's host; no front end uses it but through the engine.

pub mod check;
pub mod connect;
pub mod drain;
pub mod duty;
pub mod lease;
pub mod migrations;
pub mod settings;
pub mod state;
pub mod tables;

pub use settings::MirrorConfig;

/// What can go wrong on the way to Postgres, each said with what to do.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error(
        "no Postgres mirror is set up: set [mirror] postgres_url (or LEGION_HUB_POSTGRES_URL) and [mirror] studio_id in config.toml"
    )]
    NotConfigured,
    #[error(
        "[mirror] postgres_url is set but [mirror] studio_id is not: set it to the studio's user id in Legion Finance (a UUID)"
    )]
    NoStudio,
    #[error(
        "the Postgres URL cannot be read ({0}): write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require"
    )]
    BadUrl(String),
    #[error(
        "cannot reach Postgres at {target}: {reason}\nthe changes wait in the hub and are sent when it is back"
    )]
    Unreachable { target: String, reason: String },
    #[error("Postgres at {target} refused: {reason}")]
    Refused { target: String, reason: String },
    #[error(
        "the Postgres database at {target} has mirror schema {found}, newer than this legion-hub knows ({known}): upgrade legion-hub"
    )]
    NewerSchema {
        target: String,
        found: i32,
        known: i32,
    },
    #[error(
        "studio {studio} is already mirrored by another hub ({holder}, last seen {seen}): give this hub its own [mirror] studio_id, or stop that hub's mirror; its lease lapses ten minutes after it was last seen"
    )]
    LeaseHeld {
        studio: String,
        holder: String,
        seen: String,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
