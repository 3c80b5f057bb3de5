//! The real binary on temp data directories: the status glance, JSON, exit codes, a locked
//! database, a broken config, paths.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::secret::Secret;
use predicates::prelude::*;
use support::{open_engine, run};

/// The binary, with every path it could touch inside `dir`.
fn hub(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("legion-hub").unwrap();
    cmd.env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("share"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("LEGION_HUB_CONFIG")
        .env_remove("LEGION_HUB_MASTER_KEY")
        .env_remove("RUST_LOG")
        .env("LEGION_HUB_DATA_DIR", dir.join("data"));
    cmd
}

fn data(dir: &Path) -> std::path::PathBuf {
    dir.join("data")
}

#[test]
fn status_on_a_new_hub_is_healthy() {
    let dir = tempfile::tempdir().unwrap();
    hub(dir.path())
        .arg("status")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PROVIDER"))
        .stdout(predicate::str::contains("Gemini"))
        .stdout(predicate::str::contains("disconnected"))
        .stdout(predicate::str::contains("GoCardless"))
        .stdout(predicate::str::contains("coming soon"));
}

#[tokio::test]
async fn status_exits_3_and_explains_when_an_integration_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open_engine(&data(dir.path()));
        engine
            .record_sync(run(
                Provider::Mindbody,
                SyncStatus::Failed,
                5,
                Some("Mindbody rejected the request: 401 Unauthorized"),
            ))
            .await
            .unwrap();
    }
    hub(dir.path())
        .arg("status")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("✖ error"))
        .stdout(predicate::str::contains("401 Unauthorized"))
        .stdout(predicate::str::contains("Run `legion-hub history`"));
}

#[tokio::test]
async fn status_json_is_complete_and_has_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "AIza-SECRET-that-must-not-print";
    {
        let engine = open_engine(&data(dir.path()));
        let mut log = run(Provider::Mindbody, SyncStatus::Completed, 0, None);
        log.started_at = chrono::Utc::now() - chrono::Duration::minutes(10);
        log.completed_at = Some(log.started_at + chrono::Duration::seconds(4));
        engine.record_sync(log).await.unwrap();
        drop(engine);
        // Credentials go in through the store, as the Gemini configure command will.
        let store = legion_hub::store::Store::open(
            &legion_hub::config::Paths::in_dir(&data(dir.path())),
            "test",
        )
        .unwrap();
        let mut creds = BTreeMap::new();
        creds.insert("api_key".to_string(), Secret::new(secret));
        store
            .put_credentials(Provider::Gemini, &legion_hub::store::Credentials(creds))
            .unwrap();
    }
    let out = hub(dir.path()).args(["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(secret), "the secret was printed");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["healthy"], true);
    let integrations = json["integrations"].as_array().unwrap();
    assert_eq!(integrations.len(), 4);
    let mindbody = &integrations[1];
    assert_eq!(mindbody["provider"], "mindbody");
    assert_eq!(mindbody["status"], "connected");
    assert_eq!(mindbody["last_sync_ago"], "9 min ago");
    assert!(mindbody["last_sync_at"].is_string());
    assert_eq!(integrations[0]["has_credentials"], true);
    assert_eq!(integrations[2]["status"], "coming_soon");
}

#[test]
fn status_while_another_process_holds_the_data_says_who() {
    let dir = tempfile::tempdir().unwrap();
    let _holder = open_engine(&data(dir.path()));
    hub(dir.path())
        .arg("status")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is in use by legion-hub dashboard",
        ))
        .stderr(predicate::str::contains(format!(
            "pid {}",
            std::process::id()
        )))
        .stderr(predicate::str::contains("--data-dir"))
        .stderr(predicate::str::contains("sled").not());
}

#[test]
fn a_broken_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("broken.toml");
    std::fs::write(&config, "[ui]\nmouse = true\ncolour = \"never\"\n").unwrap();
    hub(dir.path())
        .args(["status", "--config"])
        .arg(&config)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}, line 3, key `ui.colour`",
            config.display()
        )))
        .stderr(predicate::str::contains("unknown field"));
}

#[test]
fn an_endpoint_variable_that_is_not_a_url_is_named() {
    let dir = tempfile::tempdir().unwrap();
    hub(dir.path())
        .env("LEGION_HUB_MINDBODY_TOKEN_URL", "signin.mindbodyonline.com/connect/token")
        .args(["status"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "LEGION_HUB_MINDBODY_TOKEN_URL is `signin.mindbodyonline.com/connect/token`, not an http:// or https:// URL",
        ));
}

#[test]
fn a_config_named_but_missing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    hub(dir.path())
        .args(["status", "--config", "/nonexistent/legion.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent/legion.toml"));
}

#[test]
fn paths_lists_everything_and_works_with_a_broken_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = hub(dir.path()).args(["paths", "--json"]).output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "config_file",
        "data_dir",
        "hub_db",
        "records_db",
        "log_dir",
        "key_file",
    ] {
        assert!(json[key].is_string(), "{key} missing");
    }
    assert_eq!(json["data_dir"], data(dir.path()).display().to_string());

    std::fs::create_dir_all(dir.path().join("config/legion-hub")).unwrap();
    std::fs::write(dir.path().join("config/legion-hub/config.toml"), "nonsense").unwrap();
    hub(dir.path())
        .arg("paths")
        .assert()
        .success()
        .stdout(predicate::str::contains("config file"))
        .stderr(predicate::str::contains("warning"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    hub(dir.path()).arg("frobnicate").assert().code(2);
    hub(dir.path()).args(["status", "--jsn"]).assert().code(2);
}

#[test]
fn the_dashboard_without_a_terminal_says_what_to_use_instead() {
    let dir = tempfile::tempdir().unwrap();
    hub(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("needs a terminal"))
        .stderr(predicate::str::contains("legion-hub status"));
}

#[test]
fn config_default_is_valid_and_check_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = hub(dir.path())
        .args(["config", "default"])
        .output()
        .unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, out.stdout).unwrap();
    hub(dir.path())
        .args(["config", "check", "--config"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"));
}

#[test]
fn status_does_not_need_the_master_key() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = legion_hub::store::Store::open(
            &legion_hub::config::Paths::in_dir(&data(dir.path())),
            "test",
        )
        .unwrap();
        let mut creds = BTreeMap::new();
        creds.insert("api_key".to_string(), Secret::new("sealed-key"));
        store
            .put_credentials(Provider::Gemini, &legion_hub::store::Credentials(creds))
            .unwrap();
    }
    // The key file is gone (not restored from backup yet): the glance still works.
    std::fs::remove_file(data(dir.path()).join("master.key")).unwrap();
    let out = hub(dir.path()).args(["status", "--json"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["integrations"][0]["has_credentials"], true);
    assert_eq!(
        json["integrations"][0]["facts"][0]["value"],
        "legion-hub (saved, sealed)"
    );
}
