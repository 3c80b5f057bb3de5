//! The real `legion-hub serve` process: other invocations attach to it through the control
//! socket, SIGTERM stops it cleanly, and a kill -9 in the middle of a burst of webhook
//! deliveries loses none that were answered 2xx.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;
use legion_hub::store::webhooks::WebhookState;
use support::serving::{configured, free_port, hub, serve};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_when_serve_is_killed_mid_burst() {
    let sandbox = std::sync::Arc::new(Sandbox::start().await.unwrap());
    let dir = configured(&sandbox).await;
    let port = free_port();
    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    remote
        .subscribe_webhooks(
            format!("http://127.0.0.1:{port}/webhooks/mindbody"),
            Vec::new(),
        )
        .await
        .unwrap();
    let bodies: Vec<Vec<u8>> = (0..3000)
        .map(|i| {
            sandbox.webhooks.client_body(
                "client.created",
                &(200_000 + i).to_string(),
                "Burst",
                &format!("Client{i}"),
                &format!("burst{i}@example.com"),
            )
        })
        .collect();
    let sender = sandbox.clone();
    let burst = tokio::spawn(async move {
        let plan = SendPlan {
            concurrency: 16,
            ..SendPlan::default()
        };
        sender.webhooks.send(bodies, &plan).await
    });
    // Kill once the burst is under way (some stored), however busy the machine is.
    for _ in 0..1000 {
        let summary = remote.webhook_summary().await.unwrap();
        if summary.counts.received >= 50 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL: no chance to flush or clean up
    child.wait().unwrap();
    let report = burst.await.unwrap();
    assert!(
        !report.acknowledged.is_empty() && report.failed > 0,
        "the kill landed mid-burst: {} acknowledged, {} failed",
        report.acknowledged.len(),
        report.failed
    );

    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    let mut states: HashMap<String, WebhookState> = HashMap::new();
    for _ in 0..500 {
        let summary = remote.webhook_summary().await.unwrap();
        if summary.pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = remote.webhook_events(0, 10_000).await.unwrap();
    for row in page.rows {
        if let Some(state) = row.state {
            states.insert(row.message_id, state);
        }
    }
    for id in &report.acknowledged {
        assert_eq!(
            states.get(id),
            Some(&WebhookState::Processed),
            "acknowledged delivery {id} is stored and processed"
        );
    }
    let customers = remote.customers().await.unwrap();
    assert!(customers.len() >= report.acknowledged.len());
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
}
