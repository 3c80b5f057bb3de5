//! The webhook inbox file: what makes a verified delivery "stored" before it is answered 2xx.
//! Each group of deliveries is appended to it as framed records and fdatasync'd once; the
//! webhook trees ([`super::webhooks`]) are filled from it afterwards, off the receiving path
//! ([`Store::file_webhook_deliveries`]), each filing noting the last sequence it took (in
//! `webhook_filed`, in the same transaction). (A sled transaction of four inserts a delivery, then sled's flush handed to
//! its own I/O threads, cost the receiver far more than one append and one fdatasync.)
//!
//! When the records are opened, what the file holds past what was filed (a kill -9 between the
//! append and the filing) is filed then: nothing answered 2xx is lost, and a sequence filed
//! already is skipped, so nothing is filed twice. Mindbody's retries are still told apart by the
//! trees, by the event's natural key, across restarts too.
//!
//! A frame is the payload's length, a CRC-32 of the sequence and payload, the sequence, then the
//! event as the codec writes it; a frame that does not check out ends its segment (a write torn
//! by the crash: nothing after it in that segment was ever answered), and so do the zeros after
//! the last frame. The file is a directory of numbered segments (a number is never used twice
//! while the records are open, but a segment made ahead may be taken after one made later, so
//! what they hold is filed in the order of its sequences, not of their names): the appender moves
//! to the next when a group would not fit in [`SEGMENT_BYTES`] and after a failed write, and a
//! segment is deleted once all it holds is filed and flushed.
//!
//! Each segment is made whole before its first frame: [`SEGMENT_BYTES`] of zeros written and
//! synced, and its name synced in the directory. A group is then written in place over zeros, so
//! its fdatasync has only data to write: appending to the end of a file changes its size as
//! well, which on ext4 makes every fdatasync commit the filesystem's journal too (measured on
//! this machine's disk: the append and its sync took 207 µs at the median and 0.17% of them over
//! 1.5 ms; in place, 129 µs and 0.09%). The next segment is made ahead, off the receiving path
//! ([`Store::ready_webhook_inbox_segment`], by a thread the appender wakes when it takes the one
//! made before), so moving to it costs nothing. When none is ready (deliveries outran it) or the
//! disk has no room reserved for a whole one, the appender starts a segment that grows as it is
//! written, as the file was before: slower syncs, never a wait for zeros.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use super::webhooks::{WebhookEvent, file_in, filed_through, highest_filed};
use super::{Records, Store, StoreError, codec};

/// The directory, beside the two databases.
pub const DIR: &str = "webhook-inbox";
/// Each segment is made this long (of zeros); a group that would not fit goes to the next one.
const SEGMENT_BYTES: u64 = 4 * 1024 * 1024;
/// Length, CRC-32, sequence.
const HEADER: usize = 4 + 4 + 8;
/// Deliveries are at most 256 KiB: a frame claiming more than this is torn.
const MAX_PAYLOAD: usize = 16 * 1024 * 1024;
/// Left-over deliveries filed per transaction when the records are opened.
const RECOVERY_CHUNK: usize = 1_000;

/// The inbox file of one data directory.
pub(super) struct WebhookInbox {
    dir: PathBuf,
    appending: Mutex<Appending>,
    /// Deliveries appended since the records were opened, and how many of them are filed.
    appended: AtomicU64,
    filed: AtomicU64,
    /// The last sequence filed (written in the trees, perhaps not flushed yet).
    filed_through: AtomicU64,
    /// Wakes the segment maker when the spare is taken.
    spare_taken: Condvar,
    /// Held by each filing, and by a backup from the copy of the segments to the end of the
    /// records' export: sled exports tree by tree, so a filing between the two trees would
    /// leave a copy that says "filed through N" without those events.
    filing: Mutex<()>,
}

