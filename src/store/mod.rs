//! The store: two sled databases in the data directory.
//!
//! - `hub` is small and hot: `integrations` (with the denormalized status, last sync and last
//!   error), `integration_tokens`, `meta`. `legion-hub status` opens only this one, so the glance
//!   stays fast however much history piles up.
//! - `records` holds everything that grows: sync logs, transactions, customers, chat, webhook
//!   events, the sales' payments and card transactions, the bank's accounts, lines and imports.
//!   It is opened on first use.
//!
//! One module per tree; values go through the versioned [`codec`]; secrets through [`seal`].
//! Only the engine uses this module.

pub mod backup;
pub mod bank;
pub mod books;
pub mod budgets;
pub mod categorize;
pub mod chat;
pub mod codec;
pub mod customer_totals;
pub mod daily_totals;
pub mod expected_inflows;
pub mod fingerprint;
pub mod forecast_cache;
pub mod insights;
pub mod integrations;
mod integrity;
pub mod keyring;
pub mod locations;
pub mod lock;
pub mod matches;
pub mod meta;
pub mod migrate;
pub mod outbox;
pub mod payments;
pub mod rejections;
pub mod rotate;
pub mod seal;
pub mod snapshot;
pub mod sync_logs;
pub mod tokens;
pub mod transactions;
pub mod webhook_inbox;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::config::Paths;
use codec::CodecError;
use lock::{DataDirLock, LockError, Owner};
use seal::{SealError, Sealer};

pub use chat::{ChatMessage, ChatRole, Conversation, MessageState, TokenUsage, ToolUse};
pub use integrations::{Credentials, IntegrationRecord};
pub use sync_logs::{RecordCounts, SyncLog, SyncLogPage};
pub use tokens::TokenSet;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{source}\nonly one legion-hub can use a data directory at a time: quit that one (or `kill {pid}`), or point this one at another with --data-dir",
        pid = owner_pid(source)
    )]
    Locked { source: LockError },
    #[error(
        "cannot create the data directory {path}: {source}\n{}",
        what_to_do(source)
    )]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The directory is there but this process may not write in it (permissions, a read-only
    /// mount, a full disk): not another owner, so it must not be reported as one.
    #[error(
        "cannot write in the data directory {dir}: {source}\n{}; nothing saved has been changed",
        what_to_do(source)
    )]
    Unwritable {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the database {path}: {source}\n{}; nothing saved has been changed",
        what_to_do_about_sled(source)
    )]
    Open { path: PathBuf, source: sled::Error },
    /// sled cannot read the file (it panicked on it, or found it corrupt).
    #[error(
        "the database {path} is damaged and cannot be opened ({detail}).\nstop every legion-hub using this data directory, move {path} aside, and restore it from a backup (README, \"Backup and restore\"); nothing has been changed"
    )]
    Damaged { path: PathBuf, detail: String },
    /// The records database lost its contents (sled opens some damaged files as empty) while
    /// the hub says it held history.
    #[error(
        "the records database {path} is empty or unreadable (damaged, truncated or emptied), but the hub database says it held this hub's history.\nstop every legion-hub using this data directory, move {path} aside, and restore it from a backup (README, \"Backup and restore\"); legion-hub has written nothing to it"
    )]
    RecordsLost { path: PathBuf },
    /// The hub database lost its contents while the records database still has its history.
    #[error(
        "the hub database {hub} is empty or unreadable (emptied, truncated or damaged), but {records} holds this hub's history: the hub database was emptied or lost, and with it the integrations, sign-ins and keys.\nrestore {hub} from a backup (README, \"Backup and restore\"); legion-hub will not start it as a new hub, and nothing has been changed (to really start afresh, move the whole data directory {dir} aside)"
    )]
    HubEmptied {
        hub: PathBuf,
        records: PathBuf,
        dir: PathBuf,
    },
    #[error(
        "the database {path} was written by a newer legion-hub (schema {found}; this one knows up to {supported}): upgrade legion-hub"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// An older store could not be brought to this build's schema. What moved stays moved and
    /// what did not stays as it was: the next start carries on.
    #[error(
        "the data directory is from an older legion-hub (schema {from}) and could not be brought up to schema {to}: {reason}\nnothing has been lost: what was not moved yet is kept as it was, and the next start carries on from there"
    )]
    Migration { from: u32, to: u32, reason: String },
    #[error("{tree}/{key}: {source}")]
    Codec {
        tree: &'static str,
        key: String,
        source: CodecError,
    },
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("cannot write a backup in {path}: {reason}")]
    BackupTarget { path: PathBuf, reason: String },
    #[error("{what} does not exist")]
    Missing { what: String },
    #[error("{}", sled_failure(.0))]
    Sled(#[from] sled::Error),
    /// The webhook inbox file could not be read or written.
    #[error("the webhook inbox {path}: {source}\n{}", what_to_do(source))]
    WebhookInbox {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A failed read or write, said with what to do: a damaged file is not a full disk.
fn sled_failure(err: &sled::Error) -> String {
    if integrity::is_damage(err) {
        format!(
            "a database in the data directory is damaged ({err}).\nstop every legion-hub using this data directory and restore it from a backup (README, \"Backup and restore\")"
        )
    } else {
        format!(
            "the database could not be read or written: {err}\nif the disk is full, free some space and try again"
        )
    }
}

/// What a person can do about a file-system error in the data directory.
fn what_to_do(err: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::PermissionDenied => {
            "this user may not write there: run legion-hub as the user the data belongs to, or fix the owner and mode (`ls -ld` it; it should be 0700), or use --data-dir"
        }
        ErrorKind::ReadOnlyFilesystem => {
            "the file system is mounted read-only: remount it read-write, or use --data-dir"
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
            "the disk is full: free some space and try again"
        }
        _ => "check the disk and the directory's permissions, then try again",
    }
}

/// The same, for sled's errors: only its I/O errors say what went wrong underneath.
fn what_to_do_about_sled(err: &sled::Error) -> &'static str {
    match err {
        sled::Error::Io(io) => what_to_do(io),
        _ => "if the disk is full or read-only, free space or fix permissions and try again",
    }
}

