//! The webhook receiver under abuse, over loopback, in bounded loops (issue 12, items 4 and 6):
//! hostile posts leave almost nothing on disk, a flood from one address is answered 429 while a
//! signed delivery from it still gets 200, `X-Forwarded-For` counts only from a trusted proxy,
//! the ring of kept rejections stays at its size with the counters right, rejections an older
//! version logged whole are moved out, and a full inbox answers 503 without losing what it acked.

use std::collections::HashSet;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;

use crate::support::{attack, serving};
use legion_hub::engine::{Engine, EngineOptions, Role, WebhookSummary};
use legion_hub::integrations::mindbody::webhooks::rejected::{PEER_LIMIT, RejectionSummary};
use legion_hub::integrations::mindbody::webhooks::signature::sign;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;
use legion_hub::store::rejections::RING_CAPACITY;
use reqwest::StatusCode;

const TRUST_LOOPBACK: &str = "[server]\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n";

/// `legion-hub serve` on a configured data dir, subscribed at the sandbox, with `config`.
struct Served {
    sandbox: Arc<Sandbox>,
    dir: tempfile::TempDir,
    child: Child,
    remote: Engine,
    url: String,
    http: reqwest::Client,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn served(config: &str) -> Served {
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    let dir = serving::configured(&sandbox).await;
    let config_file = dir.path().join("config.toml");
    std::fs::write(&config_file, config).unwrap();
    let port = serving::free_port();
    let mut cmd = serving::hub(dir.path(), &sandbox);
    cmd.env("LEGION_HUB_CONFIG", &config_file)
        .args(["serve", "--webhook-addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let (child, remote) = serving::started(cmd.spawn().unwrap(), dir.path(), &sandbox).await;
    let url = format!("http://127.0.0.1:{port}/webhooks/mindbody");
    remote
        .subscribe_webhooks(url.clone(), Vec::new())
        .await
        .unwrap();
    Served {
        sandbox,
        dir,
        child,
        remote,
        url,
        http: reqwest::Client::new(),
    }
}

impl Served {
    /// A post signed with a key that is not the subscription's, claiming `forwarded_for`.
    async fn forge(&self, forwarded_for: Option<&str>) -> reqwest::Response {
        let body = br#"{"messageId":"forged","eventId":"clientSale.created","eventData":{}}"#;
        let mut post = self
            .http
            .post(&self.url)
            .header("X-Mindbody-Signature", sign("not-the-key", body))
            .body(&body[..]);
        if let Some(xff) = forwarded_for {
            post = post.header("X-Forwarded-For", xff);
        }
        post.send().await.unwrap()
    }

    /// A delivery signed with the subscription's key, sent by the sandbox as Mindbody would;
    /// whether it was answered 2xx.
    async fn deliver(&self, cents: i64) -> bool {
        let sale = self.sandbox.mindbody.with_studio(|s| {
            s.add_sale(
                chrono::Local::now().naive_local(),
                rust_decimal::Decimal::new(cents, 2),
            )
        });
        let body = self.sandbox.webhooks.sale_body(&sale);
        let report = self
            .sandbox
            .webhooks
            .send(vec![body], &SendPlan::default())
            .await;
        report.acknowledged.len() == 1
    }

    /// Waits (bounded) until the owner has counted `total` rejections.
    async fn rejections_counted(&self, total: u64) -> RejectionSummary {
        let mut summary = WebhookSummary::default();
        for _ in 0..500 {
            summary = self.remote.webhook_summary().await.unwrap();
            if summary.rejections.total >= total {
                return *summary.rejections;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("rejections not counted: {:?}", summary.rejections);
    }

    /// Stops `serve` as systemd does (SIGTERM: it saves and flushes) and opens the data here.
    fn stop_and_open(mut self) -> (Engine, tempfile::TempDir) {
        let pid = self.child.id().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(self.child.wait().unwrap().success(), "serve stops cleanly");
        let settings = serving::settings(self.dir.path(), &self.sandbox);
        let engine = Engine::open(&settings, Role::Command).unwrap();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        (engine, dir)
    }
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[tokio::test]
async fn hostile_posts_with_a_huge_forwarded_for_leave_under_a_megabyte_on_disk() {
    let hub = served("").await;
    let data = hub.dir.path().join("data");
    let before = attack::disk_bytes(&data);
    // 400 KB of addresses, as in the audit that measured 226 MB for these 200 posts.
    let huge = "198.51.100.7, ".repeat(400 * 1024 / 14);
    let mut answered = Vec::new();
    for _ in 0..200 {
        answered.push(hub.forge(Some(&huge)).await.status());
    }
    for status in &answered {
        assert!(
            [
                StatusCode::UNAUTHORIZED,
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            ]
            .contains(status),
            "{status}"
        );
    }
    let counted = answered
        .iter()
        .filter(|s| **s != StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        .count() as u64;
    hub.rejections_counted(counted).await;
    let (engine, dir) = hub.stop_and_open();
    let after = attack::disk_bytes(&dir.path().join("data"));
    eprintln!(
        "200 hostile posts with a 400 KB X-Forwarded-For: data dir {before} → {after} bytes ({} written)",
        after.saturating_sub(before)
    );
    assert!(
        after.saturating_sub(before) < 1024 * 1024,
        "{before} → {after} bytes"
    );
    let summary = engine.webhook_summary().await.unwrap().rejections;
    assert_eq!(summary.total, counted, "{summary:?}");
    assert!(summary.kept <= u64::from(PEER_LIMIT), "{summary:?}");
    for attempt in &summary.recent {
        assert_eq!(
            attempt.peer.as_deref(),
            Some("127.0.0.1"),
            "an untrusted X-Forwarded-For is not believed, nor kept"
        );
    }
}

#[tokio::test]
async fn a_flood_from_one_address_gets_429_while_its_signed_deliveries_still_get_200() {
    let hub = served("").await;
    let mut unauthorized = 0;
    let mut too_many = 0;
    for _ in 0..100 {
        let response = hub.forge(None).await;
        match response.status() {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                too_many += 1;
                let wait = retry_after(&response).expect("a 429 says when to come back");
                assert!((1..=10).contains(&wait), "Retry-After: {wait}");
            }
            other => panic!("{other}"),
        }
        if too_many == 50 {
            // In the middle of the flood, from the same address: never refused by the limit.
            assert!(hub.deliver(2500).await, "a signed delivery gets 200");
        }
    }
    assert_eq!(unauthorized, PEER_LIMIT);
    assert_eq!(too_many, 100 - PEER_LIMIT);
    assert!(hub.deliver(2600).await, "and after it");
    let summary = hub.rejections_counted(100).await;
    assert_eq!(summary.total, 100);
    assert_eq!(summary.throttled, u64::from(100 - PEER_LIMIT));
    assert_eq!(summary.kept, u64::from(PEER_LIMIT));
    assert!(summary.last_minute >= 100, "{summary:?}");
    let counts = crate::support::serving::once_filed(&hub.remote, 2)
        .await
        .counts;
    assert_eq!(counts.received, 2);
    assert_eq!(counts.rejected, 100);
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    // Not trusted (the default): the socket's address is the peer, whatever the header says,
    // so changing the header does not get past the limit.
    let hub = served("").await;
    let mut statuses = Vec::new();
    for i in 0..(PEER_LIMIT + 5) {
        statuses.push(hub.forge(Some(&format!("198.51.100.{i}"))).await.status());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        5
    );
    let summary = hub.rejections_counted(u64::from(PEER_LIMIT + 5)).await;
    assert_eq!(summary.recent[0].peer.as_deref(), Some("127.0.0.1"));
    drop(hub);

    // Behind a trusted proxy on loopback: the right-most address it forwarded for is the peer.
    let hub = served(TRUST_LOOPBACK).await;
    let mut statuses = Vec::new();
    for _ in 0..(PEER_LIMIT + 5) {
        let xff = "192.0.2.1, 198.51.100.7";
        statuses.push(hub.forge(Some(xff)).await.status());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        5
    );
    let other = hub.forge(Some("198.51.100.8")).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED, "another client");
    let summary = hub.rejections_counted(u64::from(PEER_LIMIT + 6)).await;
    assert_eq!(summary.recent[0].peer.as_deref(), Some("198.51.100.8"));
    assert_eq!(summary.recent[1].peer.as_deref(), Some("198.51.100.7"));
}

#[tokio::test]
async fn the_ring_keeps_the_last_thousand_of_fifteen_hundred_and_the_counters_stay_right() {
    let hub = served(TRUST_LOOPBACK).await;
    // 75 clients behind the proxy, each within its limit: 1,500 kept, none throttled.
    let total = 1_500u64;
    let clients = total / u64::from(PEER_LIMIT);
    for client in 0..clients {
        let xff = format!("198.51.{}.{}", client / 250, client % 250 + 1);
        for _ in 0..PEER_LIMIT {
            let response = hub.forge(Some(&xff)).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
    }
    let live = hub.rejections_counted(total).await;
    assert_eq!(live.kept, RING_CAPACITY);
    let (engine, _dir) = hub.stop_and_open();
    // As saved on disk and read back by another process.
    let saved = engine.webhook_summary().await.unwrap();
    let r = &saved.rejections;
    assert_eq!(r.total, total);
    assert_eq!(r.throttled, 0);
    assert_eq!(r.kept, RING_CAPACITY, "{r:?}");
    assert_eq!(
        r.by_reason,
        vec![("signature does not match the body".to_string(), total)]
    );
    assert_eq!(saved.counts.rejected, total);
    let last = clients - 1;
    assert_eq!(
        r.recent[0].peer.as_deref(),
        Some(format!("198.51.{}.{}", last / 250, last % 250 + 1).as_str())
    );
    let page = engine.webhook_events(0, 100).await.unwrap();
    assert_eq!(page.total, 0, "rejections are not in the event log");
}

/// A data dir an older version filled with rejected attempts logged whole (each with a 400 KB
/// `X-Forwarded-For`), between two real deliveries: opening it moves them into the counters and
/// the ring, once, and the event log pages over what is left.
#[tokio::test]
async fn rejections_an_older_version_logged_whole_are_moved_out_once() {
    use legion_hub::store::codec;
    use legion_hub::store::webhooks::{LogEntry, Rejection, WebhookCounts};
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::support::settings_in(dir.path());
    let huge = "203.0.113.9, ".repeat(400 * 1024 / 13);
    {
        let db = sled::open(settings.paths.records_db()).unwrap();
        let log = db.open_tree("webhook_log").unwrap();
        let stats = db.open_tree("webhook_stats").unwrap();
        for seq in 1..=1_200u64 {
            let entry = LogEntry::Rejected(Rejection {
                provider: legion_hub::domain::Provider::Mindbody,
                at: crate::support::noon(),
                reason: "the X-Mindbody-Signature does not match the body (forged, altered, or signed with another subscription's key)".into(),
                peer: Some(if seq == 1_200 { huge.clone() } else { "203.0.113.9".into() }),
                bytes: 2,
            });
            log.insert(seq.to_be_bytes(), codec::encode(&entry))
                .unwrap();
        }
        let counts = WebhookCounts {
            rejected: 1_200,
            next_seq: 1_200,
            ..WebhookCounts::default()
        };
        stats.insert("mindbody", codec::encode(&counts)).unwrap();
        db.flush().unwrap();
    }
    for _ in 0..2 {
        let engine = Engine::open(&settings, Role::Command).unwrap();
        let summary = engine.webhook_summary().await.unwrap();
        let r = &summary.rejections;
        assert_eq!(r.total, 1_200, "counted once: {r:?}");
        assert_eq!(r.kept, RING_CAPACITY);
        let newest = r.recent[0].peer.as_deref().unwrap();
        assert!(newest.starts_with("203.0.113.9, 203.0.113.9"), "{newest}");
        assert_eq!(newest.chars().count(), 64, "cut");
        let page = engine.webhook_events(0, 10).await.unwrap();
        assert_eq!(page.total, 0);
        assert!(page.rows.is_empty());
    }
}

/// The inbox is a bounded queue. With the store stalled (the hold stands in for a disk that
/// stopped), it takes what fits and answers the rest 503 with `Retry-After`; every delivery it
/// acknowledged is processed, and those answered 503 are accepted when Mindbody retries.
#[tokio::test]
async fn a_full_inbox_answers_503_and_the_retried_delivery_is_accepted() {
    const CAPACITY: usize = 4;
    const SENT: usize = 20;
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    sandbox.mindbody.set_auto_approve(true);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::support::mindbody::settings(dir.path(), &sandbox.mindbody, |_| {});
    settings.config.mindbody = sandbox.mindbody_endpoints();
    let engine = Engine::open_with(
        &settings,
        Role::Serve,
        EngineOptions {
            webhook_inbox_capacity: Some(CAPACITY),
            ..EngineOptions::default()
        },
    )
    .unwrap();
    engine
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
            &legion_hub::demo::free_redirect_uri(),
        ))
        .await
        .unwrap();
    let (services, _) = crate::support::serving::receiving_here(&engine, &settings).await;
    let bodies: Vec<Vec<u8>> = (0..SENT as i64)
        .map(|i| {
            let sale = sandbox.mindbody.with_studio(|s| {
                s.add_sale(
                    chrono::Local::now().naive_local(),
                    rust_decimal::Decimal::new(1000 + i, 2),
                )
            });
            sandbox.webhooks.sale_body(&sale)
        })
        .collect();

    let hold = engine.local().unwrap().hold_webhook_inbox();
    let sender = {
        let (sandbox, bodies) = (sandbox.clone(), bodies.clone());
        tokio::spawn(async move {
            let plan = SendPlan {
                concurrency: SENT,
                ..SendPlan::default()
            };
            sandbox.webhooks.send(bodies, &plan).await
        })
    };
    // One in the inbox thread's hands, CAPACITY queued: the rest are answered 503 at once.
    let refused = (SENT - CAPACITY - 1) as u64;
    let mut summary = engine.webhook_summary().await.unwrap();
    for _ in 0..500 {
        if summary.inbox_full >= refused {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        summary = engine.webhook_summary().await.unwrap();
    }
    assert_eq!(summary.inbox_full, refused);
    drop(hold);
    let report = sender.await.unwrap();
    assert_eq!(report.acknowledged.len(), CAPACITY + 1, "{report:?}");
    assert_eq!(report.failed, refused);

    // Mindbody retries the refused ones.
    let acknowledged: HashSet<String> = report.acknowledged.into_iter().collect();
    let retried: Vec<Vec<u8>> = bodies
        .iter()
        .filter(|b| {
            let id = serde_json::from_slice::<serde_json::Value>(b).unwrap()["messageId"]
                .as_str()
                .unwrap()
                .to_string();
            !acknowledged.contains(&id)
        })
        .cloned()
        .collect();
    assert_eq!(retried.len() as u64, refused);
    let again = sandbox.webhooks.send(retried, &SendPlan::default()).await;
    assert_eq!(again.acknowledged.len() as u64, refused, "{again:?}");
    for _ in 0..500 {
        let summary = engine.webhook_summary().await.unwrap();
        if summary.counts.processed >= SENT as u64 && summary.pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let summary = engine.webhook_summary().await.unwrap();
    assert_eq!(summary.counts.received, SENT as u64, "{summary:?}");
    assert_eq!(
        summary.counts.processed, SENT as u64,
        "nothing acknowledged is lost"
    );
    drop(services);
}