struct Appending {
    /// Never reused, even by a write that failed: a sequence may be on disk once only.
    next_seq: u64,
    /// None: the next append takes the spare (or makes a segment).
    current: Option<Segment>,
    /// The next segment, made ahead, nothing in it yet.
    spare: Option<Segment>,
    /// The number the next segment made is named by.
    next_number: u64,
    /// Closed segments and the last sequence each may hold, oldest first.
    closed: Vec<(PathBuf, u64)>,
}

struct Segment {
    path: PathBuf,
    file: File,
    /// Written so far: where the next frame goes.
    bytes: u64,
    last_seq: u64,
}

impl WebhookInbox {
    /// The inbox in `data_dir`; [`WebhookInbox::recover`] must run before the first append.
    pub(super) fn new(data_dir: &Path) -> WebhookInbox {
        WebhookInbox {
            dir: data_dir.join(DIR),
            appending: Mutex::new(Appending {
                next_seq: 1,
                current: None,
                spare: None,
                next_number: 1,
                closed: Vec::new(),
            }),
            appended: AtomicU64::new(0),
            filed: AtomicU64::new(0),
            filed_through: AtomicU64::new(0),
            spare_taken: Condvar::new(),
            filing: Mutex::new(()),
        }
    }

    /// No filing while this is held (see the field).
    pub(super) fn filing(&self) -> std::sync::MutexGuard<'_, ()> {
        self.filing.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Appending> {
        self.appending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn failed(&self, path: &Path, source: std::io::Error) -> StoreError {
        StoreError::WebhookInbox {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Files what the segments hold past what was filed for each provider, flushes,
    /// and deletes them; the next sequence follows every one seen. How many were filed.
    pub(super) fn recover(&self, records: &Records) -> Result<usize, StoreError> {
        super::create_private_dir(&self.dir)?;
        let segments = self.segments()?;
        let mut last_seq = 0;
        let mut left: Vec<(u64, WebhookEvent)> = Vec::new();
        for path in &segments {
            let bytes = std::fs::read(path).map_err(|e| self.failed(path, e))?;
            for (seq, payload) in frames(&bytes) {
                last_seq = last_seq.max(seq);
                let event: WebhookEvent =
                    codec::decode(payload).map_err(|source| StoreError::Codec {
                        tree: DIR,
                        key: seq.to_string(),
                        source,
                    })?;
                left.push((seq, event));
            }
        }
        // Filed in the order they were answered, whatever the segments' names say.
        left.sort_by_key(|(seq, _)| *seq);
        // Sequences go on past every one filed, whether or not a segment still shows it.
        last_seq = last_seq.max(highest_filed(records)?);
        let mut through: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut by_provider: BTreeMap<&'static str, Vec<(u64, WebhookEvent)>> = BTreeMap::new();
        for (seq, event) in left {
            let provider = event.provider.id();
            let filed = match through.get(provider) {
                Some(filed) => *filed,
                None => *through
                    .entry(provider)
                    .or_insert(filed_through(records, event.provider)?),
            };
            if seq > filed {
                by_provider.entry(provider).or_default().push((seq, event));
            }
        }
        let mut filed = 0;
        for waiting in by_provider.into_values() {
            for chunk in waiting.chunks(RECOVERY_CHUNK) {
                let through = chunk.last().map_or(0, |(seq, _)| *seq);
                let events: Vec<WebhookEvent> = chunk.iter().map(|(_, e)| e.clone()).collect();
                file_in(records, events[0].provider, &events, through)?;
                filed += events.len();
            }
        }
        records.db.flush()?;
        for path in &segments {
            std::fs::remove_file(path).map_err(|e| self.failed(path, e))?;
        }
        let mut state = self.lock();
        state.next_seq = state.next_seq.max(last_seq + 1);
        self.filed_through.store(last_seq, Ordering::Release);
        Ok(filed)
    }

    /// Makes the next segment ahead of need, when none is ready (see the module comment).
    /// Its zeros are written outside the appender's lock: appends go on meanwhile.
    pub(super) fn ready_spare(&self) -> Result<(), StoreError> {
        let number = {
            let mut state = self.lock();
            if state.spare.is_some() {
                return Ok(());
            }
            state.next_number += 1;
            state.next_number - 1
        };
        let made = self.make_segment(number, Whole::IfThereIsRoom)?;
        let mut state = self.lock();
        if state.spare.is_none() {
            state.spare = Some(made);
        } else {
            // Another was made meanwhile: this one goes (it holds nothing).
            drop(state);
            let _ = std::fs::remove_file(&made.path);
        }
        Ok(())
    }

    /// Waits until the appender has taken the spare (or `patience` has passed); true when a new
    /// one is wanted.
    pub(super) fn wait_until_spare_wanted(&self, patience: std::time::Duration) -> bool {
        let state = self.lock();
        let (state, _) = self
            .spare_taken
            .wait_timeout_while(state, patience, |state| state.spare.is_some())
            .unwrap_or_else(|e| e.into_inner());
        state.spare.is_none()
    }

    /// A segment named `number`, on disk with its name: [`SEGMENT_BYTES`] of zeros when
    /// `whole` asks for it and the disk has the room, else empty, to grow as it is written.
    fn make_segment(&self, number: u64, whole: Whole) -> Result<Segment, StoreError> {
        let path = self.dir.join(format!("{number:020}.frames"));
        let failed = |e| self.failed(&path, e);
        let mut file = std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)
            .map_err(failed)?;
        if whole == Whole::IfThereIsRoom {
            // The room first (blocks reserved, nothing written), so a nearly full disk refuses
            // here instead of being filled with zeros to its end under the databases' writes;
            // then the zeros, which make the reserved blocks written ones (an fdatasync over
            // a block that is reserved but unwritten still commits the journal).
            let zeros = vec![0u8; 256 * 1024];
            let made = reserve(&file, SEGMENT_BYTES).and_then(|()| {
                (0..SEGMENT_BYTES / zeros.len() as u64).try_for_each(|_| file.write_all(&zeros))
            });
            if let Err(e) = made {
                tracing::warn!("the webhook inbox file's next segment grows as it is written: {e}");
                file.set_len(0).map_err(failed)?;
            }
        }
        file.sync_all().map_err(failed)?;
        // The name must be on disk before anything in it is answered.
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| self.failed(&self.dir, e))?;
        Ok(Segment {
            path,
            file,
            bytes: 0,
            last_seq: 0,
        })
    }

    /// The segment files, by their numbers.
    fn segments(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut segments: Vec<(u64, PathBuf)> = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| self.failed(&self.dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| self.failed(&self.dir, e))?.path();
            let number = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<u64>().ok());
            if let Some(number) = number.filter(|_| path.extension() == Some("frames".as_ref())) {
                segments.push((number, path));
            }
        }
        segments.sort();
        Ok(segments.into_iter().map(|(_, path)| path).collect())
    }

    /// Copies the segments into `to`, a backup's inbox. Taken just before the records are
    /// exported, with filing held off until the export is done (see [`Self::filing`]), so a
    /// delivery answered before the backup began is in the copy, filed or not: what the export
    /// holds already is skipped when the copy is opened. How many segments were copied.
    pub(super) fn copy_into(&self, to: &Path) -> Result<usize, StoreError> {
        super::create_private_dir(to)?;
        let mut copied = 0;
        for path in self.segments()? {
            let Some(name) = path.file_name() else {
                continue;
            };
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                // Filed and deleted since it was listed: the export holds it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(self.failed(&path, e)),
            };
            // Its frames, not the zeros after them (a segment made ahead holds none).
            let written: usize = frames(&bytes).map(|(_, p)| HEADER + p.len()).sum();
            if written == 0 {
                continue;
            }
            let copy = to.join(name);
            std::fs::OpenOptions::new()
                .create_new(true)
                .write(true)
                .mode(0o600)
                .open(&copy)
                .and_then(|mut file| file.write_all(&bytes[..written]))
                .map_err(|e| self.failed(&copy, e))?;
            copied += 1;
        }
        Ok(copied)
    }

    /// Appends `events` and syncs them to disk: once this returns Ok they survive a crash.
    /// The last sequence given, for [`Store::file_webhook_deliveries`].
    pub(super) fn append(&self, events: &[WebhookEvent]) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let first = state.next_seq;
        let mut frames = Vec::new();
        for (seq, event) in (first..).zip(events) {
            frame(&mut frames, seq, &codec::encode(event));
        }
        state.next_seq += events.len() as u64;
        let last = state.next_seq - 1;
        let segment = self.current(&mut state, first, frames.len() as u64)?;
        let written = segment
            .file
            .write_all_at(&frames, segment.bytes)
            .and_then(|()| segment.file.sync_data());
        match written {
            Ok(()) => {
                segment.bytes += frames.len() as u64;
                segment.last_seq = last;
                self.appended
                    .fetch_add(events.len() as u64, Ordering::AcqRel);
                Ok(last)
            }
            Err(source) => {
                // A torn tail ends this segment; what follows goes to a new one.
                let path = segment.path.clone();
                state.closed.push((path.clone(), last));
                state.current = None;
                Err(self.failed(&path, source))
            }
        }
    }

    /// The segment to append `len` bytes to: the current one while they fit (or while it is
    /// empty: a group longer than a segment is written whole past its zeros), else the spare
    /// (waking the segment maker for the next), or, when none is ready, an empty segment made
    /// now that grows as it is written (no zeros written while deliveries wait).
    fn current<'a>(
        &self,
        state: &'a mut Appending,
        first: u64,
        len: u64,
    ) -> Result<&'a mut Segment, StoreError> {
        if state
            .current
            .as_ref()
            .is_some_and(|s| s.bytes > 0 && s.bytes + len > SEGMENT_BYTES)
        {
            let full = state.current.take().expect("just seen");
            state.closed.push((full.path, full.last_seq));
        }
        if state.current.is_none() {
            let segment = match state.spare.take() {
                Some(spare) => spare,
                None => {
                    state.next_number += 1;
                    self.make_segment(state.next_number - 1, Whole::No)?
                }
            };
            self.spare_taken.notify_all();
            state.current = Some(Segment {
                last_seq: first.saturating_sub(1),
                ..segment
            });
        }
        Ok(state.current.as_mut().expect("just made"))
    }

    /// Notes `count` deliveries filed in the trees, through sequence `through`.
    pub(super) fn filed(&self, count: u64, through: u64) {
        self.filed.fetch_add(count, Ordering::AcqRel);
        self.filed_through.fetch_max(through, Ordering::AcqRel);
    }

    /// Deliveries appended and not filed yet.
    pub(super) fn waiting(&self) -> u64 {
        let filed = self.filed.load(Ordering::Acquire);
        self.appended.load(Ordering::Acquire).saturating_sub(filed)
    }

    /// The last sequence filed, to be passed to [`WebhookInbox::trim`] once the trees are
    /// flushed.
    pub(super) fn filed_so_far(&self) -> u64 {
        self.filed_through.load(Ordering::Acquire)
    }

    /// Deletes the closed segments holding nothing past `through` (filed and flushed).
    pub(super) fn trim(&self, through: u64) -> Result<(), StoreError> {
        let done: Vec<PathBuf> = {
            let mut state = self.lock();
            let (done, kept) = std::mem::take(&mut state.closed)
                .into_iter()
                .partition(|(_, last)| *last <= through);
            state.closed = kept;
            done.into_iter().map(|(path, _)| path).collect()
        };
        for path in done {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                // Left behind: the next start skips what it holds (filed already).
                Err(e) => return Err(self.failed(&path, e)),
            }
        }
        Ok(())
    }
}