fn owner_pid(source: &LockError) -> String {
    match source {
        LockError::Held {
            owner: Some(Owner { pid, .. }),
            ..
        } => pid.to_string(),
        _ => "<pid>".into(),
    }
}

/// The handle to the data directory. Holding it means holding the directory's lock.
pub struct Store {
    hub: Hub,
    records_path: PathBuf,
    records: Mutex<Option<Records>>,
    /// Sequence numbers are read then written: one appender at a time.
    append_lock: Mutex<()>,
    /// A write to the transactions reads the old records and the daily totals, then writes
    /// both: one writer at a time, or two would each add to totals the other had not seen.
    transactions_lock: Mutex<()>,
    /// Changes to the daily totals not written yet (see `transactions::commit`).
    pending_totals: Mutex<daily_totals::TotalsDelta>,
    /// Set only by the sync bench, to measure what keeping the daily totals costs.
    daily_totals_off: std::sync::atomic::AtomicBool,
    /// Whether changes are noted for the Postgres mirror ([`outbox`]); the records share it.
    mirror_noting: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Writers note and write under its shared side; the mirror reads under its exclusive side.
    mirror_gate: std::sync::RwLock<()>,
    mirror_wake: std::sync::Arc<tokio::sync::Notify>,
    sealer: Sealer,
    /// What opening this store migrated (None: it was already at this build's schema).
    migration: Option<migrate::MigrationReport>,
    /// The status snapshot beside the store; its last write happens before the lock goes.
    snapshot: snapshot::Keeper,
    _lock: DataDirLock,
}

struct Hub {
    db: sled::Db,
    integrations: sled::Tree,
    tokens: sled::Tree,
    meta: sled::Tree,
    outbox: sled::Tree,
}

