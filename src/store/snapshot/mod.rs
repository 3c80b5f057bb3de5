//! The status snapshot: a small file beside the store (`status-snapshot.json`, mode 0600) from
//! which `legion-hub status` answers without opening sled, when no owner answers on the socket.
//!
//! **What it holds.** The facts the glance reads from the hub database, no more: the
//! integration records (credentials reduced to "there are some") and the few meta values the
//! views read (the last Gemini test, the webhook subscription, today's API-call counters, ...).
//! Which ones is learnt by running the glance's own view code on a [`facts::Recorder`]; the
//! glance remakes its views from them with its own config, environment and clock, exactly as it
//! does from the store, so both paths print the same. A fact it asks for that the snapshot does
//! not hold (a counter of a new day) sends it to the store. No secret is in it.
//!
//! **When it is trusted.** Only if it describes the store as it is on disk now:
//! 1. No owner. The glance takes the data directory's lock shared and without waiting
//!    ([`super::lock::GlanceLock`]); if an owner holds it, the snapshot is not read (the owner
//!    answers on its socket, or is starting or stopping: the store's own path handles that).
//!    While the glance holds it, nothing that takes the lock can write.
//! 2. The same files. The snapshot records the stamps of the hub database's files (name, size,
//!    inode, modification and change time: [`stamps`]) as they were when its facts were read;
//!    the glance stats the same files and trusts the snapshot only if every stamp is equal.
//!    Every write to the store changes a file's change time (sled even writes when it opens),
//!    and no tool can set a change time back. This covers a process that wrote the store and
//!    died before its snapshot, an older legion-hub that knows nothing of snapshots, a key
//!    rotation, a backup restored over the files (new inodes and change times), and a store
//!    changed while the snapshot was being read (the stamps are taken after reading it).
//! 3. Stamps that can tell. File times have a granularity (a clock tick, a second on some file
//!    systems), so a write in the tick of the stamped one could leave equal stamps. The writer
//!    writes a probe (its temp file) before taking the stamps and waits until the probe's time
//!    is later than every stamped time; any write after the stamps is then later still. (With
//!    Linux's multigrain timestamps this holds at once.)
//! 4. Facts and stamps of one state. The writer flushes, takes the stamps, reads the facts,
//!    flushes again and compares the stamps: equal means nothing reached the disk in between,
//!    and as a flush writes everything written before it, the facts read are what is on disk
//!    (a counter bumped but never flushed cannot show in the snapshot and not in the store).
//!
//! A hub generation counter in `meta` would not do: the glance cannot read it without opening
//! sled, and an older binary or a restore would not bump it. The stamps cost four `stat`s.
//!
//! **Written** to a temp file, synced, renamed over the old one (and the directory synced), so
//! a reader sees the old or the new, never half. A file too large, unparsable, of another
//! format, or stamped by a newer schema is ignored: the glance opens the store as before.
//! The owner (dashboard, serve, demo, a one-off command) rewrites it from a background thread
//! after each write of the hub ([`keeper`]); every holder of the store, the glance that had to
//! open sled included, writes it once more when it lets the store go, before the lock.

mod facts;
mod keeper;
mod stamps;

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use facts::{HubFacts, LiveHub, SnapshotFacts};
pub(crate) use keeper::Keeper;

use super::IntegrationRecord;
use super::lock::GlanceLock;
use super::meta::SCHEMA_VERSION;
use super::seal::{from_hex, to_hex};
use crate::config::Paths;
use facts::{Kept, Recorder};
use stamps::FileStamp;

/// What the glance reads from the hub: run on a recorder to learn what the snapshot keeps.
pub type Reads = Arc<dyn Fn(&dyn HubFacts) + Send + Sync>;

/// The file's name in the data directory.
pub const FILE_NAME: &str = "status-snapshot.json";
const FORMAT: &str = "legion-hub status snapshot";
/// Bumped when the file's layout or a record in it changes; another version is ignored.
const VERSION: u32 = 1;
/// A snapshot is a few kilobytes; anything much larger is not ours.
const MAX_BYTES: u64 = 1024 * 1024;
/// How long a writer waits for the clock to pass the store's last write (one tick, usually).
const CLOCK_PATIENCE: Duration = Duration::from_millis(100);
/// Tries when the store is written while the snapshot is being made.
const ATTEMPTS: usize = 3;

#[derive(Serialize, Deserialize)]
struct SnapshotFile {
    format: String,
    version: u32,
    /// The hub database's schema stamp.
    schema: u32,
    /// For people reading the file; not used.
    written_at: DateTime<Utc>,
    /// The hub database's files when the facts were read.
    hub_files: Vec<FileStamp>,
    integrations: std::collections::BTreeMap<String, Option<IntegrationRecord>>,
    /// Meta values as stored, in hex.
    meta: std::collections::BTreeMap<String, Option<String>>,
}

