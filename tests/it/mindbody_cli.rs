//! `mindbody configure`, `connect mindbody` (paste-back on stdin), `mindbody test`,
//! `disconnect mindbody`, with the real binary against the Mindbody sandbox.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command as Std, Stdio};

use assert_cmd::Command;
use legion_hub::sandbox::mindbody::*;
use predicates::prelude::*;

fn env_for(cmd: &mut Std, dir: &Path, sandbox: &MindbodySandbox) {
    let cmd = crate::support::binary::shut_in(cmd, dir);
    crate::support::binary::at_mindbody(cmd, sandbox)
        .env("MINDBODY_API_KEY", SANDBOX_API_KEY)
        .env("MINDBODY_CLIENT_SECRET", SANDBOX_CLIENT_SECRET);
}

fn hub(dir: &Path, sandbox: &MindbodySandbox) -> Command {
    let mut cmd = Std::new(env!("CARGO_BIN_EXE_legion-hub"));
    env_for(&mut cmd, dir, sandbox);
    Command::from_std(cmd)
}

/// The Mindbody sandbox, served by a runtime of its own while the test drives the binary.
fn sandbox() -> (tokio::runtime::Runtime, MindbodySandbox) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(MindbodySandbox::start()).unwrap();
    (runtime, sandbox)
}

fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// `connect mindbody --no-browser` (with `extra` arguments): the address it prints is followed
/// as a browser would, and the address it ends on pasted back (after a forged one, when asked).
/// What it printed after the address, and on stderr; it must succeed.
fn connect_by_pasting(
    dir: &Path,
    runtime: &tokio::runtime::Runtime,
    sandbox: &MindbodySandbox,
    extra: &[&str],
    forged_first: bool,
) -> (String, String) {
    let mut cmd = Std::new(env!("CARGO_BIN_EXE_legion-hub"));
    env_for(&mut cmd, dir, sandbox);
    let mut child = cmd
        .args(["connect", "mindbody", "--no-browser"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    assert!(url.starts_with(&sandbox.authorize_url()), "{url}");
    let target = runtime.block_on(async {
        let reply = legion_hub::http::client_without_redirects()
            .get(url.trim())
            .send()
            .await
            .unwrap();
        reply.headers()["location"].to_str().unwrap().to_string()
    });
    let mut stdin = child.stdin.take().unwrap();
    if forged_first {
        writeln!(stdin, "{}", target.replace("state=", "state=forged")).unwrap();
    }
    writeln!(stdin, "{target}").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    (rest, stderr)
}

/// Configures the sandbox's application with the hub's redirect on a free loopback port.
fn configure(dir: &Path, sandbox: &MindbodySandbox) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect = format!("http://localhost:{port}/api/integrations/mindbody/callback");
    hub(dir, sandbox)
        .args([
            "mindbody",
            "configure",
            "--site-id",
            "-99",
            "--client-id",
            SANDBOX_CLIENT_ID,
            "--redirect-uri",
            &redirect,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("site -99"))
        .stdout(predicate::str::contains(SANDBOX_API_KEY).not());
}

#[test]
fn configure_connect_by_pasting_test_and_disconnect() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, sandbox) = sandbox();
    sandbox.set_auto_approve(true);
    configure(dir.path(), &sandbox);

    // Connect with --no-browser: the address on stdout, the redirected one pasted on stdin.
    let (rest, stderr) = connect_by_pasting(dir.path(), &runtime, &sandbox, &[], true);
    assert!(rest.contains("Mindbody connected."), "{rest}");
    assert!(
        stderr.contains("state does not match"),
        "the forged paste was refused: {stderr}"
    );

    hub(dir.path(), &sandbox)
        .args(["mindbody", "test"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Legion Fitness Downtown"));
    let status_json = hub(dir.path(), &sandbox)
        .args(["status", "--json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status_json.stdout).to_string();
    assert!(text.contains("\"status\": \"connected\""), "{text}");
    assert!(
        !text.contains("at-") && !text.contains("rt-") && !text.contains(SANDBOX_CLIENT_SECRET)
    );
    // No token or secret anywhere in the logs, nor in the clear in the data directory.
    let everything = all_text(&dir.path().join("data"));
    for secret in [
        SANDBOX_API_KEY,
        SANDBOX_CLIENT_SECRET,
        "\"at-",
        "\"rt-",
        "Bearer at-",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} found on disk or in a log"
        );
    }

    // Mindbody's revocation service is down: the tokens are forgotten here, and the words say
    // they may still work there.
    sandbox.fail_revocations(Some(500));
    hub(dir.path(), &sandbox)
        .args(["disconnect", "mindbody"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "Mindbody did not confirm the revocation (HTTP 500): revoke the app in Mindbody's site settings",
        ))
        .stdout(predicate::str::contains("revoked at").not())
        .stdout(predicate::str::contains("history and transactions kept"));
    hub(dir.path(), &sandbox)
        .args(["mindbody", "test"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("not signed in"))
        .stdout(predicate::str::contains("legion-hub connect mindbody"));
}

#[test]
fn connect_without_settings_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let (_runtime, sandbox) = sandbox();
    hub(dir.path(), &sandbox)
        .args(["connect", "mindbody", "--no-browser"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no site id"))
        .stderr(predicate::str::contains("mindbody configure"));
    hub(dir.path(), &sandbox)
        .args(["mindbody", "configure", "--site-id", "abc"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a number"));
}

#[test]
fn sync_before_configure_is_refused_with_the_command_to_run_and_status_stays_green() {
    let dir = tempfile::tempdir().unwrap();
    let (_runtime, sandbox) = sandbox();
    hub(dir.path(), &sandbox)
        .args(["sync", "mindbody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not set up yet"))
        .stderr(predicate::str::contains("legion-hub mindbody configure"));
    hub(dir.path(), &sandbox)
        .arg("history")
        .assert()
        .success()
        .stdout(predicate::str::contains("No syncs yet"));
    hub(dir.path(), &sandbox).arg("status").assert().code(0);
    // Configured but not signed in: the next step is the sign-in.
    hub(dir.path(), &sandbox)
        .args([
            "mindbody",
            "configure",
            "--site-id",
            SANDBOX_SITE_ID,
            "--client-id",
            SANDBOX_CLIENT_ID,
        ])
        .assert()
        .success();
    hub(dir.path(), &sandbox)
        .args(["sync", "mindbody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("legion-hub connect mindbody"));
    hub(dir.path(), &sandbox).arg("status").assert().code(0);
}

/// A chain from the command line: a further site is added, signed in, synced, tested, listed in
/// `status` and `mindbody sites` on a line of its own; a site the hub does not serve is refused
/// with how to add it.
#[test]
fn a_chain_s_second_site_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, sandbox) = sandbox();
    sandbox.set_auto_approve(true);
    configure(dir.path(), &sandbox);
    connect_by_pasting(dir.path(), &runtime, &sandbox, &[], false);
    hub(dir.path(), &sandbox)
        .args(["mindbody", "add-site", "-98"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Mindbody · site -98 added"))
        .stdout(predicate::str::contains(
            "Next: run `legion-hub connect mindbody --site -98`",
        ));
    hub(dir.path(), &sandbox)
        .args(["status"])
        .assert()
        .stdout(predicate::str::contains(
            "Mindbody · site -98  ○ disconnected  never",
        ));
    let site_row = |dir: &Path| {
        let status = hub(dir, &sandbox)
            .args(["status", "--json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
        report["integrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["site"] == "-98")
            .cloned()
            .unwrap_or_else(|| panic!("{report:#}"))
    };
    let waiting = site_row(dir.path());
    assert!(
        waiting["what_to_do"]
            .as_str()
            .unwrap()
            .contains("`legion-hub connect mindbody --site -98`"),
        "{waiting:#}"
    );

    let (rest, _) = connect_by_pasting(dir.path(), &runtime, &sandbox, &["--site", "-98"], false);
    assert!(
        rest.contains("Mindbody · site -98 connected. Next: legion-hub sync mindbody --site -98"),
        "{rest}"
    );
    hub(dir.path(), &sandbox)
        .args(["sync", "mindbody", "--site", "-98", "--only", "sales"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sales: completed"));
    hub(dir.path(), &sandbox)
        .args(["history", "--site", "-98"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sales"));
    hub(dir.path(), &sandbox)
        .args(["history", "--site", "-99"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No syncs yet for Mindbody."));
    hub(dir.path(), &sandbox)
        .args(["mindbody", "test", "--site", "-98"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Mindbody · site -98: connected"));
    let sites = hub(dir.path(), &sandbox)
        .args(["mindbody", "sites"])
        .output()
        .unwrap();
    let sites = String::from_utf8_lossy(&sites.stdout).to_string();
    assert!(sites.contains("-99  ● connected  (first)"), "{sites}");
    assert!(sites.contains("-98  ● connected"), "{sites}");
    let connected = site_row(dir.path());
    assert_eq!(connected["status"], "connected");
    assert_eq!(connected["name"], "Mindbody · site -98");

    hub(dir.path(), &sandbox)
        .args(["sync", "mindbody", "--site", "-97"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "site -97 is not one of this hub's Mindbody sites",
        ))
        .stderr(predicate::str::contains("legion-hub mindbody add-site ID"));
    hub(dir.path(), &sandbox)
        .args(["mindbody", "remove-site", "-98"])
        .assert()
        .success()
        .stdout(predicate::str::contains("kept"));
    hub(dir.path(), &sandbox)
        .args(["status"])
        .assert()
        .stdout(predicate::str::contains("site -98").not());
}
