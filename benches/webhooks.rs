//! Webhook deliveries to the real `legion-hub serve` over loopback, signed as Mindbody signs
//! them, from the sandbox's sender: throughput as fast as the receiver answers, time to the 2xx
//! at a steady 5,000 a second, deliveries lost after a kill -9 in the middle of a burst (every
//! 2xx must be stored and then processed), and `legion-hub status` through the control socket.
//! Targets: ≥ 5,000 deliveries/s, p99 to 2xx < 10 ms, 0 lost, status < 15 ms.
//!
//! `cargo bench --bench webhooks` (WEBHOOK_DELIVERIES=N to change the burst size).

mod support;

use std::time::{Duration, Instant};

use legion_hub::engine::Engine;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::{SaleNotice, SendPlan, SendReport};
use legion_hub::store::webhooks::WebhookState;
use support::serving::{Serving, free_port, hub};

fn sales(sandbox: &Sandbox, from: i64, n: usize) -> Vec<Vec<u8>> {
    (0..n as i64)
        .map(|i| {
            sandbox.webhooks.sale_body(&SaleNotice {
                sale_id: 5_000_000 + from + i,
                at: chrono::Local::now().naive_local(),
                client_id: "100000009".into(),
                total: rust_decimal::Decimal::new(2500, 2),
                item_id: 1370,
                item_name: "Drop-in Class".into(),
            })
        })
        .collect()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(report: &SendReport, p: f64) -> Duration {
    let mut l = report.latencies.clone();
    l.sort();
    l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// Waits for the queue to empty, then counts acknowledged deliveries that are not processed.
async fn lost(engine: &Engine, acknowledged: &[String]) -> usize {
    while engine.webhook_summary().await.unwrap().pending > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = engine.webhook_events(0, 1_000_000).await.unwrap();
    let processed: std::collections::HashSet<String> = page
        .rows
        .into_iter()
        .filter(|r| r.state == Some(WebhookState::Processed))
        .map(|r| r.message_id)
        .collect();
    acknowledged
        .iter()
        .filter(|id| !processed.contains(*id))
        .count()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let n: usize = std::env::var("WEBHOOK_DELIVERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 200 } else { 20_000 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let sandbox = std::sync::Arc::new(Sandbox::start().await.unwrap());
        let dir = support::serving::configured(&sandbox).await;
        let port = free_port();
        let serving = Serving::start(dir.path(), &sandbox, port, None).await;
        let remote = &serving.remote;
        remote
            .subscribe_webhooks(serving.url(), Vec::new())
            .await
            .unwrap();
        let mut rows = Vec::new();

        // As fast as the receiver answers.
        let flat_out = SendPlan {
            concurrency: 32,
            ..SendPlan::default()
        };
        let report = sandbox.webhooks.send(sales(&sandbox, 0, n), &flat_out).await;
        assert_eq!(report.failed, 0, "{report:?}");
        rows.push(support::perf::row(
            format!("signed webhook deliveries to the real `serve` over loopback, as fast as it answers ({n}, 32 in flight)"),
            "≥ 5,000 /s",
            format!(
                "{:.0} /s; time to 2xx p50 {}, p99 {}",
                report.acknowledged.len() as f64 / report.elapsed.as_secs_f64(),
                ms(percentile(&report, 0.5)),
                ms(percentile(&report, 0.99))
            ),
        ));
        let processed_from = Instant::now();
        let missing = lost(remote, &report.acknowledged).await;
        rows.push(support::perf::row(
            "deliveries answered 2xx but not processed, once the queue empties",
            "0",
            format!("{missing} (queue empty {} after the last 2xx)", ms(processed_from.elapsed())),
        ));

        // Steady at 5,000 a second.
        let steady = SendPlan {
            rate: 5_000,
            concurrency: 64,
            ..SendPlan::default()
        };
        let report = sandbox
            .webhooks
            .send(sales(&sandbox, n as i64, n), &steady)
            .await;
        rows.push(support::perf::row(
            format!("the same paced at a steady 5,000 /s ({n})"),
            "p99 to 2xx < 10 ms",
            format!(
                "{:.0} /s achieved; p50 {}, p99 {}, max {}",
                report.acknowledged.len() as f64 / report.elapsed.as_secs_f64(),
                ms(percentile(&report, 0.5)),
                ms(percentile(&report, 0.99)),
                ms(percentile(&report, 1.0))
            ),
        ));
        lost(remote, &report.acknowledged).await;

        // Status through the socket while serve runs.
        let runs = if quick { 3 } else { 50 };
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let status = hub(dir.path(), &sandbox).arg("status").status().unwrap();
            times.push(started.elapsed());
            assert!(status.code().is_some_and(|c| c == 0 || c == 3));
        }
        times.sort();
        rows.push(support::perf::row(
            format!("`legion-hub status` through the control socket of a running `serve` (median of {runs})"),
            "< 15 ms",
            format!("{} (p90 {})", ms(times[runs / 2]), ms(times[runs * 9 / 10])),
        ));

        // kill -9 in the middle of a burst, then a restart.
        let sender = sandbox.clone();
        let bodies = sales(&sandbox, 2 * n as i64, n);
        let burst = tokio::spawn(async move { sender.webhooks.send(bodies, &flat_out).await });
        tokio::time::sleep(Duration::from_millis(if quick { 20 } else { 500 })).await;
        let mut killed = serving;
        killed.child.kill().unwrap();
        killed.child.wait().unwrap();
        let report = burst.await.unwrap();
        let serving = Serving::start(dir.path(), &sandbox, port, None).await;
        let missing = lost(&serving.remote, &report.acknowledged).await;
        rows.push(support::perf::row(
            "`kill -9` of `serve` mid-burst, then a restart: deliveries answered 2xx before the kill that are lost",
            "0",
            format!("{missing} of {}", report.acknowledged.len()),
        ));
        support::perf::publish("webhooks", &rows);
        serving.stop();
    });
}
