//! When things go wrong underneath: a full disk, a read-only data directory, a corrupt database, a missing or wrong master
//! key, the network dropping in the middle of a reply, Mindbody's clock running ahead of ours.
//! Each gives a clear error that says what to do, and loses nothing already saved.

use std::os::unix::process::CommandExt;
use std::time::Duration;

use crate::support::mindbody::{items, sales_only, studio};
use crate::support::serving::{configured, free_port, hub, serve, started};
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::engine::SyncRequest;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::mindbody::ApiFault;
use legion_hub::sandbox::webhooks::SendPlan;
use legion_hub::store::webhooks::WebhookState;

#[tokio::test]
async fn a_connection_dropped_mid_reply_is_retried_and_a_lasting_drop_resumes_without_loss() {
    let (sandbox, dir) = studio(500).await;
    let engine = crate::support::mindbody::open(&crate::support::mindbody::settings(
        dir.path(),
        &sandbox,
        |_| {},
    ));
    crate::support::mindbody::connect(&engine).await;
    while engine.mindbody_sync_running().await.unwrap() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Once: the retry gets the page.
    sandbox.inject(ApiFault::Dropped);
    let logs = engine
        .sync_mindbody(SyncRequest {
            since: Some(chrono::Local::now().date_naive() - chrono::Duration::days(20)),
            ..sales_only()
        })
        .await
        .unwrap();
    assert_eq!(logs[0].status, SyncStatus::Completed, "{:?}", logs[0]);

    // For good on the second page: the run fails, saying so, and the next one resumes.
    let (sandbox, dir) = studio(500).await;
    let engine = crate::support::mindbody::open(&crate::support::mindbody::settings(
        dir.path(),
        &sandbox,
        |_| {},
    ));
    crate::support::mindbody::connect(&engine).await;
    while engine.mindbody_sync_running().await.unwrap() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let since = Some(chrono::Local::now().date_naive() - chrono::Duration::days(20));
    let request = SyncRequest {
        since,
        full: true,
        ..sales_only()
    };
    sandbox.inject(ApiFault::Slow(Duration::ZERO)); // page 1 as usual
    for _ in 0..3 {
        sandbox.inject(ApiFault::Dropped);
    }
    let failed = engine.sync_mindbody(request.clone()).await.unwrap();
    assert_eq!(failed[0].status, SyncStatus::Failed);
    let why = failed[0].error_details.clone().unwrap_or_default();
    assert!(
        why.contains("Mindbody") && !why.is_empty(),
        "the error names what failed: {why}"
    );
    let resumed = engine.sync_mindbody(sales_only()).await.unwrap();
    assert_eq!(resumed[0].status, SyncStatus::Completed, "{:?}", resumed[0]);
    let stored = engine.transactions_since(None).await.unwrap();
    let mut keys: Vec<_> = stored.iter().map(|t| t.key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), stored.len(), "nothing twice");
    assert_eq!(stored.len() as u64, items(500), "nothing lost");
}

#[tokio::test]
async fn a_token_mindbody_expires_early_by_its_clock_is_renewed_once_and_the_sync_goes_on() {
    let (sandbox, dir) = studio(50).await;
    let engine = crate::support::mindbody::open(&crate::support::mindbody::settings(
        dir.path(),
        &sandbox,
        |_| {},
    ));
    crate::support::mindbody::connect(&engine).await;
    while engine.mindbody_sync_running().await.unwrap() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refreshes = sandbox.refreshes();
    // Mindbody's clock runs ahead: it holds our (by our clock) fresh access token expired.
    sandbox.expire_access_tokens();
    let logs = engine.sync_mindbody(sales_only()).await.unwrap();
    assert_eq!(logs[0].status, SyncStatus::Completed, "{:?}", logs[0]);
    assert_eq!(sandbox.refreshes(), refreshes + 1, "one refresh, then on");
    let mindbody = &engine.integrations().await.unwrap()[1];
    assert_eq!(mindbody.status, legion_hub::domain::Status::Connected);
}