#[derive(Clone)]
struct Records {
    db: sled::Db,
    sync_logs: sled::Tree,
    conversations: sled::Tree,
    messages: sled::Tree,
    transactions: sled::Tree,
    transactions_by_date: sled::Tree,
    tombstones: sled::Tree,
    daily_totals: sled::Tree,
    customer_totals: sled::Tree,
    customers: sled::Tree,
    categories: sled::Tree,
    webhook_events: sled::Tree,
    webhook_log: sled::Tree,
    webhook_pending: sled::Tree,
    webhook_stats: sled::Tree,
    webhook_filed: sled::Tree,
    webhook_rejections: sled::Tree,
    matches: sled::Tree,
    matched: sled::Tree,
    match_rejections: sled::Tree,
    payments: sled::Tree,
    card_transactions: sled::Tree,
    bank_accounts: sled::Tree,
    bank_lines: sled::Tree,
    bank_lines_by_date: sled::Tree,
    bank_imports: sled::Tree,
    categorize_suggestions: sled::Tree,
    categorize_rules: sled::Tree,
    categorize_cache: sled::Tree,
    bank_line_classes: sled::Tree,
    categorize_runs: sled::Tree,
    insights: sled::Tree,
    outbox: sled::Tree,
    /// The store's: whether changes are noted (a repair at open notes what it changes).
    mirror_noting: std::sync::Arc<std::sync::atomic::AtomicBool>,
    webhook_inbox: std::sync::Arc<webhook_inbox::WebhookInbox>,
}

/// How long a starting process waits for a brief holder (a `status` glance) to let go.
const LOCK_PATIENCE: Duration = Duration::from_millis(300);

impl Store {
    /// Opens the data directory for `role` ("dashboard", "status", ...), creating it if needed.
    pub fn open(paths: &Paths, role: &str) -> Result<Store, StoreError> {
        create_private_dir(&paths.data_dir)?;
        let lock =
            DataDirLock::acquire(&paths.lock_file(), role, LOCK_PATIENCE).map_err(|e| match e {
                LockError::Io { source, .. } => StoreError::Unwritable {
                    dir: paths.data_dir.clone(),
                    source,
                },
                held => StoreError::Locked { source: held },
            })?;
        let hub_path = paths.hub_db();
        let hub = integrity::guarded(&hub_path, || {
            let db = open_db(&hub_path, 8 * 1024 * 1024)?;
            if !integrity::stamped(&db)? && integrity::records_were_stamped(&paths.records_db())? {
                return Err(StoreError::HubEmptied {
                    hub: hub_path.clone(),
                    records: paths.records_db(),
                    dir: paths.data_dir.clone(),
                });
            }
            meta::check_schema(&db, &hub_path)?;
            Ok(Hub {
                integrations: db.open_tree(integrations::TREE)?,
                tokens: db.open_tree(tokens::TREE)?,
                meta: db.open_tree(meta::TREE)?,
                outbox: db.open_tree(outbox::TREE)?,
                db,
            })
        })?;
        let snapshot = snapshot::Keeper::new(
            snapshot::LiveHub::new(&hub.db, &hub.integrations, &hub.meta),
            &paths.hub_db(),
            &paths.data_dir,
        );
        let mut store = Store {
            hub,
            records_path: paths.records_db(),
            records: Mutex::new(None),
            append_lock: Mutex::new(()),
            transactions_lock: Mutex::new(()),
            daily_totals_off: std::sync::atomic::AtomicBool::new(false),
            mirror_noting: Default::default(),
            mirror_gate: std::sync::RwLock::new(()),
            mirror_wake: Default::default(),
            pending_totals: Mutex::new(Default::default()),
            sealer: Sealer::new(paths.key_file.clone()),
            migration: None,
            snapshot,
            _lock: lock,
        };
        // The glance touches no secret and writes nothing (it reads an older store as it is);
        // everything else refuses a wrong key at once, and brings an older store up to date.
        if role != "status" {
            store.mirror_noting_at_start()?;
            store.check_key_at_start()?;
            store.migration = store.migrate_at_start()?;
        }
        Ok(store)
    }

