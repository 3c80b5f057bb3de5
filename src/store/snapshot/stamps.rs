//! What a database directory looks like to the file system: each file's name, size, inode and
//! times. Any write to a file changes its change time (ctime), which no one can set back by
//! hand; a file replaced (a restored backup) has a new inode as well.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FileStamp {
    /// The path under the database directory.
    name: String,
    len: u64,
    dev: u64,
    ino: u64,
    /// Seconds and nanoseconds.
    mtime: (i64, i64),
    ctime: (i64, i64),
}

/// Every file and folder under `dir` (sled keeps one level of folders, `blobs/`), by name.
pub(super) fn stamps(dir: &Path) -> std::io::Result<Vec<FileStamp>> {
    let mut found = Vec::new();
    collect(dir, "", 0, &mut found)?;
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

fn collect(
    dir: &Path,
    prefix: &str,
    depth: u32,
    found: &mut Vec<FileStamp>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        // Not followed: a link is stamped as itself.
        let meta = entry.metadata()?;
        found.push(FileStamp {
            len: meta.len(),
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            name: name.clone(),
        });
        if meta.is_dir() {
            if depth >= 2 {
                // Deeper than sled ever goes: not a database we know how to vouch for.
                return Err(std::io::Error::other("unexpected nesting in the database"));
            }
            collect(&entry.path(), &format!("{name}/"), depth + 1, found)?;
        }
    }
    Ok(())
}

/// The latest time any of them was written or changed.
pub(super) fn latest(stamps: &[FileStamp]) -> (i64, i64) {
    stamps
        .iter()
        .flat_map(|s| [s.mtime, s.ctime])
        .max()
        .unwrap_or((i64::MIN, 0))
}

/// When `file` was last written, by the file system's clock.
pub(super) fn written_at(file: &std::fs::File) -> std::io::Result<(i64, i64)> {
    let meta = file.metadata()?;
    Ok((meta.mtime(), meta.mtime_nsec()))
}