/// The real binary over a data dir with history and sealed Mindbody settings.
fn history_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::support::open_engine(&dir.path().join("data"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        engine
            .import_sync_history(
                Provider::Mindbody,
                crate::support::runs(Provider::Mindbody, 50),
            )
            .await
            .unwrap();
        engine
            .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
                "http://localhost:3000/cb",
            ))
            .await
            .unwrap();
    });
    dir
}

fn cli(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_legion-hub"));
    cmd.env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("LEGION_HUB_CONFIG")
        .env_remove("LEGION_HUB_MASTER_KEY")
        .env("LEGION_HUB_DATA_DIR", dir.join("data"));
    cmd
}

fn run(cmd: &mut std::process::Command) -> (Option<i32>, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_corrupt_history_database_is_an_error_with_advice_and_the_glance_still_works() {
    let dir = history_dir();
    let records = dir.path().join("data").join("records");
    // Scribble over the middle of every file of the bulk database.
    for entry in std::fs::read_dir(&records).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let mut bytes = std::fs::read(&path).unwrap();
            let len = bytes.len();
            for b in bytes.iter_mut().skip(len / 4).take(len / 2) {
                *b ^= 0x5a;
            }
            std::fs::write(&path, bytes).unwrap();
        }
    }
    let (code, _, stderr) = run(cli(dir.path()).args(["history"]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("records") || stderr.contains("database"),
        "says which database: {stderr}"
    );
    // The glance opens only the small hub database, which is intact.
    let (code, stdout, stderr) = run(cli(dir.path()).args(["status", "--json"]));
    assert!(matches!(code, Some(0 | 3)), "{stderr}");
    assert!(stdout.contains("\"mindbody\""), "{stdout}");
}

