//! The mirror under faults, with the real binary and a real PostgreSQL: `serve` receives signed
//! clients and sales from the sandbox while, a hundred times at random moments, it is killed
//! with SIGKILL (often with rows on the wire), stopped with SIGTERM, PostgreSQL is stopped and
//! started again, or the cable between them is cut mid-statement. Mindbody sends again what got
//! no 2xx. Afterwards the hub holds each client and sale once, and Postgres holds exactly the
//! hub's rows: none lost, none twice, `mirror check` in step.
//!
//! The moments come from a seed printed at the start; `LEGION_HUB_FAULT_SEED=N` replays a run.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::support::cable::Cable;
use crate::support::postgres::Postgres;
use crate::support::serving::{Serving, subscribed};
use legion_hub::engine::Engine;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::{SaleNotice, SendPlan, SendReport};

const STUDIO: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const CYCLES: usize = 100;
/// Clients (and as many sales to them) sent during each cycle.
const PAIRS_PER_CYCLE: i64 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    KillHub,
    StopHub,
    StopPostgres,
    CutCable,
}

/// What Mindbody would send: a new client, then a sale to that client.
fn pair(sandbox: &Sandbox, i: i64) -> [Vec<u8>; 2] {
    let client = (300_000 + i).to_string();
    [
        sandbox.webhooks.client_body(
            "client.created",
            &client,
            "Fault",
            &format!("Client{i}"),
            &format!("fault{i}@example.com"),
        ),
        sandbox.webhooks.sale_body(&SaleNotice {
            sale_id: 800_000 + i,
            at: chrono::Local::now().naive_local(),
            client_id: client,
            total: price(i),
            item_id: 1370,
            item_name: "Drop-in Class".into(),
        }),
    ]
}

fn price(i: i64) -> Decimal {
    Decimal::new(1500 + i % 997, 2)
}

