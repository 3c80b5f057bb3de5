//! The real `legion-hub serve` process: other invocations attach to it through the control
//! socket, SIGTERM stops it cleanly, and a kill -9 in the middle of a mixed burst of webhook
//! deliveries (clients and sales) loses none that were answered 2xx and, with the deliveries
//! Mindbody sends again, applies every event exactly once: no customer or transaction twice.

use std::collections::HashMap;
use std::time::Duration;

use crate::support::serving::{configured, free_port, hub, serve};
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::{SaleNotice, SendPlan};
use legion_hub::store::webhooks::WebhookState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_commands_attach_to_serve_and_sigterm_stops_it_cleanly() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = configured(&sandbox).await;
    let (mut child, _remote) = serve(dir.path(), &sandbox, free_port()).await;
    let status = hub(dir.path(), &sandbox)
        .args(["status", "--json"])
        .output()
        .unwrap();
    let views: serde_json::Value = serde_json::from_slice(&status.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&status.stderr)));
    assert_eq!(views["integrations"].as_array().unwrap().len(), 4);
    let history = hub(dir.path(), &sandbox)
        .args(["history", "--json"])
        .output()
        .unwrap();
    assert!(
        history.status.success(),
        "{}",
        String::from_utf8_lossy(&history.stderr)
    );
    let events = hub(dir.path(), &sandbox)
        .args(["webhooks", "events"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&events.stdout).contains("0 received"),
        "{}",
        String::from_utf8_lossy(&events.stderr)
    );
    let socket = dir.path().join("data").join("control.sock");
    assert!(socket.exists());
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(!socket.exists(), "the socket goes with a clean stop");
    // With no hub running, commands open the data themselves.
    let alone = hub(dir.path(), &sandbox)
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(!alone.stdout.is_empty());
}

/// Waits (bounded) until the hub has processed every event it stored.
async fn worked_off(remote: &legion_hub::engine::Engine) {
    let mut pending = remote.webhook_summary().await.unwrap().pending;
    for _ in 0..1000 {
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        pending = remote.webhook_summary().await.unwrap().pending;
    }
    assert_eq!(pending, 0, "the hub did not work off its stored events");
}

