//! The status glance without the database (issue 13, item 6), on the real binary and real sled
//! files: `status` answers from the snapshot beside the store without opening sled, never from
//! one the store has moved past, passes over a damaged or foreign one, prints the same by both
//! paths, and the file holds no secret.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::support::secrets::{data, hub, mindbody_secrets, mode, output, seed};
use legion_hub::config::Paths;
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::store::Store;
use legion_hub::store::snapshot::FILE_NAME;

fn snapshot(dir: &Path) -> PathBuf {
    data(dir).join(FILE_NAME)
}

/// Holds the lock sled takes on the hub database, as another sled would: any process that
/// opens the hub database now fails (after waiting), so a glance that answers did not open it.
/// Taking the lock changes none of the file's times or contents.
fn sled_kept_out(dir: &Path) -> File {
    let file = File::open(data(dir).join("hub").join("db")).unwrap();
    // SAFETY: flock on a descriptor we own.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    file
}

/// `status --json`: exit code, stdout, stderr.
fn status_json(dir: &Path) -> (Option<i32>, String, String) {
    output(hub(dir).args(["status", "--json"]))
}

/// What the store itself says (the snapshot removed first, so the glance opens sled).
fn from_the_store(dir: &Path) -> (Option<i32>, String) {
    let _ = std::fs::remove_file(snapshot(dir));
    let (code, stdout, stderr) = status_json(dir);
    assert!(matches!(code, Some(0 | 3)), "{stderr}");
    (code, stdout)
}

/// A hub with secrets, history, a failed Mindbody run (an error to show) and Gemini's key.
async fn a_hub_with_an_error(dir: &Path) {
    seed(dir, 200).await;
    let engine = crate::support::open_engine(&data(dir));
    engine
        .record_sync(crate::support::run(
            Provider::Mindbody,
            SyncStatus::Failed,
            3,
            Some("Mindbody answered 503 Service Unavailable"),
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn status_answers_from_the_snapshot_without_opening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    a_hub_with_an_error(dir.path()).await;
    let (code, expected) = from_the_store(dir.path());
    assert!(
        snapshot(dir.path()).exists(),
        "the glance that opened sled left a snapshot"
    );
    let _kept_out = sled_kept_out(dir.path());
    let (again, stdout, stderr) = status_json(dir.path());
    assert_eq!(again, code, "{stderr}");
    assert_eq!(stdout, expected, "the same answer, without sled");
    assert!(stdout.contains("503 Service Unavailable"));
    // The table for people too.
    let (table_code, table, stderr) = output(hub(dir.path()).arg("status"));
    assert_eq!(table_code, code, "{stderr}");
    assert!(
        table.contains("PROVIDER") && table.contains("503"),
        "{table}"
    );
}

#[tokio::test]
async fn status_json_is_the_same_from_the_snapshot_and_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    a_hub_with_an_error(dir.path()).await;
    // A Gemini test report (it fails: nothing here reaches the internet) and a run left
    // "syncing" by a process that is gone, as well.
    let (_, _, stderr) = output(hub(dir.path()).args(["gemini", "test"]));
    assert!(!stderr.contains("panicked"), "{stderr}");
    {
        let engine = crate::support::open_engine(&data(dir.path()));
        let mut started = crate::support::run(Provider::Mindbody, SyncStatus::Started, 1, None);
        started.completed_at = None;
        engine.record_sync(started).await.unwrap();
    }
    let (code, from_store) = from_the_store(dir.path());
    let (snap_code, from_snapshot, stderr) = {
        let _kept_out = sled_kept_out(dir.path());
        status_json(dir.path())
    };
    assert_eq!(snap_code, code, "{stderr}");
    assert_eq!(from_snapshot, from_store);
    let json: serde_json::Value = serde_json::from_str(&from_snapshot).unwrap();
    assert_ne!(
        json["integrations"][1]["status"], "syncing",
        "a run whose process is gone is not shown as running"
    );
    assert!(
        json["integrations"][0]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["label"] == "Last test"),
        "{json}"
    );
}

/// The store written after the snapshot, by a process that wrote no snapshot (one that died
/// before writing it, or an older legion-hub): the glance shows the store, never the snapshot.
#[tokio::test]
async fn a_snapshot_the_store_has_moved_past_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 20).await;
    let (_, healthy) = from_the_store(dir.path());
    assert!(healthy.contains("\"healthy\": true"), "{healthy}");
    assert!(snapshot(dir.path()).exists());
    {
        // A bare store, as an older binary opens it: it knows nothing of the snapshot.
        let store = Store::open(&Paths::in_dir(&data(dir.path())), "command").unwrap();
        let mut record = store.integration(Provider::Mindbody).unwrap().unwrap();
        record.status = legion_hub::domain::Status::Error;
        record.error_message = Some("written after the snapshot".into());
        store.put_integration(&record).unwrap();
    }
    let (code, stdout, stderr) = status_json(dir.path());
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stdout.contains("written after the snapshot"), "{stdout}");
}

/// A process that wrote the snapshot and then, at once (within the file system's clock tick),
/// the store, and died before a new snapshot: the glance still sees the change.
#[tokio::test]
async fn a_write_right_after_the_snapshot_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 20).await;
    for round in 0..5 {
        // The engine writes its snapshot as it lets the store go...
        drop(crate::support::open_engine(&data(dir.path())));
        // ...and a bare store writes right after.
        let store = Store::open(&Paths::in_dir(&data(dir.path())), "command").unwrap();
        let mut record = store.integration(Provider::Mindbody).unwrap().unwrap();
        record.error_message = Some(format!("change {round}"));
        store.put_integration(&record).unwrap();
        drop(store);
        let (_, stdout, stderr) = status_json(dir.path());
        assert!(
            stdout.contains(&format!("change {round}")),
            "{stdout}{stderr}"
        );
    }
}

