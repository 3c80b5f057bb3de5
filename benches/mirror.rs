//! The Postgres mirror's backfill (issue 17): 100,000 transactions from a hub into a local
//! PostgreSQL (a throwaway cluster, as the tests start, `fsync=off` like any test cluster), in
//! rows per second, beside the bare limits under it: reading and decoding the same rows from
//! sled, and the server inserting as many rows of the same shape on its own
//! (`INSERT … SELECT generate_series`, nothing crossing the socket).
//!
//! Then the mirror live (issue 17): signed sales through the real `serve` at a steady 1,000 a
//! second, the mirror on and off in alternating rounds: the mirror's lag as `mirror status` gives
//! it (the oldest change in the books not yet in Postgres, read every 50 ms), how long after
//! Mindbody sent a sale it is a row in Postgres (its `created_at`, the server's clock, against
//! the moment the paced sender was due to send it, so a sender running late only makes the lag
//! look longer), and the receiver's own latency beside the same load with the mirror off.
//!
//! `cargo bench --bench mirror`. Without PostgreSQL's server installed it says so and measures
//! nothing.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use legion_hub::config::Paths;
use legion_hub::mirror::drain::Mirror;
use legion_hub::mirror::settings::MirrorTarget;
use legion_hub::mirror::state;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::{SaleNotice, SendPlan};
use legion_hub::secret::Secret;
use legion_hub::store::Store;
use support::perf::{Row, publish, row};
use support::postgres::Postgres;
use support::serving::Serving;