/// Every message id the event log shows as received (once per stored event), with its state.
async fn received(remote: &legion_hub::engine::Engine) -> Vec<(String, Option<WebhookState>)> {
    let page = remote.webhook_events(0, 100_000).await.unwrap();
    page.rows
        .into_iter()
        .filter(|row| row.kind == "received")
        .map(|row| (row.message_id, row.state))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_delivery_is_applied_exactly_once_across_a_kill_9() {
    const PAIRS: i64 = 1500;
    let sandbox = std::sync::Arc::new(Sandbox::start().await.unwrap());
    let dir = configured(&sandbox).await;
    let port = free_port();
    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    crate::support::serving::subscribe(&remote, port).await;
    // A mixed burst: a new client, then a sale to that client, 1,500 times.
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for i in 0..PAIRS {
        let client = (200_000 + i).to_string();
        bodies.push(sandbox.webhooks.client_body(
            "client.created",
            &client,
            "Burst",
            &format!("Client{i}"),
            &format!("burst{i}@example.com"),
        ));
        bodies.push(sandbox.webhooks.sale_body(&SaleNotice {
            sale_id: 700_000 + i,
            at: chrono::Local::now().naive_local(),
            client_id: client,
            total: rust_decimal::Decimal::new(2500 + i, 2),
            item_id: 1370,
            item_name: "Drop-in Class".into(),
        }));
    }
    let id_of = |body: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(body).unwrap()["messageId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let by_id: HashMap<String, Vec<u8>> = bodies.iter().map(|b| (id_of(b), b.clone())).collect();
    let sender = sandbox.clone();
    let burst = tokio::spawn(async move {
        let plan = SendPlan {
            concurrency: 16,
            ..SendPlan::default()
        };
        sender.webhooks.send(bodies, &plan).await
    });
    // Kill once the burst is under way (some answered), however busy the machine is. The
    // sender's own count, not the hub's: the hub counts what it has filed, which trails the
    // answers by up to a second, and by then a fast machine has answered the whole burst.
    let before = sandbox.webhooks.acknowledged_so_far();
    for _ in 0..20_000 {
        if sandbox.webhooks.acknowledged_so_far() >= before + 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    child.kill().unwrap(); // SIGKILL: no chance to flush or clean up
    child.wait().unwrap();
    let report = burst.await.unwrap();
    crate::support::serving::assert_transactions_whole(dir.path(), &sandbox);
    assert!(
        !report.acknowledged.is_empty() && report.failed > 0,
        "the kill landed mid-burst: {} acknowledged, {} failed",
        report.acknowledged.len(),
        report.failed
    );

    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    worked_off(&remote).await;
    // Everything answered 2xx before the kill is there and processed.
    let states: HashMap<String, Option<WebhookState>> =
        received(&remote).await.into_iter().collect();
    for id in &report.acknowledged {
        assert_eq!(
            states.get(id),
            Some(&Some(WebhookState::Processed)),
            "acknowledged delivery {id} is stored and processed"
        );
    }

    // Mindbody sends again what got no 2xx; and, as it may, a few it had an answer for.
    let acked: std::collections::HashSet<&String> = report.acknowledged.iter().collect();
    let mut again: Vec<Vec<u8>> = by_id
        .iter()
        .filter(|(id, _)| !acked.contains(id))
        .map(|(_, body)| body.clone())
        .collect();
    let unacked = again.len();
    again.extend(
        report
            .acknowledged
            .iter()
            .step_by(10)
            .map(|id| by_id[id].clone()),
    );
    let plan = SendPlan {
        concurrency: 8,
        ..SendPlan::default()
    };
    let redelivered = sandbox.webhooks.send(again, &plan).await;
    assert_eq!(
        redelivered.failed, 0,
        "the restarted hub takes every delivery"
    );
    assert!(unacked > 0);
    worked_off(&remote).await;

    // Each of the 3,000 events is stored once and applied once.
    let rows = received(&remote).await;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (id, state) in &rows {
        *seen.entry(id.as_str()).or_default() += 1;
        assert_eq!(state, &Some(WebhookState::Processed), "{id}");
    }
    assert_eq!(seen.len(), by_id.len(), "every event is in the log");
    assert!(seen.values().all(|n| *n == 1), "no event is stored twice");
    let customers = remote.customers().await.unwrap();
    let keys: std::collections::HashSet<&str> = customers.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(customers.len(), PAIRS as usize, "one customer per client");
    assert_eq!(keys.len(), customers.len());
    let transactions = remote.transactions_since(None).await.unwrap();
    let keys: std::collections::HashSet<&str> =
        transactions.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(
        transactions.len(),
        PAIRS as usize,
        "one transaction per sale"
    );
    assert_eq!(keys.len(), transactions.len(), "no duplicate transaction");
    for i in 0..PAIRS {
        assert!(keys.contains(format!("mindbody@-99:sale:{}:w1", 700_000 + i).as_str()));
    }
    let total: rust_decimal::Decimal = transactions.iter().map(|t| t.amount).sum();
    let expected: rust_decimal::Decimal = (0..PAIRS)
        .map(|i| rust_decimal::Decimal::new(2500 + i, 2))
        .sum();
    assert_eq!(total, expected, "every sale counted once");
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
    crate::support::serving::assert_transactions_whole(dir.path(), &sandbox);
}

/// The webhooks bench's ceiling (`LEGION_HUB_RECEIVER_CEILING=verify-only`) answers without
/// storing: `serve` says so at start, `status` shows it and asks for attention while it runs,
/// and it is not kept: the next `serve` without it stores again and `status` is quiet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serve_that_stores_nothing_says_so_at_start_and_in_status() {
    use crate::support::serving::Serving;
    use legion_hub::server::webhooks::{CEILING_ENV, CEILING_VERIFY_ONLY};
    let sandbox = Sandbox::start().await.unwrap();
    let dir = configured(&sandbox).await;
    let port = free_port();
    let said = dir.path().join("serve-stderr.txt");
    let stderr = std::fs::File::create(&said).unwrap();
    let ceiling = Serving::start_with(dir.path(), &sandbox, port, |cmd| {
        cmd.env(CEILING_ENV, CEILING_VERIFY_ONLY).stderr(stderr);
    })
    .await;
    crate::support::serving::subscribe(&ceiling.remote, port).await;
    let sales = |from: i64| -> Vec<Vec<u8>> {
        (from..from + 5)
            .map(|sale_id| {
                sandbox.webhooks.sale_body(&SaleNotice {
                    sale_id,
                    at: chrono::Local::now().naive_local(),
                    client_id: "100".into(),
                    total: rust_decimal::Decimal::new(1000, 2),
                    item_id: 1370,
                    item_name: "Drop-in Class".into(),
                })
            })
            .collect()
    };
    let one_at_a_time = SendPlan {
        concurrency: 1,
        ..SendPlan::default()
    };
    let report = sandbox.webhooks.send(sales(1), &one_at_a_time).await;
    assert_eq!(report.acknowledged.len(), 5, "answered 2xx: {report:?}");
    let summary = ceiling.remote.webhook_summary().await.unwrap();
    assert_eq!(summary.counts.received, 0, "nothing stored: {summary:?}");
    let status = hub(dir.path(), &sandbox).arg("status").output().unwrap();
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(
        shown.contains("receiver stores nothing"),
        "the reason: {shown}"
    );
    assert!(shown.contains("NOT STORED"), "{shown}");
    assert!(shown.contains(CEILING_ENV), "{shown}");
    ceiling.stop();
    let start = std::fs::read_to_string(&said).unwrap();
    assert!(start.contains("STORES NO WEBHOOK DELIVERY"), "{start}");

    // Not kept: the next `serve` stores, and the glance says nothing of it.
    let serving = Serving::start(dir.path(), &sandbox, port, None).await;
    let report = sandbox.webhooks.send(sales(100), &one_at_a_time).await;
    assert_eq!(report.acknowledged.len(), 5, "{report:?}");
    let summary = crate::support::serving::once_filed(&serving.remote, 5).await;
    assert_eq!(summary.counts.received, 5, "{summary:?}");
    let status = hub(dir.path(), &sandbox).arg("status").output().unwrap();
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(!shown.contains("receiver stores nothing"), "{shown}");
    assert!(!shown.contains("NOT STORED"), "{shown}");
    serving.stop();
}
