//! Issue 12, items 6 and 7: nothing from outside takes the hub's memory or time, and client
//! webhooks that arrive out of order never undo a newer change.
//!
//! Hostile servers on loopback send a reply of 1 GiB, a body that never ends, or one byte at a
//! time; each client must stop with its own clear error, within its bound. The memory figures
//! are the process's peak (VmHWM), printed so they can be read with `--nocapture`.

use std::time::Duration;

use legion_hub::http::{API_REPLY_LIMIT, RetryPolicy, TOKEN_REPLY_LIMIT};
use legion_hub::integrations::gemini::types::{Content, GenerateRequest};
use legion_hub::integrations::gemini::{GeminiClient, GeminiError};
use legion_hub::integrations::mindbody::webhooks::subscriptions::{WebhooksClient, WebhooksError};
use legion_hub::integrations::mindbody::{MindbodyClient, MindbodyError};
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;
use legion_hub::secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// What a hostile server answers every request with.
#[derive(Clone, Copy)]
enum Reply {
    /// `200` with no length and `len` bytes of `fill` after `prefix`, then the connection closes.
    Flood {
        prefix: &'static str,
        fill: u8,
        len: u64,
    },
    /// `200` with a length of 1 GiB said up front (nothing sent after it).
    Announced,
    /// `200`, then one byte every 50 ms, for at most a minute.
    Drip,
}

/// A loopback server answering every request as `reply` says; the base URL it serves.
async fn hostile(reply: Reply) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            // An error here is the client hanging up: its cap or its timeout doing its work,
            // which each test then asserts on the client's side.
            tokio::spawn(answer(socket, reply));
        }
    });
    format!("http://{addr}")
}

