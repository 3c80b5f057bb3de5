//! The store on a real sled directory: round trips, sealing, paging, locking, old records.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{noon, run, runs};
use chrono::Utc;
use legion_hub::config::Paths;
use legion_hub::domain::{Provider, Status, SyncStatus};
use legion_hub::secret::Secret;
use legion_hub::store::codec::{self, Record};
use legion_hub::store::{Credentials, IntegrationRecord, Store, StoreError, SyncLog, TokenSet};

fn open(dir: &Path) -> Store {
    Store::open(&Paths::in_dir(dir), "test").expect("store opens")
}

/// Every byte of every file under `dir`.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn integration_records_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = IntegrationRecord::new(Provider::Mindbody, Status::Connected, noon());
    record.settings.insert("site_id".into(), "-99".into());
    record.last_sync_at = Some(noon());
    {
        let store = open(dir.path());
        assert_eq!(store.integration(Provider::Mindbody).unwrap(), None);
        store.put_integration(&record).unwrap();
    }
    let store = open(dir.path());
    assert_eq!(store.integration(Provider::Mindbody).unwrap(), Some(record));
    assert_eq!(
        store.schema_version().unwrap(),
        Some(legion_hub::store::meta::SCHEMA_VERSION)
    );
}

#[test]
fn no_plaintext_secret_reaches_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let api_key = "AIzaSyPLAINTEXT-api-key-5f3a9c";
    let access = "eyJhbGciOi-PLAINTEXT-access-token-77";
    let refresh = "PLAINTEXT-refresh-token-9b1e";
    {
        let store = open(dir.path());
        let mut creds = BTreeMap::new();
        creds.insert("api_key".to_string(), Secret::new(api_key));
        store
            .put_credentials(Provider::Gemini, &Credentials(creds.clone()))
            .unwrap();
        let tokens = TokenSet {
            access_token: Secret::new(access),
            refresh_token: Some(Secret::new(refresh)),
            token_type: "Bearer".into(),
            expires_at: Some(noon()),
            scope: Some("offline_access".into()),
            created_at: noon(),
        };
        store.put_tokens(Provider::Mindbody, &tokens).unwrap();
        store.flush().unwrap();
        // They come back as they went in.
        assert_eq!(
            store.credentials(Provider::Gemini).unwrap(),
            Some(Credentials(creds))
        );
        assert_eq!(store.tokens(Provider::Mindbody).unwrap(), Some(tokens));
    }
    let bytes = all_bytes(&dir.path().join("hub"));
    assert!(!bytes.is_empty());
    for secret in [api_key, access, refresh] {
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "{secret} is on disk in the clear"
        );
    }
    // The record still says that credentials exist, and reopening reads them.
    let store = open(dir.path());
    assert!(
        store
            .integration(Provider::Gemini)
            .unwrap()
            .unwrap()
            .credentials
            .is_some()
    );
    assert!(store.tokens(Provider::Mindbody).unwrap().is_some());
    store.delete_tokens(Provider::Mindbody).unwrap();
    assert_eq!(store.tokens(Provider::Mindbody).unwrap(), None);
}

#[test]
fn secrets_sealed_with_another_key_do_not_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store
            .put_credentials(Provider::Gemini, &Credentials::default())
            .unwrap();
    }
    // Replace the key with another one: the sealed value must refuse to open, clearly.
    let key = dir.path().join("master.key");
    std::fs::remove_file(&key).unwrap();
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key)
            .unwrap();
        f.write_all(&[9u8; 32]).unwrap();
    }
    // A process that would write refuses the other key at once, naming the right one.
    let Err(err) = Store::open(&Paths::in_dir(dir.path()), "test") else {
        panic!("a store opened with another key");
    };
    assert!(
        err.to_string().contains("this data was sealed with key"),
        "{err}"
    );
    // The glance opens without a key; the secret still refuses, clearly.
    let store = Store::open(&Paths::in_dir(dir.path()), "status").unwrap();
    let err = store.credentials(Provider::Gemini).unwrap_err();
    assert!(err.to_string().contains("LEGION_HUB_MASTER_KEY"), "{err}");
    // The rest of the record is still readable.
    assert!(store.integration(Provider::Gemini).unwrap().is_some());
}