/// The facts of a snapshot that describes the store as it is now, or None (no snapshot, a
/// stale, damaged or foreign one, or an owner holding the data directory). Never opens sled.
pub fn read(paths: &Paths) -> Option<SnapshotFacts> {
    let _no_owner = GlanceLock::if_unowned(&paths.lock_file())?;
    let file = parse(&read_bounded(&paths.data_dir.join(FILE_NAME))?)?;
    // After reading the file: a store changed meanwhile shows here.
    let now = stamps::stamps(&paths.hub_db()).ok()?;
    if now != file.hub_files {
        return None;
    }
    let meta = file
        .meta
        .into_iter()
        .map(|(name, hex)| match hex {
            Some(hex) => from_hex(&hex).map(|bytes| (name, Some(bytes))),
            None => Some((name, None)),
        })
        .collect::<Option<_>>()?;
    Some(SnapshotFacts::new(Kept {
        integrations: file.integrations,
        meta,
    }))
}

fn read_bounded(path: &Path) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= MAX_BYTES).then_some(bytes)
}

fn parse(bytes: &[u8]) -> Option<SnapshotFile> {
    let file: SnapshotFile = serde_json::from_slice(bytes).ok()?;
    (file.format == FORMAT && file.version == VERSION && file.schema <= SCHEMA_VERSION)
        .then_some(file)
}

/// Where a store's snapshot is written, and from what.
pub(super) struct Target {
    hub: LiveHub,
    hub_dir: PathBuf,
    file: PathBuf,
    /// The stamps of the last snapshot written: nothing changed, nothing to write.
    last: Mutex<Option<Vec<FileStamp>>>,
}

impl Target {
    pub fn new(hub: LiveHub, hub_dir: &Path, data_dir: &Path) -> Target {
        Target {
            hub,
            hub_dir: hub_dir.to_path_buf(),
            file: data_dir.join(FILE_NAME),
            last: Mutex::new(None),
        }
    }

    /// Brings the snapshot up to date (see the module's comment). Failing is harmless: a
    /// snapshot that does not match the store is never used.
    pub fn write(&self, reads: &Reads) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let temp = self.file.with_extension("json.tmp");
        match self.try_write(reads, &temp, last.as_ref()) {
            Ok(Some(written)) => *last = Some(written),
            Ok(None) => {}
            Err(error) => {
                tracing::debug!("status snapshot not written: {error}");
                let _ = std::fs::remove_file(&temp);
            }
        }
    }

    /// The stamps written, None when the last snapshot still holds.
    fn try_write(
        &self,
        reads: &Reads,
        temp: &Path,
        last: Option<&Vec<FileStamp>>,
    ) -> std::io::Result<Option<Vec<FileStamp>>> {
        for _ in 0..ATTEMPTS {
            self.hub.db.flush().map_err(std::io::Error::other)?;
            if last == Some(&stamps::stamps(&self.hub_dir)?) {
                return Ok(None);
            }
            let mut probe = create_private(temp)?;
            let before = self.settled_stamps(&mut probe)?;
            let recorder = Recorder::new(&self.hub);
            reads(&recorder);
            let schema = self.hub.schema().map_err(std::io::Error::other)?;
            self.hub.db.flush().map_err(std::io::Error::other)?;
            if stamps::stamps(&self.hub_dir)? != before {
                // Written meanwhile: those facts may be older than the disk.
                continue;
            }
            let (Some(kept), Some(schema)) = (recorder.into_kept(), schema) else {
                return Err(std::io::Error::other(
                    "the glance's facts could not be read",
                ));
            };
            let body = serde_json::to_vec_pretty(&SnapshotFile {
                format: FORMAT.into(),
                version: VERSION,
                schema,
                written_at: Utc::now(),
                hub_files: before.clone(),
                integrations: kept.integrations,
                meta: kept
                    .meta
                    .into_iter()
                    .map(|(name, value)| (name, value.map(|v| to_hex(&v))))
                    .collect(),
            })
            .map_err(std::io::Error::other)?;
            if body.len() as u64 > MAX_BYTES {
                return Err(std::io::Error::other("the snapshot would be too large"));
            }
            probe.set_len(0)?;
            probe.rewind()?;
            probe.write_all(&body)?;
            probe.sync_all()?;
            std::fs::rename(temp, &self.file)?;
            if let Some(dir) = self.file.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            return Ok(Some(before));
        }
        Err(std::io::Error::other("the store kept changing"))
    }

    /// The hub's stamps, taken once the file system's clock is past every time in them: any
    /// later write then gets a later time. The probe's write tells the clock.
    fn settled_stamps(&self, probe: &mut std::fs::File) -> std::io::Result<Vec<FileStamp>> {
        let started = Instant::now();
        loop {
            probe.write_all(b"-")?;
            let clock = stamps::written_at(probe)?;
            let stamps = stamps::stamps(&self.hub_dir)?;
            if stamps::latest(&stamps) < clock {
                return Ok(stamps);
            }
            if started.elapsed() > CLOCK_PATIENCE {
                return Err(std::io::Error::other(
                    "the file system's clock did not move",
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// A new file only this user may read (a leftover temp file is replaced).
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}