    /// What opening this store migrated; None when it was already at this build's schema.
    pub fn migration(&self) -> Option<&migrate::MigrationReport> {
        self.migration.as_ref()
    }

    /// The bulk database, opened the first time something asks for it.
    fn records(&self) -> Result<Records, StoreError> {
        let mut slot = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(records) = slot.as_ref() {
            return Ok(records.clone());
        }
        let records = integrity::guarded(&self.records_path, || self.open_records())?;
        // Opening it may have noted in the hub that it is stamped.
        self.snapshot.poke();
        *slot = Some(records.clone());
        Ok(records)
    }

    fn open_records(&self) -> Result<Records, StoreError> {
        let path = &self.records_path;
        let db = open_db(path, 64 * 1024 * 1024)?;
        integrity::check_records_kept(&db, path, &self.hub.meta)?;
        meta::check_schema(&db, path)?;
        integrity::mark_records_kept(&self.hub.db, &self.hub.meta)?;
        let records = Records {
            sync_logs: db.open_tree(sync_logs::TREE)?,
            conversations: db.open_tree(chat::CONVERSATIONS)?,
            messages: db.open_tree(chat::MESSAGES)?,
            transactions: db.open_tree(transactions::TREE)?,
            transactions_by_date: db.open_tree(transactions::BY_DATE)?,
            tombstones: db.open_tree(transactions::TOMBSTONES)?,
            daily_totals: db.open_tree(daily_totals::TREE)?,
            customer_totals: db.open_tree(customer_totals::TREE)?,
            customers: db.open_tree(books::CUSTOMERS)?,
            categories: db.open_tree(books::CATEGORIES)?,
            webhook_events: db.open_tree(webhooks::EVENTS)?,
            webhook_log: db.open_tree(webhooks::LOG)?,
            webhook_pending: db.open_tree(webhooks::PENDING)?,
            webhook_stats: db.open_tree(webhooks::STATS)?,
            webhook_filed: db.open_tree(webhooks::FILED)?,
            webhook_rejections: db.open_tree(rejections::TREE)?,
            matches: db.open_tree(matches::MATCHES)?,
            matched: db.open_tree(matches::MATCHED)?,
            match_rejections: db.open_tree(matches::REJECTED)?,
            payments: db.open_tree(payments::PAYMENTS)?,
            card_transactions: db.open_tree(payments::CARD_TRANSACTIONS)?,
            bank_accounts: db.open_tree(bank::ACCOUNTS)?,
            bank_lines: db.open_tree(bank::LINES)?,
            bank_lines_by_date: db.open_tree(bank::LINES_BY_DATE)?,
            bank_imports: db.open_tree(bank::IMPORTS)?,
            categorize_suggestions: db.open_tree(categorize::SUGGESTIONS)?,
            categorize_rules: db.open_tree(categorize::RULES)?,
            categorize_cache: db.open_tree(categorize::CACHE)?,
            bank_line_classes: db.open_tree(categorize::BANK_LINE_CLASSES)?,
            categorize_runs: db.open_tree(categorize::RUNS)?,
            insights: db.open_tree(insights::TREE)?,
            outbox: db.open_tree(outbox::TREE)?,
            mirror_noting: self.mirror_noting.clone(),
            webhook_inbox: std::sync::Arc::new(webhook_inbox::WebhookInbox::new(
                path.parent().unwrap_or(path),
            )),
            db,
        };
        transactions::ensure_count(&records.db, &records.transactions)?;
        if let Some(tallies) = transactions::repair_after_crash(&records)? {
            tracing::info!(
                "the records were not closed last time: {} transactions, index and count checked",
                tallies.records
            );
        }
        if daily_totals::ensure_built(&records)? {
            tracing::info!("the daily totals were built from the transactions");
        }
        rejections::migrate_from_log(
            &records.webhook_log,
            &records.webhook_rejections,
            &records.webhook_stats,
        )?;
        let filed = records.webhook_inbox.recover(&records)?;
        if filed > 0 {
            tracing::info!("{filed} webhook deliveries left in the inbox file were filed");
        }
        Ok(records)
    }

