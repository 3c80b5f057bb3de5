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
fn is_damage(error: &sled::Error) -> bool {
    matches!(
        error,
        sled::Error::Corruption { .. } | sled::Error::ReportableBug(_)
    )
}

fn damaged(path: &Path, detail: String) -> StoreError {
    // sled's own words can be long (a backtrace-like dump): the first line says enough.
    let detail = detail.lines().next().unwrap_or_default().chars().take(200).collect();
    StoreError::Damaged {
        path: path.to_path_buf(),
        detail,
    }
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
