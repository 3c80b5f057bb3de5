//! One hub per studio: a lease row per `user_id` naming the hub that writes its rows. A hub
//! takes it when it is free, its own, or silent for ten minutes (a hub that died), renews it
//! while it mirrors, and every batch checks it still holds it in the batch's own transaction.

use tokio_postgres::{Client, GenericClient};

use super::MirrorError;
use super::connect::say;

/// How long a silent lease holds.
pub const LAPSE: &str = "10 minutes";

/// Takes (or renews) the studio's lease for this hub.
pub async fn take(
    client: &Client,
    target: &str,
    studio_id: &str,
    hub_id: &str,
    holder: &str,
) -> Result<(), MirrorError> {
    let refused = |e: tokio_postgres::Error| MirrorError::Refused {
        target: target.to_string(),
        reason: say(&e),
    };
    let sql = format!(
        "INSERT INTO legion_hub_leases AS l (user_id, hub_id, holder, renewed_at) \
         VALUES ($1::text::uuid, $2::text::uuid, $3, now()) \
         ON CONFLICT (user_id) DO UPDATE SET hub_id = EXCLUDED.hub_id, holder = EXCLUDED.holder, renewed_at = now() \
         WHERE l.hub_id = EXCLUDED.hub_id OR l.renewed_at < now() - interval '{LAPSE}' \
         RETURNING hub_id::text"
    );
    let taken = client
        .query_opt(&sql, &[&studio_id, &hub_id, &holder])
        .await
        .map_err(refused)?;
    if taken.is_some() {
        return Ok(());
    }
    Err(held_by_other(client, target, studio_id).await)
}

/// Within a batch's transaction: still ours? (Row-locked until the batch commits.)
pub async fn still_ours(
    tx: &impl GenericClient,
    target: &str,
    studio_id: &str,
    hub_id: &str,
) -> Result<(), MirrorError> {
    let row = tx
        .query_opt(
            "SELECT hub_id::text, holder, renewed_at::text FROM legion_hub_leases WHERE user_id = $1::text::uuid FOR SHARE",
            &[&studio_id],
        )
        .await
        .map_err(|e| MirrorError::Refused {
            target: target.to_string(),
            reason: say(&e),
        })?;
    match row {
        Some(row) if row.get::<_, String>(0) == hub_id => Ok(()),
        Some(row) => Err(MirrorError::LeaseHeld {
            studio: studio_id.to_string(),
            holder: row.get(1),
            seen: row.get(2),
        }),
        // Taken away by hand: take it again before the next batch.
        None => Err(MirrorError::LeaseHeld {
            studio: studio_id.to_string(),
            holder: "nobody (the lease row was removed)".into(),
            seen: "never".into(),
        }),
    }
}

async fn held_by_other(client: &Client, target: &str, studio_id: &str) -> MirrorError {
    let row = client
        .query_opt(
            "SELECT holder, to_char(renewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' FROM legion_hub_leases WHERE user_id = $1::text::uuid",
            &[&studio_id],
        )
        .await;
    match row {
        Ok(Some(row)) => MirrorError::LeaseHeld {
            studio: studio_id.to_string(),
            holder: row.get(0),
            seen: row.get(1),
        },
        Ok(None) => MirrorError::Refused {
            target: target.to_string(),
            reason: "the lease could not be taken, and no hub holds it: try again".into(),
        },
        Err(e) => MirrorError::Refused {
            target: target.to_string(),
            reason: say(&e),
        },
    }
}