/// Reads a request's head and answers it as `reply` says, until the client hangs up.
async fn answer(mut socket: tokio::net::TcpStream, reply: Reply) -> std::io::Result<()> {
    // The request's head (a small body, if any, waits in the socket buffer).
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 << 10 {
        match socket.read(&mut byte).await? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => head.extend_from_slice(&byte[..n]),
        }
    }
    let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    match reply {
        Reply::Flood { prefix, fill, len } => {
            let start = format!("{ok}Connection: close\r\n\r\n{prefix}");
            socket.write_all(start.as_bytes()).await?;
            let block = vec![fill; 64 << 10];
            let mut sent = 0;
            // Stops when the client hangs up (its cap) or the flood is sent.
            while sent < len {
                socket.write_all(&block).await?;
                sent += block.len() as u64;
            }
        }
        Reply::Announced => {
            let start = format!("{ok}Content-Length: {GIB}\r\n\r\n");
            socket.write_all(start.as_bytes()).await?;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        Reply::Drip => {
            let start = format!("{ok}Connection: close\r\n\r\n");
            socket.write_all(start.as_bytes()).await?;
            for _ in 0..1200 {
                socket.write_all(b" ").await?;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    Ok(())
}

/// The peak resident memory of this process so far, in bytes (Linux).
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn once() -> RetryPolicy {
    RetryPolicy {
        attempts: 1,
        ..RetryPolicy::default()
    }
}

fn mindbody(base: &str) -> MindbodyClient {
    MindbodyClient::new(legion_hub::http::client(), base, Secret::new("key"), "-99")
        .with_retry(once())
}

fn a_day() -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let end = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    (end - chrono::Duration::days(1), end)
}

#[tokio::test]
async fn a_1_gib_mindbody_reply_stops_at_the_cap_and_memory_stays_bounded() {
    let base = hostile(Reply::Flood {
        prefix: "{\"Sales\": [",
        fill: b' ',
        len: GIB,
    })
    .await;
    let before = peak_memory();
    let (start, end) = a_day();
    let error = mindbody(&base)
        .sales_page(&Secret::new("token"), start, end, 0)
        .await
        .unwrap_err();
    let grew = peak_memory().saturating_sub(before);
    println!(
        "a 1 GiB Mindbody reply: {error}; peak memory grew by {} MiB (from {} MiB)",
        grew / MIB,
        before / MIB
    );
    assert_eq!(
        error,
        MindbodyError::TooLarge {
            limit: API_REPLY_LIMIT
        }
    );
    assert!(error.hint().contains("resumes"), "{}", error.hint());
    // The cap is 16 MiB; reading the reply whole took 3.1 GB before.
    assert!(grew < 128 * MIB, "peak memory grew by {} MiB", grew / MIB);

    // A length said up front is refused before a byte is read.
    let announced = hostile(Reply::Announced).await;
    let error = mindbody(&announced)
        .locations(&Secret::new("token"))
        .await
        .unwrap_err();
    assert!(matches!(error, MindbodyError::TooLarge { .. }), "{error}");
}

/// How the hub read replies before the cap (`bytes()`), measured for the README's figures.
/// Run alone: `cargo test --test it bounds::reading_whole -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement of the old way (takes gigabytes of memory), not a check"]
async fn reading_whole_a_1_gib_reply_as_before_the_cap() {
    let base = hostile(Reply::Flood {
        prefix: "",
        fill: b' ',
        len: GIB,
    })
    .await;
    let before = peak_memory();
    let body = legion_hub::http::client()
        .get(format!("{base}/sale/sales"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    println!(
        "read whole: {} MiB body, peak memory grew by {} MiB",
        body.len() as u64 / MIB,
        peak_memory().saturating_sub(before) / MIB
    );
}

#[tokio::test]
async fn a_mindbody_reply_that_drips_ends_at_the_total_timeout() {
    let base = hostile(Reply::Drip).await;
    // The drip keeps the idle (read) timeout from ever firing: only a total timeout ends it.
    let client = mindbody(&base).with_timeout(Duration::from_millis(600));
    let error = client.locations(&Secret::new("token")).await.unwrap_err();
    assert!(
        matches!(error, MindbodyError::TimedOut { after } if after == Duration::from_millis(600)),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("did not finish answering in time"),
        "{error}"
    );
    assert!(error.hint().contains("run the sync again"));
}

#[tokio::test]
async fn the_webhooks_api_and_gemini_replies_are_capped_too() {
    let flood = hostile(Reply::Flood {
        prefix: "{\"items\": [",
        fill: b' ',
        len: 64 * MIB,
    })
    .await;
    let webhooks = WebhooksClient::new(legion_hub::http::client(), &flood, Secret::new("k"));
    let error = webhooks.list().await.unwrap_err();
    assert!(matches!(error, WebhooksError::TooLarge { .. }), "{error}");
    assert!(error.to_string().contains("larger than 16 MiB"), "{error}");

    let gemini =
        GeminiClient::new(legion_hub::http::client(), &flood, Secret::new("k")).with_retry(once());
    let request = GenerateRequest {
        contents: vec![Content::text(Some("user"), "hello")],
        system_instruction: None,
        generation_config: None,
        ..GenerateRequest::default()
    };
    let cancel = CancellationToken::new();
    let error = gemini
        .generate("gemini-3.8-flash", &request, &cancel)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        GeminiError::TooLarge {
            limit: API_REPLY_LIMIT
        }
    );
    assert!(error.explain().contains("base_url"), "{}", error.explain());
}

#[tokio::test]
async fn a_gemini_stream_with_an_endless_line_ends_with_too_large() {
    let endless = hostile(Reply::Flood {
        prefix: "data: {\"candidates\": \"",
        fill: b'x',
        len: GIB,
    })
    .await;
    let gemini = GeminiClient::new(legion_hub::http::client(), &endless, Secret::new("k"))
        .with_retry(once());
    let request = GenerateRequest {
        contents: vec![Content::text(Some("user"), "hello")],
        system_instruction: None,
        generation_config: None,
        ..GenerateRequest::default()
    };
    let cancel = CancellationToken::new();
    let before = peak_memory();
    let stream = gemini
        .stream("gemini-3.8-flash", &request, &cancel)
        .await
        .unwrap();
    let got: Vec<_> = futures_util::StreamExt::collect(stream).await;
    let grew = peak_memory().saturating_sub(before);
    println!(
        "an endless SSE line: {:?}; peak memory grew by {} MiB",
        got.last(),
        grew / MIB
    );
    assert_eq!(got.len(), 1, "one error, then the stream is over");
    assert!(
        matches!(&got[0], Err(GeminiError::TooLarge { limit }) if *limit == legion_hub::integrations::gemini::sse::EVENT_LIMIT),
        "{:?}",
        got[0]
    );
    assert!(grew < 128 * MIB, "peak memory grew by {} MiB", grew / MIB);
}

#[tokio::test]
async fn a_token_endpoint_that_floods_is_refused_at_1_mib() {
    let flood = hostile(Reply::Flood {
        prefix: "{\"access_token\": \"",
        fill: b'a',
        len: 64 * MIB,
    })
    .await;
    let app = legion_hub::oauth::client::OAuthApp {
        authorize_url: format!("{flood}/connect/authorize"),
        token_url: format!("{flood}/connect/token"),
        revocation_url: None,
        client_id: "client".into(),
        client_secret: Some(Secret::new("secret")),
        redirect_uri: url::Url::parse("http://localhost:3000/callback").unwrap(),
        scopes: vec!["openid".into()],
        extra_params: Vec::new(),
    };
    let error = app
        .refresh(&legion_hub::http::client(), &Secret::new("refresh"))
        .await
        .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(
        text.contains(&format!(
            "larger than {}",
            legion_hub::http::size(TOKEN_REPLY_LIMIT)
        )),
        "{text}"
    );
}

/// A `client.updated` delivery for client 300001 stamped `at` (UTC), carrying `data`'s fields.
fn client_updated(sandbox: &Sandbox, at: &str, data: serde_json::Value) -> (String, Vec<u8>) {
    let id = sandbox.webhooks.message_id();
    let mut event_data = serde_json::json!({"siteId": -99, "clientId": "300001"});
    for (k, v) in data.as_object().unwrap() {
        event_data[k] = v.clone();
    }
    let body = serde_json::json!({
        "messageId": id,
        "eventId": "client.updated",
        "eventSchemaVersion": 1,
        "eventInstanceOriginationDateTime": at,
        "eventData": event_data,
    });
    (id, serde_json::to_vec(&body).unwrap())
}

fn local(utc: &str) -> chrono::NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(utc)
        .unwrap()
        .with_timezone(&chrono::Local)
        .naive_local()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_client_change_arriving_late_never_undoes_a_newer_one() {
    use crate::support::serving::{configured, free_port, serve};
    let sandbox = Sandbox::start().await.unwrap();
    let dir = configured(&sandbox).await;
    let port = free_port();
    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    crate::support::serving::subscribe(&remote, port).await;
    let (_, at_1230) = client_updated(
        &sandbox,
        "2026-12-03T12:30:00Z",
        serde_json::json!({"firstName": "Ana", "lastName": "Ruiz", "email": "ana@example.com", "mobilePhone": "805 550 0001"}),
    );
    // Made earlier, delivered later (Mindbody's retry): it must lose, and it carries no phone.
    let (late, at_1200) = client_updated(
        &sandbox,
        "2026-12-03T12:00:00Z",
        serde_json::json!({"firstName": "Ana", "lastName": "Old-Name"}),
    );
    // A newer change that says nothing of the phone or the email: they stay.
    let (newest, at_1245) = client_updated(
        &sandbox,
        "2026-12-03T12:45:00Z",
        serde_json::json!({"lastName": "Ruiz Vega"}),
    );
    let plan = SendPlan {
        concurrency: 1,
        ..SendPlan::default()
    };
    for body in [at_1230, at_1200, at_1245] {
        let report = sandbox.webhooks.send(vec![body], &plan).await;
        assert_eq!(report.acknowledged.len(), 1);
    }
    for _ in 0..500 {
        let summary = remote.webhook_summary().await.unwrap();
        if summary.counts.received == 3 && summary.pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let customers = remote.customers().await.unwrap();
    assert_eq!(customers.len(), 1, "{customers:?}");
    let ana = &customers[0];
    assert_eq!(ana.first_name, "Ana");
    assert_eq!(ana.last_name, "Ruiz Vega");
    assert_eq!(ana.phone.as_deref(), Some("805 550 0001"), "not erased");
    assert_eq!(ana.email.as_deref(), Some("ana@example.com"), "not erased");
    assert_eq!(ana.modified_at, Some(local("2026-12-03T12:45:00Z")));
    assert_eq!(
        ana.modified_by.as_deref(),
        Some(format!("client.updated {newest}").as_str())
    );
    let page = remote.webhook_events(0, 10).await.unwrap();
    let late_row = page.rows.iter().find(|r| r.message_id == late).unwrap();
    assert!(
        late_row.detail.contains("older than the one in the books"),
        "{}",
        late_row.detail
    );
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_reading_an_older_copy_of_a_client_leaves_the_newer_webhook_change() {
    use crate::support::serving::{free_port, serve, signed_in};
    use legion_hub::engine::{SyncKind, SyncRequest};
    let sandbox = Sandbox::start().await.unwrap();
    let dir = signed_in(&sandbox).await;
    let port = free_port();
    let (mut child, remote) = serve(dir.path(), &sandbox, port).await;
    crate::support::serving::subscribe(&remote, port).await;
    // The studio's first client changes now; the sync's page still has the copy from weeks ago.
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let id = sandbox.webhooks.message_id();
    let body = serde_json::json!({
        "messageId": id, "eventId": "client.updated", "eventSchemaVersion": 1,
        "eventInstanceOriginationDateTime": now,
        "eventData": {"siteId": -99, "clientId": "100000000", "lastName": "Changed-Today"}
    });
    let plan = SendPlan {
        concurrency: 1,
        ..SendPlan::default()
    };
    let report = sandbox
        .webhooks
        .send(vec![serde_json::to_vec(&body).unwrap()], &plan)
        .await;
    assert_eq!(report.acknowledged.len(), 1);
    for _ in 0..500 {
        let summary = remote.webhook_summary().await.unwrap();
        if summary.counts.processed == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let request = SyncRequest {
        only: Some(SyncKind::Clients),
        ..SyncRequest::default()
    };
    let logs = remote.sync_mindbody(request).await.unwrap();
    assert!(logs[0].records.unchanged >= 1, "{:?}", logs[0]);
    let customers = remote.customers().await.unwrap();
    let first = customers
        .iter()
        .find(|c| c.key == "mindbody@-99:client:100000000")
        .unwrap();
    assert_eq!(first.last_name, "Changed-Today", "the newer change stays");
    assert_eq!(first.modified_at, Some(local(&now)));
    assert_eq!(
        first.modified_by.as_deref(),
        Some(format!("client.updated {id}").as_str())
    );
    let others = customers
        .iter()
        .filter(|c| c.modified_by.as_deref() == Some("sync"))
        .count();
    assert_eq!(
        others,
        customers.len() - 1,
        "every other client from the sync"
    );
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
}