#[test]
fn sync_history_pages_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .append_sync_logs(Provider::Mindbody, runs(Provider::Mindbody, 1_000))
        .unwrap();
    store
        .append_sync_logs(Provider::Gemini, runs(Provider::Gemini, 3))
        .unwrap();
    assert_eq!(store.sync_log_count(Provider::Mindbody).unwrap(), 1_000);
    assert_eq!(store.sync_log_count(Provider::Stripe).unwrap(), 0);

    let first = store.sync_log_page(Provider::Mindbody, 0, 5).unwrap();
    assert_eq!(first.total, 1_000);
    let seqs: Vec<u64> = first.rows.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![1_000, 999, 998, 997, 996]);

    let middle = store.sync_log_page(Provider::Mindbody, 500, 3).unwrap();
    assert_eq!(
        middle.rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![500, 499, 498]
    );
    let last = store.sync_log_page(Provider::Mindbody, 998, 10).unwrap();
    assert_eq!(
        last.rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert!(
        store
            .sync_log_page(Provider::Mindbody, 1_000, 10)
            .unwrap()
            .rows
            .is_empty()
    );
    // Another provider's runs never leak in.
    let gemini = store.sync_log_page(Provider::Gemini, 0, 10).unwrap();
    assert_eq!(gemini.total, 3);
    assert!(gemini.rows.iter().all(|r| r.provider == Provider::Gemini));
}

#[test]
fn a_run_can_be_updated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut log = store
        .append_sync_log(run(Provider::Mindbody, SyncStatus::Started, 1, None))
        .unwrap();
    log.status = SyncStatus::Completed;
    log.completed_at = Some(Utc::now());
    store.update_sync_log(&log).unwrap();
    assert_eq!(store.last_sync_log(Provider::Mindbody).unwrap(), Some(log));
    assert_eq!(store.sync_log_count(Provider::Mindbody).unwrap(), 1);
}

#[test]
fn a_second_process_is_told_who_holds_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let _holder = open(dir.path());
    let Err(err) = Store::open(&Paths::in_dir(dir.path()), "status") else {
        panic!("a second open must fail while the first holds the lock");
    };
    let message = err.to_string();
    assert!(matches!(err, StoreError::Locked { .. }));
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "{message}"
    );
    assert!(message.contains("legion-hub test"), "{message}");
    assert!(message.contains("--data-dir"), "{message}");
}

#[test]
fn the_lock_is_released_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    drop(open(dir.path()));
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    {
        let db = sled::open(dir.path().join("hub")).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &99u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let Err(err) = Store::open(&Paths::in_dir(dir.path()), "test") else {
        panic!("must refuse");
    };
    assert!(err.to_string().contains("newer legion-hub"), "{err}");
}

