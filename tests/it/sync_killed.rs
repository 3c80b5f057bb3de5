//! Issue 12, item 7: a `legion-hub sync` killed with SIGKILL half-way through a large studio
//! resumes where it stopped when run again: fewer API calls than a whole sync (each call past
//! the daily allowance is billed), and in the end exactly the studio's records, none twice.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use crate::support::mindbody::items;
use crate::support::serving::{hub, settings, signed_in};
use chrono::Local;
use legion_hub::engine::{Engine, Role};
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::studio::Studio;

const SALES: u64 = 10_000;
const CLIENTS: u64 = 2_000;

/// The keys of the customers and the transactions in the books of `dir`.
async fn books(dir: &Path, sandbox: &Sandbox) -> (BTreeSet<String>, BTreeSet<String>, usize) {
    let engine = Engine::open(&settings(dir, sandbox), Role::Command).unwrap();
    let customers = engine.customers().await.unwrap();
    let transactions = engine.transactions_since(None).await.unwrap();
    let rows = transactions.len();
    (
        customers.into_iter().map(|c| c.key).collect(),
        transactions.into_iter().map(|t| t.key).collect(),
        rows,
    )
}

/// Runs `legion-hub sync mindbody` to the end; the API calls it made.
fn sync_to_the_end(dir: &Path, sandbox: &Sandbox) -> usize {
    let before = sandbox.mindbody.api_calls();
    let out = hub(dir, sandbox)
        .args(["sync", "mindbody"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    sandbox.mindbody.api_calls() - before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_half_way_resumes_with_fewer_calls_and_ends_with_the_studio_exactly() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.mindbody.set_studio(Studio::new(
        SALES,
        CLIENTS,
        Local::now().naive_local() - chrono::Duration::minutes(5),
        14,
    ));

    // What a whole sync of this studio costs, and what it stores, in a dir of its own.
    let whole = signed_in(&sandbox).await;
    let whole_calls = sync_to_the_end(whole.path(), &sandbox);
    let (whole_customers, whole_keys, whole_rows) = books(whole.path(), &sandbox).await;
    assert_eq!(whole_customers.len() as u64, CLIENTS);
    assert_eq!(whole_keys.len() as u64, items(SALES));
    assert_eq!(whole_rows, whole_keys.len());

    // The same sync, killed in the middle of the sales (past categories and clients).
    let dir = signed_in(&sandbox).await;
    let before = sandbox.mindbody.api_calls();
    let clients_pages = CLIENTS.div_ceil(200) as usize;
    let kill_after = before + 1 + clients_pages + (SALES / 200 / 3) as usize;
    let mut child = hub(dir.path(), &sandbox)
        .args(["sync", "mindbody"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..6000 {
        if sandbox.mindbody.api_calls() >= kill_after || child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sync was still running when it was killed"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    crate::support::serving::assert_transactions_whole(dir.path(), &sandbox);
    let killed_calls = sandbox.mindbody.api_calls() - before;
    let (_, half, _) = books(dir.path(), &sandbox).await;
    assert!(
        !half.is_empty() && (half.len() as u64) < items(SALES),
        "killed half-way: {} of {} stored",
        half.len(),
        items(SALES)
    );

    let resumed_calls = sync_to_the_end(dir.path(), &sandbox);
    println!(
        "whole sync: {whole_calls} calls; killed after {killed_calls} calls with {} of {} transactions stored; the run after it: {resumed_calls} calls",
        half.len(),
        items(SALES)
    );
    assert!(
        resumed_calls < whole_calls,
        "resuming ({resumed_calls} calls) reads less than a whole sync ({whole_calls})"
    );
    assert!(
        resumed_calls + killed_calls <= whole_calls + 4,
        "the pages stored before the kill are not read again (a few in flight may be): {killed_calls} + {resumed_calls} vs {whole_calls}"
    );
    let (customers, keys, rows) = books(dir.path(), &sandbox).await;
    assert_eq!(customers, whole_customers, "exactly the studio's clients");
    assert_eq!(keys, whole_keys, "exactly the studio's sale items");
    assert_eq!(rows, keys.len(), "none twice");

    // The history says the run picked up an interrupted one.
    let history = hub(dir.path(), &sandbox)
        .args(["history", "--json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&history.stdout);
    assert!(text.contains("resumed an interrupted run"), "{text}");
}
