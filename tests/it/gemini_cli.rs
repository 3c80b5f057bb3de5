//! The Gemini commands of the real binary against the loopback sandbox.

use std::path::Path;

use assert_cmd::Command;
use legion_hub::sandbox::gemini::{Failure, GeminiSandbox, SANDBOX_KEY};
use predicates::prelude::*;

fn hub(dir: &Path, sandbox: &GeminiSandbox) -> Command {
    let mut cmd = crate::support::binary::in_dir(dir);
    cmd.env("LEGION_HUB_GEMINI_BASE_URL", sandbox.base_url());
    Command::from_std(cmd)
}

/// The binary blocks; the sandbox runs on this test's own runtime in another thread.
fn sandbox() -> (GeminiSandbox, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(GeminiSandbox::start()).unwrap();
    (sandbox, runtime)
}

#[test]
fn configure_from_stdin_then_test_models_and_chat() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, _rt) = sandbox();
    hub(dir.path(), &sandbox)
        .args(["gemini", "configure", "--api-key-stdin"])
        .write_stdin(format!("{SANDBOX_KEY}\n"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Gemini: connected"))
        .stdout(predicate::str::contains("fast → gemini-flash-latest"))
        .stdout(predicate::str::contains(SANDBOX_KEY).not());

    let out = hub(dir.path(), &sandbox)
        .args(["gemini", "test", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["models"], 7);
    assert_eq!(report["key_source"], "store");

    hub(dir.path(), &sandbox)
        .args(["gemini", "models"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gemini-3.8-flash"))
        .stdout(predicate::str::contains("gemini-embedding-001").not());

    hub(dir.path(), &sandbox)
        .args(["chat", "--model", "pro", "What is our best seller?"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "**You asked:** What is our best seller?",
        ))
        .stdout(predicate::str::contains("gemini-pro-latest"));

    // The question on stdin works too.
    hub(dir.path(), &sandbox)
        .arg("chat")
        .write_stdin("piped question")
        .assert()
        .success()
        .stdout(predicate::str::contains("piped question"));

    hub(dir.path(), &sandbox)
        .arg("status")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Gemini      ● connected"));
}

#[test]
fn a_bad_key_exits_3_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, _rt) = sandbox();
    hub(dir.path(), &sandbox)
        .args(["gemini", "configure", "--api-key-stdin"])
        .write_stdin("AIza-not-a-key\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("API_KEY_INVALID"))
        .stdout(predicate::str::contains("what to do"));
    hub(dir.path(), &sandbox)
        .arg("status")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("✖ error"));
}

#[test]
fn no_key_at_all_says_where_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, _rt) = sandbox();
    hub(dir.path(), &sandbox)
        .args(["gemini", "test"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("no Gemini API key"))
        .stdout(predicate::str::contains("aistudio.google.com"));
    hub(dir.path(), &sandbox)
        .args(["chat", "hello"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no Gemini API key"));
}

#[test]
fn the_legacy_variable_works_and_warns_how_to_consolidate() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, _rt) = sandbox();
    hub(dir.path(), &sandbox)
        .args(["gemini", "test"])
        .env("GOOGLE_GEMINI_API_KEY", SANDBOX_KEY)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "GOOGLE_GEMINI_API_KEY (the legacy name)",
        ))
        .stdout(predicate::str::contains("warning:"));
    hub(dir.path(), &sandbox)
        .arg("status")
        .env("GOOGLE_GEMINI_API_KEY", SANDBOX_KEY)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Gemini: warning"))
        .stdout(predicate::str::contains(
            "rename the variable to GEMINI_API_KEY",
        ));
    // GEMINI_API_KEY wins over the legacy name, and then nothing warns.
    hub(dir.path(), &sandbox)
        .arg("status")
        .env("GOOGLE_GEMINI_API_KEY", "something-else")
        .env("GEMINI_API_KEY", SANDBOX_KEY)
        .assert()
        .stdout(predicate::str::contains("warning").not());
}

#[test]
fn a_retired_model_is_reported_and_accept_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, _rt) = sandbox();
    hub(dir.path(), &sandbox)
        .args([
            "gemini",
            "configure",
            "--api-key-stdin",
            "--fast",
            "gemini-1.5-flash-latest",
        ])
        .write_stdin(SANDBOX_KEY)
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "gemini-1.5-flash-latest ✖ not offered any more; replacement: gemini-flash-latest",
        ));
    hub(dir.path(), &sandbox)
        .args(["gemini", "test", "--accept"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("fast → gemini-flash-latest ✓"));
}

#[test]
fn the_sandbox_command_prints_its_urls_as_one_json_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_legion-hub"))
        .arg("sandbox")
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    let urls: serde_json::Value = serde_json::from_str(&line).unwrap();
    let gemini = urls["gemini"].as_str().unwrap();
    assert!(
        gemini.starts_with("http://127.0.0.1:") && gemini.ends_with("/v1beta"),
        "{gemini}"
    );
    for key in ["mindbody_authorize", "mindbody_token", "mindbody_api"] {
        assert!(
            urls[key].as_str().unwrap().starts_with("http://127.0.0.1:"),
            "{key}"
        );
    }
}

#[test]
fn a_quota_error_in_chat_is_said_in_our_words_and_a_wait_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, _rt) = sandbox();
    hub(dir.path(), &sandbox)
        .args(["gemini", "configure", "--api-key-stdin"])
        .write_stdin(SANDBOX_KEY)
        .assert()
        .code(0);

    // A short retryDelay is waited out, and said so.
    sandbox.inject(Failure::RateLimited {
        retry_delay_secs: 1,
    });
    hub(dir.path(), &sandbox)
        .args(["chat", "hello"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "legion-hub: quota used up, retrying in 1 s (Ctrl-C stops)",
        ))
        .stdout(predicate::str::contains("hello"));

    // A long one is not: the error is the line the detail pane shows, not Google's text.
    sandbox.inject(Failure::RateLimited {
        retry_delay_secs: 600,
    });
    hub(dir.path(), &sandbox)
        .args(["chat", "hello"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "legion-hub: Gemini's quota is used up (HTTP 429). Wait 600 s, or raise the quota (billing) for the key's project.",
        ))
        .stderr(predicate::str::contains("You exceeded").not());
}