/// Whether a segment is made whole (of zeros) or left to grow as it is written.
#[derive(Clone, Copy, PartialEq)]
enum Whole {
    IfThereIsRoom,
    No,
}

/// Reserves `len` bytes of disk for `file` (its blocks allocated, its length set).
fn reserve(file: &File, len: u64) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let len = libc::off_t::try_from(len).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    // SAFETY: the descriptor is the open file's; posix_fallocate reads only its arguments.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) } {
        0 => Ok(()),
        errno => Err(std::io::Error::from_raw_os_error(errno)),
    }
}

impl Store {
    /// Appends a group of verified deliveries to the inbox file and syncs it: once this returns
    /// Ok each of them survives a crash and may be answered 2xx. The last sequence it gave.
    pub fn append_webhook_deliveries(&self, events: &[WebhookEvent]) -> Result<u64, StoreError> {
        self.records()?.webhook_inbox.append(events)
    }

    /// Makes the inbox file's next segment ahead of need, when none is ready: done off the
    /// receiving path, so an append never waits for a segment's zeros.
    pub fn ready_webhook_inbox_segment(&self) -> Result<(), StoreError> {
        self.records()?.webhook_inbox.ready_spare()
    }

    /// Waits until the inbox file's appender has taken the segment made ahead, or `patience`
    /// passed; true when the next should be made ([`Store::ready_webhook_inbox_segment`]).
    pub fn wait_until_webhook_inbox_segment_wanted(
        &self,
        patience: std::time::Duration,
    ) -> Result<bool, StoreError> {
        Ok(self
            .records()?
            .webhook_inbox
            .wait_until_spare_wanted(patience))
    }

