//! `legion-hub backup DIR` (issue 12, item 2), on the real binary: taken here when nothing else
//! runs, and by `serve` over its control socket when it does; the copy opens with
//! `--data-dir DIR` and shows the same history; the key is in it only with `--with-key`.
//! (The dashboard owns the data through the same control socket as `serve`: `serve` stands for
//! both owners here, as the terminal tests would need a pty for the dashboard.)

use std::path::Path;

use crate::support::secrets::{assert_secrets_intact, data, hub, key_hex, mode, output, seed};

/// The whole sync history as `history --json` prints it (absolute times: comparable).
fn history(dir: &Path, data_dir: &Path, key: &str) -> String {
    let (code, stdout, stderr) = output(
        hub(dir)
            .args(["history", "--limit", "100000", "--json", "--data-dir"])
            .arg(data_dir)
            .env("LEGION_HUB_MASTER_KEY", key),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\"seq\""), "{stdout}");
    stdout
}

#[tokio::test]
async fn a_backup_taken_alone_opens_with_the_same_history_and_no_key() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 300).await;
    let key = key_hex(&data(dir.path()).join("master.key"));
    let copy = dir.path().join("backup");
    let (code, stdout, stderr) = output(hub(dir.path()).arg("backup").arg(&copy));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("NOT included"), "{stdout}");
    assert!(stdout.contains("taken by legion-hub command"), "{stdout}");
    assert!(
        stdout.contains(&data(dir.path()).join("master.key").display().to_string()),
        "where the key is: {stdout}"
    );
    assert_eq!(mode(&copy), 0o700);
    assert!(!copy.join("master.key").exists());
    assert_eq!(
        history(dir.path(), &copy, &key),
        history(dir.path(), &data(dir.path()), &key)
    );
    // With the key beside it, every secret opens.
    std::fs::copy(data(dir.path()).join("master.key"), copy.join("master.key")).unwrap();
    assert_secrets_intact(&copy);
}

#[tokio::test]
async fn a_backup_goes_only_into_a_new_or_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 3).await;
    let copy = dir.path().join("full");
    std::fs::create_dir(&copy).unwrap();
    std::fs::write(copy.join("keep.txt"), "mine").unwrap();
    let (code, _, stderr) = output(hub(dir.path()).arg("backup").arg(&copy));
    assert_ne!(code, Some(0));
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(std::fs::read_dir(&copy).unwrap().count(), 1);
}

#[tokio::test]
async fn a_backup_with_serve_running_is_taken_by_serve_with_the_key_when_asked() {
    let sandbox = legion_hub::sandbox::Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 300).await;
    let key_file = data(dir.path()).join("master.key");
    let key = key_hex(&key_file);
    let port = crate::support::serving::free_port();
    let (mut child, _engine) = crate::support::serving::serve(dir.path(), &sandbox, port).await;
    let copy = dir.path().join("backup");
    let taken = output(
        crate::support::serving::hub(dir.path(), &sandbox)
            .args(["backup", "--with-key", "--json"])
            .arg(&copy),
    );
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let exit = child.wait().unwrap();
    let (code, stdout, stderr) = taken;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(exit.success(), "{exit:?}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["databases"].as_array().unwrap().len(), 2, "{stdout}");
    let taken_by = report["taken_by"].as_str().unwrap();
    assert!(taken_by.starts_with("legion-hub serve (pid "), "{taken_by}");
    assert!(!stdout.contains(&key), "the key in the report");
    assert_eq!(mode(&copy.join("master.key")), 0o600);
    assert_eq!(
        std::fs::read(copy.join("master.key")).unwrap(),
        std::fs::read(&key_file).unwrap()
    );
    assert_eq!(
        history(dir.path(), &copy, &key),
        history(dir.path(), &data(dir.path()), &key)
    );
    assert_secrets_intact(&copy);
}

/// Not a test: makes the demo-size data the README's measurements use (the sandbox studio the
/// demo has, synced, plus the demo's sync history) in `$LEGION_HUB_MEASURE_DIR/data`.
/// `LEGION_HUB_MEASURE_DIR=/tmp/m cargo test --test it backup::demo_size -- --ignored`
#[tokio::test]
#[ignore = "a tool, not a check: makes the demo-size data for the README's measurements"]
async fn demo_size_data_for_measurements() {
    let Some(dir) = std::env::var_os("LEGION_HUB_MEASURE_DIR") else {
        eprintln!("skipped: LEGION_HUB_MEASURE_DIR is not set");
        return;
    };
    crate::support::secrets::synced_studio(&data(Path::new(&dir))).await;
}