fn message_id(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body).unwrap()["messageId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `serve` with the mirror on, through the cable.
async fn serve(dir: &Path, sandbox: &Sandbox, port: u16, cable: &Cable) -> Serving {
    crate::support::mirrored::serve(dir, sandbox, port, cable.port(), STUDIO).await
}

async fn send(sandbox: &Arc<Sandbox>, bodies: Vec<Vec<u8>>) -> tokio::task::JoinHandle<SendReport> {
    let sender = sandbox.clone();
    tokio::spawn(async move {
        let plan = SendPlan {
            concurrency: 4,
            ..SendPlan::default()
        };
        sender.webhooks.send(bodies, &plan).await
    })
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !ready().await {
        assert!(Instant::now() < deadline, "waited {limit:?} for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn mirrored_all(remote: &Engine) -> bool {
    let summary = remote.webhook_summary().await.unwrap();
    let status = remote.mirror_status().await.unwrap();
    summary.pending == 0
        && status.rows_waiting == 0
        && status.backfill.is_none()
        && status.state.connected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_kills_stops_and_cuts_lose_no_row_and_send_none_twice() {
    let Some(mut pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror_faults::a_hundred_kills_stops_and_cuts");
    };
    let seed: u64 = std::env::var("LEGION_HUB_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    eprintln!("mirror_faults: seed {seed} (LEGION_HUB_FAULT_SEED={seed} replays this run)");
    let mut rng = StdRng::seed_from_u64(seed);
    let cable = Cable::to(pg.port());
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    let (dir, port) = subscribed(&sandbox).await;
    let mut serving = serve(dir.path(), &sandbox, port, &cable).await;

    let mut by_id: HashMap<String, Vec<u8>> = HashMap::new();
    let mut acknowledged: HashSet<String> = HashSet::new();
    let mut faults: HashMap<Fault, usize> = HashMap::new();
    let mut kills_with_rows_waiting = 0;
    for cycle in 0..CYCLES as i64 {
        let bodies: Vec<Vec<u8>> = (0..PAIRS_PER_CYCLE)
            .flat_map(|k| pair(&sandbox, cycle * PAIRS_PER_CYCLE + k))
            .collect();
        by_id.extend(bodies.iter().map(|b| (message_id(b), b.clone())));
        let burst = send(&sandbox, bodies).await;
        // Let the burst and the mirror get under way, for a random while.
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..60))).await;
        let fault = match rng.gen_range(0..4) {
            0 => Fault::KillHub,
            1 => Fault::StopHub,
            2 => Fault::StopPostgres,
            _ => Fault::CutCable,
        };
        *faults.entry(fault).or_default() += 1;
        match fault {
            Fault::KillHub | Fault::StopHub => {
                if fault == Fault::KillHub {
                    if let Ok(status) = serving.remote.mirror_status().await {
                        kills_with_rows_waiting += usize::from(status.rows_waiting > 0);
                    }
                    serving.child.kill().unwrap(); // SIGKILL: no flush, no goodbye
                    serving.child.wait().unwrap();
                    drop(serving);
                } else {
                    serving.stop();
                }
                let report = burst.await.unwrap();
                acknowledged.extend(report.acknowledged);
                serving = serve(dir.path(), &sandbox, port, &cable).await;
            }
            Fault::StopPostgres => {
                pg.stop();
                tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
                pg.restart();
                acknowledged.extend(burst.await.unwrap().acknowledged);
            }
            Fault::CutCable => {
                cable.cut();
                acknowledged.extend(burst.await.unwrap().acknowledged);
            }
        }
    }
    eprintln!(
        "mirror_faults: {CYCLES} cycles: {faults:?}; {kills_with_rows_waiting} kills had rows waiting for Postgres"
    );
    assert!(
        kills_with_rows_waiting > 0,
        "some kill landed with rows on their way to Postgres (seed {seed})"
    );

    // Mindbody sends again what got no 2xx (and, as it may, some it had an answer for).
    let mut again: Vec<Vec<u8>> = by_id
        .iter()
        .filter(|(id, _)| !acknowledged.contains(*id))
        .map(|(_, body)| body.clone())
        .collect();
    again.extend(by_id.values().step_by(25).cloned());
    let resent = send(&sandbox, again).await.await.unwrap();
    assert_eq!(resent.failed, 0, "the hub takes every delivery sent again");
    let remote = &serving.remote;
    wait_until(
        "the hub processed everything and Postgres caught up",
        Duration::from_secs(120),
        || mirrored_all(remote),
    )
    .await;

    // The hub: each client and each sale once.
    let pairs = CYCLES as i64 * PAIRS_PER_CYCLE;
    let transactions = remote.transactions_since(None).await.unwrap();
    let hub_keys: BTreeSet<String> = transactions.iter().map(|t| t.key.clone()).collect();
    assert_eq!(transactions.len() as i64, pairs, "one transaction per sale");
    assert_eq!(hub_keys.len(), transactions.len(), "no transaction twice");
    let customers = remote.customers().await.unwrap();
    assert_eq!(customers.len() as i64, pairs, "one customer per client");

    // Postgres: exactly the hub's rows, amounts to the cent.
    let total: Decimal = (0..pairs).map(price).sum();
    assert_eq!(
        pg.psql(
            "SELECT count(*) || ' ' || count(DISTINCT key) || ' ' || sum(amount) FROM transactions"
        ),
        format!("{pairs} {pairs} {total}")
    );
    let pg_keys: BTreeSet<String> = pg
        .psql("SELECT key FROM transactions")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        pg_keys, hub_keys,
        "Postgres holds the hub's transactions, no more, no less"
    );
    assert_eq!(
        pg.psql("SELECT count(*) || ' ' || count(DISTINCT key) FROM customers"),
        format!("{pairs} {pairs}")
    );
    let check = remote.mirror_check().await.unwrap();
    assert!(check.in_step(), "{check:#?}");
    serving.stop();
}