    /// Held while the transactions (and their daily totals) are written.
    fn writing_transactions(&self) -> std::sync::MutexGuard<'_, ()> {
        self.transactions_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Who holds the data directory: this process.
    pub fn owner(&self) -> &Owner {
        self._lock.owner()
    }

    /// Writes everything to disk now (sled also flushes on its own every half second).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.flush_hub()?;
        self.write_out_daily_totals()?;
        if let Some(records) = self
            .records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            records.db.flush()?;
        }
        Ok(())
    }
}

impl Store {
    /// Writes the hub database to disk and, when that wrote something, has the status snapshot
    /// brought up to date. A flush that finds nothing to write (the records' own flushes, a
    /// burst of webhooks) must not wake the snapshot's writer: its fsyncs queue behind the
    /// deliveries' on the same disk.
    fn flush_hub(&self) -> Result<(), StoreError> {
        if self.hub.db.flush()? > 0 {
            self.snapshot.poke();
        }
        Ok(())
    }

    /// Keeps the status snapshot beside the store from now on: `reads` is what the glance
    /// reads (run on a recorder to learn which facts to keep). In the background after each
    /// change when `after_each_change`, and always once more before the store is let go.
    pub fn keep_status_snapshot(&self, reads: snapshot::Reads, after_each_change: bool) {
        self.snapshot.keep(reads, after_each_change);
    }
}

/// Letting go of the store closes the records: the next start knows no write was cut short.
impl Drop for Store {
    fn drop(&mut self) {
        // The totals still waiting are written before the records are marked closed; should
        // that fail, they stay open and the next start builds the totals again.
        if let Err(e) = self.write_out_daily_totals() {
            tracing::warn!("writing the daily totals: {e}");
            return;
        }
        let records = self
            .records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(records) = records
            && let Err(e) = transactions::mark_closed(&records)
        {
            tracing::warn!("closing the records: {e}");
        }
    }
}

fn open_db(path: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let open = || {
        sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            // No background flusher: it would wake an idle dashboard twice a second. Every write
            // below flushes itself, so what a call wrote is on disk when it returns.
            .flush_every_ms(None)
            .open()
    };
    // The data directory's own lock is held, so no other process has this database: a sled
    // lock still taken is this process's previous handle, which sled's I/O threads let go of a
    // moment after it was dropped (a store closed and opened again). Wait for that, briefly.
    let mut waited = Duration::ZERO;
    loop {
        match open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && waited < SLED_LOCK_PATIENCE =>
            {
                std::thread::sleep(Duration::from_millis(20));
                waited += Duration::from_millis(20);
            }
            result => {
                return result.map_err(|source| StoreError::Open {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}

/// How long an open waits for this process's own previous sled handle to be let go.
const SLED_LOCK_PATIENCE: Duration = Duration::from_secs(2);

fn create_private_dir(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| StoreError::CreateDir {
            path: path.to_path_buf(),
            source,
        })
}

/// A store error out of a sled transaction: the one the closure gave up with, or sled's own.
pub(super) fn unabort(error: sled::transaction::TransactionError<StoreError>) -> StoreError {
    match error {
        sled::transaction::TransactionError::Abort(e) => e,
        sled::transaction::TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

fn decode_value<R: codec::Record>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<R, StoreError> {
    codec::decode(bytes).map_err(|source| StoreError::Codec {
        tree,
        key: String::from_utf8_lossy(key).into_owned(),
        source,
    })
}