/// Records as version 1 of legion-hub wrote them (tests/fixtures/store/v1). Every later version
/// must still read them: fields are only ever added, with defaults.
#[test]
fn reads_records_written_by_version_1() {
    fn fixture<R: Record>(name: &str) -> R {
        let path = format!(
            "{}/tests/fixtures/store/v1/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        codec::decode(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
    let integration: IntegrationRecord = fixture("integration.json");
    assert_eq!(integration.provider, Provider::Mindbody);
    assert_eq!(integration.status, Status::Error);
    assert_eq!(
        integration.settings.get("site_id").map(String::as_str),
        Some("-99")
    );
    assert!(integration.error_message.unwrap().contains("503"));

    let minimal: IntegrationRecord = fixture("integration.minimal.json");
    assert_eq!(minimal.provider, Provider::Gemini);
    assert!(minimal.settings.is_empty());
    assert_eq!(minimal.last_sync_at, None);

    let log: SyncLog = fixture("sync_log.json");
    assert_eq!(log.seq, 42);
    assert_eq!(log.status, SyncStatus::Completed);
    assert_eq!(log.records.unchanged, 288);

    let tokens: TokenSet = fixture("token_set.json");
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.access_token.expose(), "fixture-access-token");
}

#[test]
fn the_transaction_count_and_windows_from_either_end_agree_with_the_whole_list() {
    use legion_hub::books::Transaction;
    let dir = tempfile::tempdir().unwrap();
    let store =
        legion_hub::store::Store::open(&legion_hub::config::Paths::in_dir(dir.path()), "test")
            .unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let tx = |i: i64| Transaction {
        key: format!("mindbody:sale:{i}:{}", i * 10),
        date: start + chrono::Duration::minutes(i),
        amount: rust_decimal::Decimal::new(1000 + i, 2),
        tax: Default::default(),
        discount: Default::default(),
        currency: "USD".into(),
        description: "Drop-in".into(),
        category_id: None,
        class: None,
        customer: None,
        source: "mindbody".into(),
        returned: false,
        settlement: None,
        location_id: None,
        payment_method: None,
        contract: None,
        synced_at: chrono::Utc::now(),
    };
    let all: Vec<Transaction> = (0..250).map(tx).collect();
    store.upsert_transactions(&all, false).unwrap();
    store.upsert_transactions(&all[..10], false).unwrap(); // unchanged: not counted again
    assert!(store.delete_transaction(&all[5].key).unwrap());
    store.remove_transactions(&[all[6].key.clone()]).unwrap();
    assert_eq!(store.transaction_count().unwrap(), 248);
    let newest_first = store.transaction_keys_newest_first().unwrap();
    assert_eq!(newest_first.len(), 248);
    for (offset, limit) in [(0, 10), (120, 10), (123, 7), (240, 10), (245, 10), (300, 5)] {
        let expected: Vec<String> = newest_first
            .iter()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect();
        assert_eq!(
            store.transaction_keys_window(offset as u64, limit).unwrap(),
            expected,
            "offset {offset}"
        );
    }
}

/// A write cut short by a crash (kill -9, power lost) can leave a transaction without its date
/// entry (missing from every list and total, and never written again: an upsert of the same
/// record finds it unchanged), an entry without its record, a count off by the cut batch, or a
/// deleted record beside its tombstone. The next start after a crash mends all four; a store
/// closed properly is not walked.
#[test]
fn the_first_start_after_a_crash_mends_a_torn_write() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    {
        let store = open(dir.path());
        crate::support::history::store_transactions(&store, 50);
        assert!(
            store
                .delete_transaction("mindbody:sale:100049:1000049")
                .unwrap()
        );
    }
    // What a process killed in the middle of its writes leaves (sled's own files stay whole:
    // the tear is between trees).
    {
        let db = sled::open(paths.records_db()).unwrap();
        let index = db.open_tree("transactions_by_date").unwrap();
        let records = db.open_tree("transactions").unwrap();
        let tombstones = db.open_tree("tombstones").unwrap();
        let entries: Vec<sled::IVec> = index.iter().keys().take(3).map(|k| k.unwrap()).collect();
        for entry in &entries {
            index.remove(entry).unwrap();
        }
        index
            .insert(b"\0\0\0\0\0\0\0\x01mindbody:sale:1:1", &[][..])
            .unwrap();
        let (key, value) = records.iter().next().unwrap().unwrap();
        tombstones.insert(&key, &[][..]).unwrap();
        records
            .insert(b"mindbody:sale:100049:1000049", value)
            .unwrap();
        db.insert(b"transactions.count", &7u64.to_be_bytes())
            .unwrap();
        // The daily totals' changes still waiting in memory die with the process: the tree
        // is behind the records.
        let totals = db.open_tree("daily_totals").unwrap();
        let (first, _) = totals.iter().next().unwrap().unwrap();
        totals.remove(first).unwrap();
        let customers = db.open_tree("customer_totals").unwrap();
        let (first, _) = customers.iter().next().unwrap().unwrap();
        customers.remove(first).unwrap();
        db.insert(b"transactions.closed", b"0").unwrap();
        db.flush().unwrap();
    }
    let store = open(dir.path());
    let tallies = store.transaction_tallies().unwrap();
    assert!(
        tallies.agree(),
        "records, index and count agree: {tallies:?}"
    );
    assert!(
        store.daily_totals_agree().unwrap(),
        "the daily totals are built again from the records"
    );
    // 50 stored, one deleted before the crash, one more whose tombstone the crash left beside it.
    assert_eq!(tallies.records, 48, "{tallies:?}");
    let listed = store
        .transactions_between(chrono::NaiveDateTime::MIN, chrono::NaiveDateTime::MAX)
        .unwrap();
    assert_eq!(listed.len(), 48, "every record is listed again");
    assert!(
        store
            .transaction("mindbody:sale:100049:1000049")
            .unwrap()
            .is_none()
    );
}

/// A data directory from before the customers' day totals (the daily totals' first layout, no
/// `customer_totals` tree), closed cleanly: its first open builds them from the transactions,
/// and `top_customers` answers from them what the transactions say.
#[test]
fn an_older_data_dir_gets_the_customers_totals_built_at_its_first_open() {
    use legion_hub::books::answers::DateRange;
    use legion_hub::books::answers::customers::top_customers;

    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    {
        let store = open(dir.path());
        crate::support::history::store_transactions(&store, 300);
    }
    {
        let db = sled::open(paths.records_db()).unwrap();
        assert!(db.drop_tree("customer_totals").unwrap());
        db.insert(b"daily_totals.built", &[1u8][..]).unwrap();
        assert_eq!(
            db.get(b"transactions.closed").unwrap().as_deref(),
            Some(&b"1"[..]),
            "closed cleanly: no crash repair builds them"
        );
        db.flush().unwrap();
    }
    let store = open(dir.path());
    assert!(store.daily_totals_agree().unwrap(), "built at open");
    let all = store
        .transactions_between(chrono::NaiveDateTime::MIN, chrono::NaiveDateTime::MAX)
        .unwrap();
    let (first, last) = (all[0].date.date(), all[all.len() - 1].date.date());
    let top = top_customers(&store, DateRange::new(first, last).unwrap(), 3, false).unwrap();
    // One sale each, 25.00 + 0.01 × its number: the last three stored spent most.
    let expected: Vec<(String, u64)> = all
        .iter()
        .rev()
        .take(3)
        .map(|t| (legion_hub::books::currency::exact(t.amount, "USD"), 1))
        .collect();
    let got: Vec<(String, u64)> = top
        .customers
        .iter()
        .map(|r| (r.total.clone(), r.count))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(top.without_customer, 0);
}
