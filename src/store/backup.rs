//! `legion-hub backup DIR`: a copy of both databases that the hub can open with
//! `--data-dir DIR`, taken by the process that owns the data (sled's files cannot be copied
//! safely while it runs). Each database is exported into a fresh sled database, so the copy is
//! whole and holds no half-written log segment; each tree is copied as it stands when the copy
//! reaches it.
//!
//! Webhook deliveries answered but not yet filed into the records wait in the inbox file: its
//! segments are copied first, and filed when the copy is opened.
//!
//! The master key is copied only when asked (`--with-key`): a backup holding its key opens
//! every secret, so the two are best kept apart.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::seal::{MASTER_KEY_ENV, SealError};
use super::{Store, StoreError, open_db};

/// What a backup wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupReport {
    pub dir: PathBuf,
    /// The process that took it (the owner of the data).
    #[serde(default)]
    pub taken_by: String,
    pub databases: Vec<CopiedDatabase>,
    /// Where the key was copied to, when it was.
    pub key_copied_to: Option<PathBuf>,
    /// Where the key the backup needs lives (a path, or the environment variable).
    pub key_lives_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopiedDatabase {
    /// `hub` or `records`.
    pub name: String,
    pub path: PathBuf,
    pub trees: usize,
    pub entries: u64,
    pub bytes: u64,
}

impl Store {
    /// Copies the data into `dir`, which must be new or empty; it is made 0700.
    pub fn backup(&self, dir: &Path, with_key: bool) -> Result<BackupReport, StoreError> {
        prepare_dir(dir)?;
        self.write_out_daily_totals()?;
        let records = self.records()?;
        let hub = copy("hub", &self.hub.db, &dir.join("hub"))?;
        // Deliveries answered 2xx but not filed yet live only in the inbox file: its segments
        // first, then the records, with no filing in between (the receiver goes on appending).
        let records = {
            let _no_filing = records.webhook_inbox.filing();
            records
                .webhook_inbox
                .copy_into(&dir.join(super::webhook_inbox::DIR))?;
            copy("records", &records.db, &dir.join("records"))?
        };
        let databases = vec![hub, records];
        let key_lives_at = if std::env::var_os(MASTER_KEY_ENV).is_some_and(|v| !v.is_empty()) {
            format!("{MASTER_KEY_ENV} (the environment of the process that took the backup)")
        } else {
            self.sealer.key_file().display().to_string()
        };
        let key_copied_to = if with_key {
            let (key, _) = self.master_key()?;
            let path = dir.join("master.key");
            key.write_new_file(&path)
                .map_err(|source| SealError::KeyFileIo {
                    path: path.clone(),
                    source,
                })?;
            Some(path)
        } else {
            None
        };
        Ok(BackupReport {
            dir: dir.to_path_buf(),
            taken_by: self.owner().to_string(),
            databases,
            key_copied_to,
            key_lives_at,
        })
    }
}

fn prepare_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let refuse = |reason: String| StoreError::BackupTarget {
        path: dir.to_path_buf(),
        reason,
    };
    if !dir.is_absolute() {
        return Err(refuse("it is not an absolute path".into()));
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(refuse(
                    "it is not empty (choose a new directory; a backup never writes over files)"
                        .into(),
                ));
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| refuse(e.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => super::create_private_dir(dir),
        Err(e) => Err(refuse(e.to_string())),
    }
}

/// Exports `source` into a fresh database at `path`.
fn copy(name: &str, source: &sled::Db, path: &Path) -> Result<CopiedDatabase, StoreError> {
    let copy = open_db(path, 1024 * 1024)?;
    copy.import(source.export());
    copy.flush()?;
    let mut trees = 0;
    let mut entries = 0;
    for tree_name in copy.tree_names() {
        trees += 1;
        entries += copy.open_tree(tree_name)?.len() as u64;
    }
    let bytes = copy.size_on_disk()?;
    Ok(CopiedDatabase {
        name: name.to_string(),
        path: path.to_path_buf(),
        trees,
        entries,
        bytes,
    })
}