#[test]
fn a_wrong_master_key_is_named_and_the_sealed_secrets_stay_sealed_and_unharmed() {
    let dir = history_dir();
    let key_file = dir.path().join("data").join("master.key");
    let right = std::fs::read(&key_file).unwrap();
    let wrong_key = "00".repeat(32);
    let (code, _, stderr) = run(cli(dir.path())
        .env("LEGION_HUB_MASTER_KEY", &wrong_key)
        .args(["webhooks", "list"]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("key"),
        "says the key does not open the secrets: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Missing altogether: the same, and the glance still works.
    std::fs::remove_file(&key_file).unwrap();
    let (code, _, stderr) = run(cli(dir.path()).args(["webhooks", "list"]));
    assert_eq!(code, Some(1), "{stderr}");
    let (code, _, _) = run(cli(dir.path()).args(["status"]));
    assert!(matches!(code, Some(0 | 3)));
    // The right key back: everything opens as before.
    std::fs::write(&key_file, right).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let engine = crate::support::open_engine(&dir.path().join("data"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let settings = runtime.block_on(engine.mindbody_settings()).unwrap();
    assert_eq!(settings.site_id.as_deref(), Some("-99"));
    let history = runtime
        .block_on(engine.sync_history(Provider::Mindbody, 0, 100))
        .unwrap();
    assert_eq!(history.total, 50, "no history lost");
}

/// Every file under `dir` with its bytes, to show that nothing was changed.
fn contents(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn set_mode_under(dir: &std::path::Path, dirs: u32, files: u32) {
    use std::os::unix::fs::PermissionsExt;
    for path in walk(dir) {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(files)).unwrap();
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(dirs)).unwrap();
        }
    }
}

/// The command runs without the capabilities that let root write where the mode says no, so
/// the test means the same as root (CI) as it does for a studio's user.
fn without_root_powers(cmd: &mut std::process::Command) -> &mut std::process::Command {
    unsafe {
        cmd.pre_exec(|| {
            // Emptying the bounding set keeps exec from handing root its capabilities back.
            for cap in 0..64 {
                libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
            }
            Ok(())
        })
    }
}

#[test]
fn a_read_only_data_dir_says_so_and_what_to_do_and_changes_nothing() {
    let dir = history_dir();
    let data = dir.path().join("data");
    let before = contents(&data);
    set_mode_under(&data, 0o500, 0o400);
    // Where even that cannot take root's powers away (no CAP_SETPCAP), the modes mean nothing
    // and there is nothing to test: say so rather than fail on the sandbox.
    let probe = data.join("probe");
    let wrote = without_root_powers(std::process::Command::new("touch").arg(&probe))
        .status()
        .unwrap()
        .success();
    if wrote {
        let _ = std::fs::remove_file(&probe);
        set_mode_under(&data, 0o700, 0o600);
        eprintln!("skipped: this process writes where the modes say no, whatever it drops");
        return;
    }
    for args in [&["status"][..], &["history"], &["status", "--json"]] {
        let (code, stdout, stderr) = run(without_root_powers(&mut cli(dir.path())).args(args));
        assert_eq!(code, Some(1), "{args:?}: {stdout}{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains("cannot write in the data directory")
                && stderr.contains(&*data.to_string_lossy()),
            "names the directory: {stderr}"
        );
        assert!(
            stderr.contains("user") && stderr.contains("--data-dir"),
            "says what to do: {stderr}"
        );
        assert!(
            !stderr.contains("only one legion-hub"),
            "not mistaken for another owner: {stderr}"
        );
    }
    set_mode_under(&data, 0o700, 0o600);
    assert_eq!(contents(&data), before, "nothing was changed");
    let (code, stdout, stderr) = run(cli(dir.path()).args(["history", "--limit", "100", "--json"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.matches("\"started_at\"").count() >= 50, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_turns_deliveries_away_with_a_retry_and_keeps_every_one_it_acknowledged() {
    let sandbox = std::sync::Arc::new(Sandbox::start().await.unwrap());
    let dir = configured(&sandbox).await;
    let port = free_port();
    // First a subscription, made while there is room.
    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    crate::support::serving::subscribe(&remote, port).await;
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();

    // Then the disk fills up: no file may grow past the databases' biggest now, plus a little.
    // (The inbox file's segments, made whole ahead of need, are left out: on a nearly full disk
    // the next one cannot be made whole, and grows as it is written until the disk is full.)
    let biggest = walk(&dir.path().join("data"))
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "webhook-inbox"))
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .max()
        .unwrap_or(0);
    let limit = biggest + 256 * 1024;
    let mut cmd = hub(dir.path(), &sandbox);
    cmd.args(["serve", "--webhook-addr", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    unsafe {
        cmd.pre_exec(move || {
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit);
            // A write past the limit fails with EFBIG instead of killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let (mut child, _) = started(cmd.spawn().unwrap(), dir.path(), &sandbox).await;
    // Bursts until the disk is full and deliveries are turned away (answered 503 within the
    // store's patience, so Mindbody delivers them again later).
    let mut acknowledged = Vec::new();
    let mut turned_away = 0;
    for round in 0..40 {
        let bodies: Vec<Vec<u8>> = (0..64)
            .map(|i| {
                let n = round * 64 + i;
                sandbox.webhooks.client_body(
                    "client.created",
                    &(300_000 + n).to_string(),
                    "Full",
                    &format!("Disk{n}"),
                    &format!("full{n}@example.com"),
                )
            })
            .collect();
        let plan = SendPlan {
            concurrency: 64,
            ..SendPlan::default()
        };
        let report = sandbox.webhooks.send(bodies, &plan).await;
        acknowledged.extend(report.acknowledged);
        turned_away += report.failed;
        if report.failed > 0 {
            break;
        }
    }
    let report = legion_hub::sandbox::webhooks::SendReport {
        acknowledged,
        failed: turned_away,
        ..Default::default()
    };
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        report.failed > 0,
        "the disk filled up during the burst ({} acknowledged)",
        report.acknowledged.len()
    );
    assert!(
        log.contains("disk is full") || log.contains("free some space"),
        "the log says what happened: {log}"
    );

    // Room again: everything acknowledged is there and gets processed.
    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    for _ in 0..500 {
        if remote.webhook_summary().await.unwrap().pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = remote.webhook_events(0, 100_000).await.unwrap();
    let processed: std::collections::HashSet<_> = page
        .rows
        .iter()
        .filter(|r| r.state == Some(WebhookState::Processed))
        .map(|r| r.message_id.clone())
        .collect();
    for id in &report.acknowledged {
        assert!(processed.contains(id), "acknowledged {id} is kept");
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push(path);
        }
    }
    out
}
