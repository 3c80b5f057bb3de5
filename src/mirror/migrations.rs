//! The mirror's schema: SQL files kept in the repo (src/mirror/migrations/), applied in order
//! and recorded in `legion_hub_migrations`, under an advisory lock so two hubs starting at once
//! do not both apply one. A database with a version this build does not know is refused.

use tokio_postgres::Client;

use super::MirrorError;

/// The migrations, oldest first: (version, name, SQL).
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "the seed's tables",
        include_str!("migrations/0001_seed_tables.sql"),
    ),
    (
        2,
        "the books' tables",
        include_str!("migrations/0002_books_tables.sql"),
    ),
    (
        3,
        "one hub per studio",
        include_str!("migrations/0003_hub_leases.sql"),
    ),
    (
        4,
        "the rest of the books' tables",
        include_str!("migrations/0004_more_books_tables.sql"),
    ),
];

/// Any constant: the advisory lock all hubs take while migrating.
const MIGRATION_LOCK: i64 = 0x4c45_4749_4f4e;

/// Brings the database up to this build's schema; returns the versions applied now.
pub async fn migrate(client: &mut Client, target: &str) -> Result<Vec<i32>, MirrorError> {
    let refused = |e: tokio_postgres::Error| MirrorError::Refused {
        target: target.to_string(),
        reason: super::connect::say(&e),
    };
    let tx = client.transaction().await.map_err(refused)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(refused)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS legion_hub_migrations (
             version integer PRIMARY KEY,
             name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .map_err(refused)?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM legion_hub_migrations", &[])
        .await
        .map_err(refused)?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if let Some(found) = applied.iter().copied().max().filter(|v| *v > known) {
        return Err(MirrorError::NewerSchema {
            target: target.to_string(),
            found,
            known,
        });
    }
    let mut now = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql).await.map_err(refused)?;
        tx.execute(
            "INSERT INTO legion_hub_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(refused)?;
        now.push(*version);
    }
    tx.commit().await.map_err(refused)?;
    Ok(now)
}

/// The newest version applied, for `mirror status`.
pub async fn version(client: &Client) -> Option<i32> {
    client
        .query_one("SELECT max(version) FROM legion_hub_migrations", &[])
        .await
        .ok()
        .and_then(|row| row.get(0))
}
