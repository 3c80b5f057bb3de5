//! Opening databases that may be damaged or emptied, with an error that names the file and the
//! way back instead of a panic or a fresh start.
//!
//! sled panics on some damaged files (scattered byte flips in its log), and `serve` under
//! `Restart=on-failure` would crash-loop on that panic: every open here runs under
//! `catch_unwind`, with the panic's default report silenced for that thread, and becomes
//! [`StoreError::Damaged`].
//!
//! An emptied `hub` database (truncated, or replaced by an empty one) would open as a brand new
//! hub and show every integration disconnected. The records database is stamped with the schema
//! the first time any process opens it, which happens only after the hub was stamped; so a hub
//! with no schema beside a stamped records database was lost, not new. The check costs nothing
//! on a healthy hub: it runs only when the hub has no schema stamp.
//!
//! sled opens some damaged files as empty rather than failing (measured: any byte flipped in
//! the records log of a 2,000-run hub, and the history read back empty with exit 0). So the
//! hub also records that the records database was stamped, and a records database found
//! unstamped after that is reported as lost ([`StoreError::RecordsLost`]), never started over.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Once;

use super::StoreError;

thread_local! {
    /// Set while this thread runs an open that may panic: its panic is reported as an error.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `open` (sled work on `path`), turning a panic into [`StoreError::Damaged`].
pub(super) fn guarded<T>(
    path: &Path,
    open: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was_quiet = QUIET.with(|q| q.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(open));
    QUIET.with(|q| q.set(was_quiet));
    match outcome {
        Ok(Err(StoreError::Sled(error))) | Ok(Err(StoreError::Open { source: error, .. }))
            if is_damage(&error) =>
        {
            Err(damaged(path, error.to_string()))
        }
        Ok(result) => result,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "sled stopped on it".into());
            Err(damaged(path, detail))
        }
    }
}

/// sled's errors that mean the file itself is bad, not the disk or the permissions.
pub(super) fn is_damage(error: &sled::Error) -> bool {
    matches!(
        error,
        sled::Error::Corruption { .. }
            | sled::Error::ReportableBug(_)
            | sled::Error::Unsupported(_)
    )
}

fn damaged(path: &Path, detail: String) -> StoreError {
    // sled's own words can be long (a backtrace-like dump): the first line says enough.
    let detail = detail
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    StoreError::Damaged {
        path: path.to_path_buf(),
        detail,
    }
}

/// Recorded in the hub once the records database is stamped: from then on an unstamped records
/// database was lost, not new.
const RECORDS_KEPT: &[u8] = b"records_initialized";

/// Before the records database is used: sled opens some damaged log files as empty, and a
/// records database the hub says was stamped but that is not stamped now lost its history.
pub(super) fn check_records_kept(
    records: &sled::Db,
    path: &Path,
    hub_meta: &sled::Tree,
) -> Result<(), StoreError> {
    if !stamped(records)? && hub_meta.contains_key(RECORDS_KEPT)? {
        return Err(StoreError::RecordsLost {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Notes in the hub that the records database is stamped (once; cheap after).
pub(super) fn mark_records_kept(hub: &sled::Db, hub_meta: &sled::Tree) -> Result<(), StoreError> {
    if !hub_meta.contains_key(RECORDS_KEPT)? {
        hub_meta.insert(RECORDS_KEPT, &[1u8])?;
        hub.flush()?;
    }
    Ok(())
}

/// Whether a database was ever stamped by legion-hub (it has a schema version).
pub(super) fn stamped(db: &sled::Db) -> Result<bool, StoreError> {
    Ok(db
        .open_tree(super::meta::TREE)?
        .contains_key(super::meta::SCHEMA_KEY)?)
}

/// Whether the records database at `path` was stamped, opened only for this question (called
/// only when the hub has no stamp, so a healthy `status` never pays for it).
pub(super) fn records_were_stamped(path: &Path) -> Result<bool, StoreError> {
    if !path.join("db").exists() && !path.join("conf").exists() {
        return Ok(false);
    }
    guarded(path, || {
        let db = super::open_db(path, 1024 * 1024)?;
        stamped(&db)
    })
}
