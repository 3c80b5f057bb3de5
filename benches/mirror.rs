//! The Postgres mirror's backfill (issue 17): 100,000 transactions from a hub into a local
//! PostgreSQL (a throwaway cluster, as the tests start, `fsync=off` like any test cluster), in
//! rows per second, beside the bare limits under it: reading and decoding the same rows from
//! sled, and the server inserting as many rows of the same shape on its own
//! (`INSERT … SELECT generate_series`, nothing crossing the socket).
//!
//! `cargo bench --bench mirror`. Without PostgreSQL's server installed it says so and measures
//! nothing.

mod support;

use std::time::Instant;

use legion_hub::config::Paths;
use legion_hub::mirror::drain::Mirror;
use legion_hub::mirror::settings::MirrorTarget;
use legion_hub::mirror::state;
use legion_hub::secret::Secret;
use legion_hub::store::Store;
use support::perf::{Row, publish, row};
use support::postgres::Postgres;

const STUDIO: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let count: i64 = if quick { 2_000 } else { 100_000 };
    let Some(pg) = Postgres::start("benches/mirror") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&Paths::in_dir(dir.path()), "bench").expect("the store opens");
    support::history::store_transactions(&store, count);
    let target = MirrorTarget {
        url: Secret::new(pg.url()),
        studio_id: STUDIO.into(),
        tokens: false,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");

    // The schema first (the first connect migrates), so every run starts from an empty table.
    runtime.block_on(async {
        Mirror::open(&store, &target)
            .await
            .expect("the mirror opens")
    });
    let runs = if quick { 1 } else { 3 };
    let mut backfills = Vec::new();
    for _ in 0..runs {
        pg.psql("TRUNCATE transactions");
        state::backfill_finished(&store).unwrap();
        state::start_backfill(&store).unwrap();
        let started = Instant::now();
        let sent = runtime.block_on(async {
            let mut mirror = Mirror::open(&store, &target)
                .await
                .expect("the mirror opens");
            mirror.backfill(|_| {}).await.expect("the backfill runs")
        });
        backfills.push(started.elapsed().as_secs_f64());
        assert_eq!(sent.rows_sent, count as u64);
    }
    assert_eq!(
        pg.psql("SELECT count(*) FROM transactions"),
        count.to_string()
    );
    let backfill = median(&mut backfills);

    // The bare limits: sled's side alone, and Postgres' side alone.
    let started = Instant::now();
    let mut read = 0;
    for key in store
        .mirror_keys_after(
            legion_hub::store::outbox::MirroredTable::Transactions,
            None,
            usize::MAX,
        )
        .unwrap()
    {
        let key = String::from_utf8(key).unwrap();
        read += store.transaction(&key).unwrap().is_some() as usize;
    }
    let sled_read = started.elapsed().as_secs_f64();
    assert_eq!(read as i64, count);
    pg.psql("CREATE TABLE bare (LIKE transactions INCLUDING ALL)");
    let started = Instant::now();
    pg.psql(&format!(
        "INSERT INTO bare (user_id, key, source, occurred_at, amount, currency, description, category_id, financial_class, customer_key, hub_version) \
         SELECT '{STUDIO}', 'mindbody:sale:' || i, 'mindbody', now(), 25.00 + i % 100, 'USD', 'Drop-in Class', 22, 'Class revenue', 'mindbody:client:' || i % 5000, 1 \
         FROM generate_series(1, {count}) AS i"
    ));
    let server_alone = started.elapsed().as_secs_f64();

    let per_second = |seconds: f64| format!("{:.0} rows/s", count as f64 / seconds);
    let rows: Vec<Row> = vec![row(
        format!("Mirror backfill of {count} transactions into a local Postgres (median of {runs})"),
        "≥ 50,000 rows/s",
        format!(
            "{} ({:.2} s); bare limits: sled read and decode alone {} ({:.2} s), the server inserting as many rows into a copy of the table (its indexes too) alone {} ({:.2} s, psql included)",
            per_second(backfill),
            backfill,
            per_second(sled_read),
            sled_read,
            per_second(server_alone),
            server_alone
        ),
    )];
    publish("mirror", &rows);
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