const STUDIO: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let count: i64 = if quick { 2_000 } else { 100_000 };
    let Some(pg) = Postgres::start() else {
        return support::postgres::skip("benches/mirror");
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
    let mut rows_sent = 0;
    for _ in 0..runs {
        pg.psql("TRUNCATE transactions, daily_totals");
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
        // The transactions, and the daily totals they make (every table goes in a backfill).
        assert!(sent.rows_sent > count as u64, "{sent:?}");
        rows_sent = sent.rows_sent;
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
        format!(
            "Mirror backfill of {count} transactions (and the {} daily totals they make) into a local Postgres (median of {runs})",
            rows_sent - count as u64
        ),
        "≥ 50,000 rows/s (before the overlap of reading and writing: 44,502 rows/s)",
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
    let mut rows = rows;
    rows.extend(runtime.block_on(live(&pg, quick)));
    publish("mirror", &rows);
}

const LIVE_RATE: u32 = 1_000;

/// One round of sales through `serve`: the receiver's latencies, and with the mirror on, each
/// sale's way to Postgres and the mirror's own lag as its status gave it while the load ran.
struct LiveRound {
    receiver_p50: Duration,
    receiver_p99: Duration,
    lags: Vec<Duration>,
    mirror_lags: Vec<Duration>,
}

/// Sales through `serve` at a steady 1,000 a second, mirror off and on in turns.
async fn live(pg: &Postgres, quick: bool) -> Vec<Row> {
    let (sales, rounds) = if quick { (300, 1) } else { (10_000, 3) };
    let sandbox = Sandbox::start().await.expect("the sandbox starts");
    let mut off = Vec::new();
    let mut on = Vec::new();
    let mut first_sale = 0;
    for round in 0..rounds {
        for mirror in [round % 2 == 0, round % 2 != 0] {
            let result = live_round(&sandbox, pg, mirror, first_sale, sales).await;
            first_sale += sales;
            if mirror {
                on.push(result)
            } else {
                off.push(result)
            }
        }
    }
    let median_of = |runs: &[LiveRound], of: fn(&LiveRound) -> Duration| {
        let mut values: Vec<Duration> = runs.iter().map(of).collect();
        values.sort();
        values[values.len() / 2]
    };
    let (lags, mirror_lags) = (sorted(&on, |r| &r.lags), sorted(&on, |r| &r.mirror_lags));
    let conditions = format!("{rounds} rounds of {sales} sales, mirror on and off in turns");
    vec![
        row(
            format!(
                "Mirror lag under a steady {LIVE_RATE} webhook sales/s through `serve`: how long the oldest change in the books waits for Postgres, as `mirror status` gives it, read every {} ms ({conditions})",
                LAG_EVERY.as_millis()
            ),
            "p99 < 1 s",
            format!(
                "p50 {}, p99 {}, max {}",
                ms(at(&mirror_lags, 0.5)),
                ms(at(&mirror_lags, 0.99)),
                ms(mirror_lags[mirror_lags.len() - 1])
            ),
        ),
        row(
            format!(
                "A sale's way from Mindbody's sender to a row in Postgres, through `serve` at a steady {LIVE_RATE} webhook sales/s ({conditions})"
            ),
            "none set (the mirror's own lag is the row above); shown so the whole way is seen",
            format!(
                "p50 {}, p99 {}, max {} (received, stored, filed, processed into the books, mirrored; filing waits for a lull or 1 s, and a steady load has no lulls)",
                ms(at(&lags, 0.5)),
                ms(at(&lags, 0.99)),
                ms(lags[lags.len() - 1])
            ),
        ),
        row(
            format!(
                "The receiver at a steady {LIVE_RATE} /s with the mirror on, beside it off ({conditions}, medians)"
            ),
            "unchanged",
            format!(
                "on: p50 {}, p99 {}; off: p50 {}, p99 {}",
                ms(median_of(&on, |r| r.receiver_p50)),
                ms(median_of(&on, |r| r.receiver_p99)),
                ms(median_of(&off, |r| r.receiver_p50)),
                ms(median_of(&off, |r| r.receiver_p99)),
            ),
        ),
    ]
}

async fn live_round(
    sandbox: &Sandbox,
    pg: &Postgres,
    mirror: bool,
    first_sale: i64,
    sales: i64,
) -> LiveRound {
    let dir = support::serving::configured(sandbox).await;
    // Each round is a new hub: a studio of its own, or the lease would refuse it.
    let studio = new_studio();
    let port = support::serving::free_port();
    let serving = match mirror {
        true => support::mirrored::serve(dir.path(), sandbox, port, pg.port(), &studio).await,
        false => Serving::start(dir.path(), sandbox, port, None).await,
    };
    sandbox.webhooks.deactivate_all();
    serving
        .remote
        .subscribe_webhooks(serving.url(), Vec::new())
        .await
        .expect("subscribed");
    let id = |i: i64| 9_000_000 + first_sale + i;
    let bodies: Vec<Vec<u8>> = (0..sales)
        .map(|i| {
            sandbox.webhooks.sale_body(&SaleNotice {
                sale_id: id(i),
                at: chrono::Local::now().naive_local(),
                client_id: "100000009".into(),
                total: rust_decimal::Decimal::new(2500, 2),
                item_id: 1370,
                item_name: "Drop-in Class".into(),
            })
        })
        .collect();
    let plan = SendPlan {
        rate: LIVE_RATE,
        concurrency: 64,
        ..SendPlan::default()
    };
    let due_from = SystemTime::now();
    let watching = mirror.then(|| watch_lag(support::serving::settings(dir.path(), sandbox)));
    let report = sandbox.webhooks.send(bodies, &plan).await;
    assert_eq!(report.failed, 0, "{report:?}");
    let mut mirror_lags = Vec::new();
    if let Some((stop, watcher)) = watching {
        let _ = stop.send(());
        mirror_lags = watcher.await.expect("the lag watcher ends");
    }
    let mut lags = Vec::new();
    if mirror {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let summary = serving.remote.webhook_summary().await.unwrap();
            let status = serving.remote.mirror_status().await.unwrap();
            if summary.pending == 0 && status.rows_waiting == 0 && status.backfill.is_none() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the mirror did not catch up: {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let created: HashMap<String, i64> = pg
            .psql(&format!(
                "SELECT key || ' ' || (extract(epoch FROM created_at) * 1000000)::bigint FROM transactions WHERE user_id = '{studio}'"
            ))
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(key, micros)| (key.to_string(), micros.parse().unwrap()))
            .collect();
        let due_from = due_from.duration_since(UNIX_EPOCH).unwrap().as_micros() as i64;
        for i in 0..sales {
            let key = format!("mindbody@-99:sale:{}:w1", id(i));
            let created = created
                .get(&key)
                .unwrap_or_else(|| panic!("{key} is in Postgres"));
            let due = due_from + i * 1_000_000 / i64::from(LIVE_RATE);
            lags.push(Duration::from_micros((created - due).max(0) as u64));
        }
    }
    serving.stop();
    let mut latencies = report.latencies.clone();
    latencies.sort();
    LiveRound {
        receiver_p50: at(&latencies, 0.5),
        receiver_p99: at(&latencies, 0.99),
        lags,
        mirror_lags,
    }
}

const LAG_EVERY: Duration = Duration::from_millis(50);

/// Reads the mirror's lag from the running `serve` (through its control socket, as `mirror
/// status` does) every [`LAG_EVERY`] until told to stop.
fn watch_lag(
    settings: legion_hub::config::Settings,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Vec<Duration>>,
) {
    let (stop, mut stopped) = tokio::sync::oneshot::channel();
    let watcher = tokio::spawn(async move {
        let remote =
            legion_hub::engine::Engine::attach_or_open(&settings, legion_hub::engine::Role::Status)
                .await
                .expect("attached to serve");
        let mut lags = Vec::new();
        while stopped.try_recv().is_err() {
            let status = remote.mirror_status().await.expect("the mirror's status");
            let lag = status.lag_seconds(chrono::Utc::now());
            lags.push(Duration::from_secs_f64(lag));
            tokio::time::sleep(LAG_EVERY).await;
        }
        lags
    });
    (stop, watcher)
}

fn sorted(runs: &[LiveRound], of: fn(&LiveRound) -> &Vec<Duration>) -> Vec<Duration> {
    let mut all: Vec<Duration> = runs.iter().flat_map(|r| of(r).iter().copied()).collect();
    all.sort();
    all
}

fn at(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn new_studio() -> String {
    let hex = format!("{:032x}", rand::random::<u128>());
    legion_hub::mirror::settings::uuid_text(&hex)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
