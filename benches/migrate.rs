//! Schema 1 → 2 at start (issue 13, item 5): how long opening an older store takes while its
//! keys are given their site, for the test fixture (57 transactions, 12 customers, 3 webhook
//! events) and for a store of 100,000 transactions and 5,000 customers; and the open after, which
//! has nothing to do. Prints min / median over a few runs, each on a fresh copy.
//!
//! `cargo bench --bench migrate` (MIGRATE_RUNS=N to change the number of runs).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use legion_hub::books::Customer;
use legion_hub::config::Paths;
use legion_hub::store::Store;
use support::fixture_store::{copy_private, schema_1_store};

/// The fixture (schema 1, site -99 configured) grown to `n` transactions and 5,000 customers,
/// written with schema-1 keys by a store that does not migrate (the glance's role).
fn big_schema_1_store(dir: &Path, n: i64) {
    copy_private(&schema_1_store(), dir);
    let store = Store::open(&Paths::in_dir(dir), "status").unwrap();
    support::history::store_transactions(&store, n);
    let customers: Vec<Customer> = (0..5_000)
        .map(|i| Customer {
            key: format!("mindbody:client:{}", 100_000_000 + i),
            mindbody_id: Some((100_000_000 + i).to_string()),
            first_name: format!("First{i}"),
            last_name: "Doe".into(),
            email: Some(format!("client{i}@example.com")),
            phone: None,
            source: "mindbody".into(),
            modified_at: None,
            modified_by: Some("sync".into()),
            possible_duplicate_of: None,
        })
        .collect();
    store.upsert_customers(&customers).unwrap();
    assert_eq!(store.schema_version().unwrap(), Some(1));
    store.flush().unwrap();
}

/// Opens a fresh copy of `source` `runs` times: (wall time of the migrating open, the
/// migration's own time, wall time of the open after it).
fn measure(source: &Path, runs: usize, expect_moved: u64) -> Vec<(Duration, Duration, Duration)> {
    (0..runs)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            copy_private(source, dir.path());
            let paths = Paths::in_dir(dir.path());
            let started = Instant::now();
            let store = Store::open(&paths, "command").unwrap();
            let wall = started.elapsed();
            let report = store
                .migration()
                .expect("a schema-1 store migrates")
                .clone();
            // The big store's made-up sale ids may meet one of the fixture's: at least this many.
            assert!(report.moved["transactions"] >= expect_moved, "{report:?}");
            drop(store);
            // sled lets go of its files a moment after the handle is dropped.
            std::thread::sleep(Duration::from_millis(100));
            let started = Instant::now();
            let again = Store::open(&paths, "command").unwrap();
            let second = started.elapsed();
            assert!(again.migration().is_none());
            (wall, report.took, second)
        })
        .collect()
}

fn print(label: &str, mut times: Vec<(Duration, Duration, Duration)>) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let column = |pick: fn(&(Duration, Duration, Duration)) -> Duration,
                  times: &mut Vec<(Duration, Duration, Duration)>| {
        times.sort_by_key(pick);
        (ms(pick(&times[0])), ms(pick(&times[times.len() / 2])))
    };
    let (open_min, open_med) = column(|t| t.0, &mut times);
    let (mig_min, mig_med) = column(|t| t.1, &mut times);
    let (again_min, again_med) = column(|t| t.2, &mut times);
    println!(
        "{label:<34} open+migrate min {open_min:>9.1} ms  median {open_med:>9.1} ms | migration median {mig_med:>9.1} ms (min {mig_min:.1}) | next open median {again_med:>6.1} ms (min {again_min:.1})"
    );
}

fn main() {
    let runs: usize = std::env::var("MIGRATE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    print(
        "fixture (57 transactions)",
        measure(&schema_1_store(), runs, 57),
    );
    let big = tempfile::tempdir().unwrap();
    let made = Instant::now();
    big_schema_1_store(big.path(), 100_000);
    println!(
        "(built the 100,000-transaction schema-1 store in {:.1} s)",
        made.elapsed().as_secs_f64()
    );
    print(
        "100,000 transactions, 5,000 clients",
        measure(big.path(), runs.min(3), 100_000),
    );
}