#[tokio::test]
async fn a_damaged_or_foreign_snapshot_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    a_hub_with_an_error(dir.path()).await;
    let (code, expected) = from_the_store(dir.path());
    let good = std::fs::read_to_string(snapshot(dir.path())).unwrap();
    // Each altered snapshot also says something the store does not: used, it would show.
    let mut lying: serde_json::Value = serde_json::from_str(&good).unwrap();
    lying["integrations"]["mindbody"]["error_message"] =
        serde_json::json!("from a snapshot that must not be used");
    let good = lying.to_string();
    let mut stamps_moved: serde_json::Value = serde_json::from_str(&good).unwrap();
    stamps_moved["hub_files"][0]["ctime"][1] = serde_json::json!(1);
    let mut other_version: serde_json::Value = serde_json::from_str(&good).unwrap();
    other_version["version"] = serde_json::json!(99);
    let mut newer_schema: serde_json::Value = serde_json::from_str(&good).unwrap();
    newer_schema["schema"] = serde_json::json!(u32::MAX);
    let mut bad_hex: serde_json::Value = serde_json::from_str(&good).unwrap();
    for value in bad_hex["meta"].as_object_mut().unwrap().values_mut() {
        *value = serde_json::json!("zz");
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", good.as_bytes()[..good.len() - 1].to_vec()),
        ("not JSON", b"\xff\xfe garbage \x00".to_vec()),
        (
            "foreign JSON",
            br#"{"format": "something else", "version": 1}"#.to_vec(),
        ),
        ("another version", other_version.to_string().into_bytes()),
        ("a newer schema", newer_schema.to_string().into_bytes()),
        (
            "stamps of other files",
            stamps_moved.to_string().into_bytes(),
        ),
        ("damaged values", bad_hex.to_string().into_bytes()),
        ("too large", vec![b' '; 2 * 1024 * 1024]),
    ];
    for (what, bytes) in cases {
        std::fs::write(snapshot(dir.path()), &bytes).unwrap();
        let (got, stdout, stderr) = status_json(dir.path());
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert_eq!(got, code, "{what}: {stderr}");
        assert_eq!(stdout, expected, "{what}");
    }
    // A directory where the file should be: the glance still answers.
    std::fs::remove_file(snapshot(dir.path())).unwrap();
    std::fs::create_dir(snapshot(dir.path())).unwrap();
    let (got, stdout, stderr) = status_json(dir.path());
    assert_eq!(got, code, "{stderr}");
    assert_eq!(stdout, expected);
}

#[tokio::test]
async fn the_snapshot_holds_no_secret_and_only_its_owner_may_read_it() {
    let dir = tempfile::tempdir().unwrap();
    a_hub_with_an_error(dir.path()).await;
    from_the_store(dir.path());
    let file = snapshot(dir.path());
    assert_eq!(mode(&file), 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    let tokens = crate::support::secrets::tokens();
    let mut secrets: Vec<String> = mindbody_secrets().values().map(|s| s.to_string()).collect();
    secrets.push("AIza-gemini".into());
    secrets.push(tokens.access_token.expose().to_string());
    secrets.push(tokens.refresh_token.unwrap().expose().to_string());
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} is in the snapshot"
        );
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!text.contains(&hex), "{secret} is in the snapshot, in hex");
    }
    // Not even sealed: only that there are credentials.
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (provider, record) in json["integrations"].as_object().unwrap() {
        if let Some(credentials) = record.get("credentials").and_then(|c| c.as_str()) {
            assert_eq!(
                credentials, "",
                "{provider}'s sealed credentials are in the snapshot"
            );
        }
    }
}

/// `serve` keeps the snapshot after each change; killed (no chance to write at exit), it
/// leaves one the glance can answer from without sled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_serve_leaves_a_snapshot_of_its_last_change() {
    use crate::support::serving::{free_port, serve, signed_in};
    let sandbox = legion_hub::sandbox::Sandbox::start().await.unwrap();
    let dir = signed_in(&sandbox).await;
    let (mut child, remote) = serve(dir.path(), &sandbox, free_port()).await;
    remote
        .sync_mindbody(legion_hub::engine::SyncRequest::default())
        .await
        .unwrap();
    let shown = remote.integrations().await.unwrap();
    let last_sync = shown[1].last_sync_at.expect("the sync completed");
    // The owner writes the snapshot a moment after a change: wait until it shows the sync and
    // has stopped changing.
    let file = snapshot(dir.path());
    let mut settled = 0;
    for _ in 0..500 {
        let written = std::fs::read_to_string(&file).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&written).unwrap_or_default();
        let shows_it = json["integrations"]["mindbody"]["last_sync_at"]
            .as_str()
            .is_some_and(|at| at.parse::<chrono::DateTime<chrono::Utc>>().ok() == Some(last_sync));
        let before = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let after = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
        settled = if shows_it && before == after {
            settled + 1
        } else {
            0
        };
        if settled == 50 {
            break;
        }
    }
    assert_eq!(settled, 50, "serve did not keep the snapshot");
    child.kill().unwrap();
    child.wait().unwrap();
    let _kept_out = sled_kept_out(dir.path());
    let out = crate::support::serving::hub(dir.path(), &sandbox)
        .args(["status", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no answer without sled: {stderr}"));
    let mindbody = &json["integrations"][1];
    assert_eq!(mindbody["status"], "connected", "{json}");
    assert_eq!(
        mindbody["last_sync_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        last_sync
    );
}
