//! The studio's data stays the studio's: names, emails, phones and amounts live in the data
//! directory and the logs, so no other local user may read them. Everything the hub creates is
//! private (a umask of 077: files 0600, folders 0700); a data or log directory that already
//! exists (made by hand for systemd's `ReadWritePaths=`, or by an older legion-hub) is tightened
//! when it is this user's, and refused when it is another user's (writing there would leave files
//! its owner cannot read, or read what is not ours to read).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::config::Paths;

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(
        "{dir} belongs to another user (uid {owner}), not to this one (uid {me}): run legion-hub as the user the data belongs to (under systemd, the unit's User=), or give this one its own with --data-dir"
    )]
    ForeignOwner { dir: PathBuf, owner: u32, me: u32 },
    #[error("cannot make {dir} private ({source}): `chmod 700` it, then start again")]
    Tighten {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// From now on, what this process creates only its user can read.
pub fn private_by_default() {
    // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
    unsafe { libc::umask(0o077) };
}

/// Makes the data and log directories private where they exist. Returns one line for each
/// directory tightened, to tell the user.
pub fn secure(paths: &Paths) -> Result<Vec<String>, PrivacyError> {
    let mut said = Vec::new();
    for dir in [&paths.data_dir, &paths.log_dir] {
        if let Some(line) = keep_private(dir)? {
            said.push(line);
        }
    }
    Ok(said)
}

/// One directory: nothing to do if it does not exist yet (it will be made private), refused if
/// another user owns it, tightened to 0700 if group or others may look in.
fn keep_private(dir: &Path) -> Result<Option<String>, PrivacyError> {
    let Ok(meta) = std::fs::metadata(dir) else {
        return Ok(None);
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(PrivacyError::ForeignOwner {
            dir: dir.to_path_buf(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(None);
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|source| {
        PrivacyError::Tighten {
            dir: dir.to_path_buf(),
            source,
        }
    })?;
    Ok(Some(format!(
        "made {} private (mode {mode:o} → 700): it holds customer data no other user may read",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_directory_of_ours_is_tightened_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let line = keep_private(dir.path()).unwrap().unwrap();
        assert!(line.contains("755 → 700"), "{line}");
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert_eq!(keep_private(dir.path()).unwrap(), None, "already private");
        assert_eq!(keep_private(&dir.path().join("not-yet")).unwrap(), None);
    }
}
