//! Reading the members' contracts (issue 16): Mindbody bills `client/clientcontracts` per call
//! and takes one client a call, so the figures are calls. A sandbox studio of 2,000 clients, 400
//! of them members with a monthly contract paid by autopay (some suspended, some ended), synced
//! over loopback; then the first full read (target: exactly one call per client holding a
//! contract, counted by the sandbox itself) and a refresh with nothing changed (target: no call),
//! each with its wall time.
//!
//! `cargo bench --bench contracts` (CONTRACT_MEMBERS=N to change the size).

mod support;

use std::time::Instant;

use chrono::Local;
use legion_hub::engine::SyncRequest;
use legion_hub::format::thousands;
use legion_hub::sandbox::mindbody::MindbodySandbox;
use legion_hub::sandbox::studio::Studio;
use support::perf::{publish, row};

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let members: u64 = std::env::var("CONTRACT_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 40 } else { 400 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = MindbodySandbox::start().await.unwrap();
        sandbox.set_auto_approve(true);
        // 70 days: two billing months of autopays are in the synced sales, so the hub knows
        // every member with a running contract.
        let studio = Studio::new(4_000, members * 5, Local::now().naive_local(), 70)
            .with_members(members);
        sandbox.set_studio(studio);
        let settings = support::mindbody::settings(dir.path(), &sandbox, |config| {
            config.mindbody.first_sync_days = Some(80);
            // The whole read in one day's share, so the figure is the read's, not the limit's.
            config.mindbody.contracts_daily_calls = Some(members * 2);
        });
        let engine = support::mindbody::open(&settings);
        support::mindbody::connect(&engine).await;
        engine.sync_mindbody(SyncRequest::default()).await.unwrap();

        let plan = engine.contracts_plan().await.unwrap();
        let before = sandbox.api_calls();
        let started = Instant::now();
        let first = engine.refresh_contracts(true).await.unwrap();
        let first_took = started.elapsed();
        let first_calls = sandbox.api_calls() - before;

        let before = sandbox.api_calls();
        let started = Instant::now();
        let again = engine.refresh_contracts(false).await.unwrap();
        let again_took = started.elapsed();
        let again_calls = sandbox.api_calls() - before;

        let with_contracts = plan.clients_with_contracts;
        let rows = vec![
            row(
                format!(
                    "members' contracts, the first full read: `client/clientcontracts` calls ({} clients, {} holding a contract; sandbox over loopback)",
                    thousands(members * 5),
                    thousands(with_contracts)
                ),
                "= clients holding a contract",
                format!(
                    "{} calls for {} (said beforehand: {}); {} autopays read in {:.2} s",
                    thousands(first_calls as u64),
                    thousands(with_contracts),
                    thousands(plan.calls_now()),
                    thousands(first.inflows),
                    first_took.as_secs_f64()
                ),
            ),
            row(
                "a later refresh with nothing changed: calls",
                "0",
                format!(
                    "{} calls ({} clients read) in {:.1} ms",
                    again_calls,
                    again.clients_read,
                    again_took.as_secs_f64() * 1000.0
                ),
            ),
        ];
        assert_eq!(first_calls as u64, with_contracts, "one call per member");
        assert_eq!(again_calls, 0, "nothing changed, nothing called");
        publish("contracts", &rows);
    });
}