    /// Deliveries answered and not yet in the trees (they are counted nowhere else).
    pub fn webhook_deliveries_unfiled(&self) -> Result<u64, StoreError> {
        Ok(self.records()?.webhook_inbox.waiting())
    }

    /// Flushes the trees and deletes the inbox segments that holds nothing more.
    pub fn settle_webhook_inbox(&self) -> Result<(), StoreError> {
        let records = self.records()?;
        let through = records.webhook_inbox.filed_so_far();
        records.db.flush()?;
        records.webhook_inbox.trim(through)
    }
}

/// Appends one frame to `out`.
fn frame(out: &mut Vec<u8>, seq: u64, payload: &[u8]) {
    let len = u32::try_from(payload.len()).expect("a delivery is far under 4 GiB");
    let mut crc = crc32fast::Hasher::new();
    crc.update(&seq.to_le_bytes());
    crc.update(payload);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(payload);
}

/// The whole frames at the start of `bytes`, up to the first that does not check out.
fn frames(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let header = rest.get(..HEADER)?;
        let len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
        let crc = u32::from_le_bytes(header[4..8].try_into().ok()?);
        let seq_bytes: [u8; 8] = header[8..16].try_into().ok()?;
        if len > MAX_PAYLOAD {
            return None;
        }
        let payload = rest.get(HEADER..HEADER + len)?;
        let mut check = crc32fast::Hasher::new();
        check.update(&seq_bytes);
        check.update(payload);
        if check.finalize() != crc {
            return None;
        }
        rest = &rest[HEADER + len..];
        Some((u64::from_le_bytes(seq_bytes), payload))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Provider;
    use crate::store::webhooks::Stored;

    fn event(id: &str) -> WebhookEvent {
        WebhookEvent::received(
            Provider::Mindbody,
            "-99".into(),
            id.into(),
            "clientSale.created".into(),
            format!("{{\"messageId\":\"{id}\"}}"),
        )
    }

    fn open(dir: &Path) -> Store {
        Store::open(&crate::config::Paths::in_dir(dir), "test").unwrap()
    }

    fn received(store: &Store) -> (u64, u64) {
        let counts = store.webhook_counts(Provider::Mindbody).unwrap();
        (counts.received, counts.duplicates)
    }

    #[test]
    fn what_was_appended_and_not_filed_is_filed_once_at_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            let through = store
                .append_webhook_deliveries(&[event("a"), event("b")])
                .unwrap();
            store
                .file_webhook_deliveries(Provider::Mindbody, &[event("a"), event("b")], through)
                .unwrap();
            store.settle_webhook_inbox().unwrap();
            // Appended (answered), then the process dies before the filer gets to them: a
            // retry of "a" and a new "c".
            store
                .append_webhook_deliveries(&[event("a"), event("c")])
                .unwrap();
            assert_eq!(store.webhook_deliveries_unfiled().unwrap(), 2);
            // Closing the store files nothing: the two wait in the inbox file as after a kill.
            drop(store);
        }
        let store = open(dir.path());
        assert_eq!(
            received(&store),
            (3, 1),
            "c is new, the retry of a a duplicate"
        );
        assert_eq!(store.webhook_deliveries_unfiled().unwrap(), 0);
        assert!(store.webhook_event("mindbody@-99:c").unwrap().is_some());
        drop(store);
        let store = open(dir.path());
        assert_eq!(
            received(&store),
            (3, 1),
            "filed once: not again at the next open"
        );
        // Sequences go on past every one filed, so a later kill loses nothing either.
        store.append_webhook_deliveries(&[event("d")]).unwrap();
        drop(store);
        let store = open(dir.path());
        assert_eq!(received(&store), (4, 1));
    }

    #[test]
    fn a_backup_holds_what_was_answered_and_not_filed_yet() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let through = store.append_webhook_deliveries(&[event("a")]).unwrap();
        store
            .file_webhook_deliveries(Provider::Mindbody, &[event("a")], through)
            .unwrap();
        // Answered 2xx, waiting for the filer when the backup is taken.
        store.append_webhook_deliveries(&[event("b")]).unwrap();
        store.ready_webhook_inbox_segment().unwrap();
        let copy = dir.path().join("backup");
        store.backup(&copy, true).unwrap();
        drop(store);
        // The copy holds the frames, not the zeros after them, nor the segment made ahead.
        let copied = segment_files(&copy);
        assert_eq!(copied.len(), 1, "{copied:?}");
        assert!(copied[0].1 < 4096, "{copied:?}");
        let restored = open(&copy);
        assert_eq!(received(&restored), (2, 0), "a once, and b");
        assert!(restored.webhook_event("mindbody@-99:b").unwrap().is_some());
    }

    #[test]
    fn a_filing_reports_new_and_duplicate_deliveries() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let events = [event("x"), event("x"), event("y")];
        let through = store.append_webhook_deliveries(&events).unwrap();
        let stored = store
            .file_webhook_deliveries(Provider::Mindbody, &events, through)
            .unwrap();
        assert_eq!(stored, vec![Stored::New, Stored::Duplicate, Stored::New]);
        assert_eq!(store.webhooks_pending().unwrap(), 2);
    }

    fn framed(items: &[(u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (seq, payload) in items {
            frame(&mut out, *seq, payload);
        }
        out
    }

    #[test]
    fn the_zeros_after_the_last_frame_end_the_segment() {
        // A segment is made of zeros and written in place: what was never written reads as a
        // frame of length 0 whose checksum (0) is not the CRC-32 of sequence 0.
        let mut bytes = framed(&[(7, b"{\"a\":1}"), (8, b"{\"b\":2}")]);
        bytes.resize(bytes.len() + 4096, 0);
        let read: Vec<u64> = frames(&bytes).map(|(seq, _)| seq).collect();
        assert_eq!(read, vec![7, 8]);
        assert_eq!(frames(&[0u8; 64]).count(), 0);
    }

    /// The inbox's segment files, oldest first, with their lengths.
    fn segment_files(dir: &Path) -> Vec<(String, u64)> {
        let mut files: Vec<(String, u64)> = std::fs::read_dir(dir.join(DIR))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, e.metadata().unwrap().len())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_segment_is_made_whole_before_its_first_frame_and_written_in_place() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            let wanted = |store: &Store| {
                store
                    .wait_until_webhook_inbox_segment_wanted(std::time::Duration::ZERO)
                    .unwrap()
            };
            assert!(wanted(&store), "the first is wanted at once");
            store.ready_webhook_inbox_segment().unwrap();
            assert!(!wanted(&store));
            store.append_webhook_deliveries(&[event("a")]).unwrap();
            assert!(wanted(&store), "taken: the next is wanted");
            store
                .append_webhook_deliveries(&[event("b"), event("c")])
                .unwrap();
            // The writes changed no length: the fdatasync has only data to write.
            assert_eq!(
                segment_files(dir.path()),
                vec![(format!("{:020}.frames", 1), SEGMENT_BYTES)]
            );
        }
        let store = open(dir.path());
        assert_eq!(
            received(&store),
            (3, 0),
            "every frame before the zeros is filed"
        );
        assert!(segment_files(dir.path()).is_empty());
    }

    #[test]
    fn with_no_segment_made_ahead_the_appender_starts_one_that_grows_as_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            store.append_webhook_deliveries(&[event("a")]).unwrap();
            store.append_webhook_deliveries(&[event("b")]).unwrap();
            let files = segment_files(dir.path());
            assert_eq!(files.len(), 1, "{files:?}");
            assert!(
                files[0].1 > 0 && files[0].1 < 4096,
                "no zeros written while deliveries wait: {files:?}"
            );
        }
        let store = open(dir.path());
        assert_eq!(received(&store), (2, 0));
    }

    #[test]
    fn a_group_that_does_not_fit_goes_to_the_segment_made_ahead_and_all_are_filed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        // Deliveries of about 200 KiB: a segment holds some twenty of them.
        let big = |n: u32| {
            let mut event = event(&format!("big{n}"));
            event.body = format!(
                "{{\"messageId\":\"big{n}\",\"pad\":\"{}\"}}",
                "x".repeat(200_000)
            );
            event
        };
        {
            let store = open(dir.path());
            store.ready_webhook_inbox_segment().unwrap();
            store.ready_webhook_inbox_segment().unwrap(); // one is ready: no second
            assert_eq!(segment_files(dir.path()).len(), 1);
            for n in 0..30 {
                store.append_webhook_deliveries(&[big(n)]).unwrap();
                // As the segment maker does when the appender takes the one made ahead.
                if store
                    .wait_until_webhook_inbox_segment_wanted(std::time::Duration::ZERO)
                    .unwrap()
                {
                    store.ready_webhook_inbox_segment().unwrap();
                }
            }
            let files = segment_files(dir.path());
            assert_eq!(files.len(), 3, "two used, the next made: {files:?}");
            assert!(
                files.iter().all(|(_, len)| *len == SEGMENT_BYTES),
                "{files:?}"
            );
        }
        let store = open(dir.path());
        assert_eq!(received(&store), (30, 0));
        let page = store.webhook_log_page(0, 100).unwrap().1;
        let filed: Vec<String> = page
            .into_iter()
            .rev()
            .map(|(_, entry)| match entry {
                crate::store::webhooks::LogEntry::Received { key } => key,
                other => panic!("{other:?}"),
            })
            .collect();
        let answered: Vec<String> = (0..30).map(|n| big(n).key()).collect();
        assert_eq!(filed, answered, "filed in the order answered");
    }

    #[test]
    fn frames_read_back_as_written() {
        let bytes = framed(&[(7, b"{\"a\":1}"), (8, b""), (9, b"{\"b\":2}")]);
        let read: Vec<(u64, &[u8])> = frames(&bytes).collect();
        assert_eq!(
            read,
            vec![
                (7, &b"{\"a\":1}"[..]),
                (8, &b""[..]),
                (9, &b"{\"b\":2}"[..])
            ]
        );
    }

    #[test]
    fn a_torn_or_damaged_frame_ends_the_segment() {
        let bytes = framed(&[(1, b"first"), (2, b"second")]);
        for cut in 0..bytes.len() {
            let read: Vec<u64> = frames(&bytes[..cut]).map(|(seq, _)| seq).collect();
            assert_eq!(read.len(), usize::from(cut >= HEADER + 5), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(
            frames(&flipped).map(|(seq, _)| seq).collect::<Vec<_>>(),
            vec![1]
        );
        let mut huge = framed(&[(1, b"x")]);
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            frames(&huge).count(),
            0,
            "a length past any delivery is torn"
        );
    }
}
