//! Mindbody webhooks end to end on loopback: the reference signature, the receiver's answers,
//! de-duplication, processing into the books, webhook + sync of one sale, the subscription's
//! life, and attaching to the owner over the control socket.

use std::sync::Arc;
use std::time::Duration;

use legion_hub::config::Settings;
use legion_hub::engine::{Engine, Event, SyncKind, SyncRequest};
use legion_hub::integrations::mindbody::webhooks::signature::{sign, verify};
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;
use legion_hub::server::Services;
use legion_hub::store::webhooks::WebhookState;

const BODY: &[u8] = include_bytes!("../fixtures/mindbody/webhook_clientSale_created.body.json");

fn reference_delivery() -> (String, String) {
    let delivery: serde_json::Value = serde_json::from_str(include_str!(
        "../fixtures/mindbody/webhook_clientSale_created.delivery.json"
    ))
    .unwrap();
    (
        delivery["messageSignatureKey_used_for_this_example"]
            .as_str()
            .unwrap()
            .to_string(),
        delivery["headers"]["X-Mindbody-Signature"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[test]
fn the_reference_delivery_verifies_and_any_changed_byte_does_not() {
    let (key, header) = reference_delivery();
    assert_eq!(sign(&key, BODY), header, "recomputed as Mindbody does");
    assert_eq!(verify(&key, Some(&header), BODY), Ok(()));
    for i in 0..BODY.len() {
        let mut altered = BODY.to_vec();
        altered[i] ^= 0x01;
        assert!(verify(&key, Some(&header), &altered).is_err(), "byte {i}");
    }
    let mut longer = BODY.to_vec();
    longer.push(b' ');
    assert!(verify(&key, Some(&header), &longer).is_err());
}

/// A hub that owns a temp data dir, receives webhooks on a free port and is subscribed at the
/// sandbox's Webhooks API.
struct Hub {
    sandbox: Arc<Sandbox>,
    settings: Settings,
    engine: Engine,
    services: Services,
    _dir: tempfile::TempDir,
}

async fn hub() -> Hub {
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    sandbox.mindbody.set_auto_approve(true);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::support::mindbody::settings(dir.path(), &sandbox.mindbody, |_| {});
    settings.config.mindbody = sandbox.mindbody_endpoints();
    let engine = crate::support::mindbody::open(&settings);
    engine
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
            &legion_hub::demo::free_redirect_uri(),
        ))
        .await
        .unwrap();
    let (services, _) = crate::support::serving::receiving_here(&engine, &settings).await;
    Hub {
        sandbox,
        settings,
        engine,
        services,
        _dir: dir,
    }
}

/// Waits until every received event is processed (bounded, so a bug fails instead of hanging).
async fn settled(engine: &Engine, received: u64) -> legion_hub::engine::WebhookSummary {
    for _ in 0..500 {
        let summary = engine.webhook_summary().await.unwrap();
        if summary.counts.received >= received && summary.pending == 0 {
            return summary;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "webhooks did not settle: {:?}",
        engine.webhook_summary().await.unwrap()
    );
}

fn sale(hub: &Hub, cents: i64) -> legion_hub::sandbox::webhooks::SaleNotice {
    hub.sandbox.mindbody.with_studio(|s| {
        s.add_sale(
            chrono::Local::now().naive_local(),
            rust_decimal::Decimal::new(cents, 2),
        )
    })
}

#[tokio::test]
async fn duplicates_are_processed_once_and_forgeries_are_rejected_and_counted() {
    let hub = hub().await;
    let sales: Vec<_> = (0..20).map(|i| sale(&hub, 1000 + i)).collect();
    let bodies = sales
        .iter()
        .map(|s| hub.sandbox.webhooks.sale_body(s))
        .collect();
    let plan = SendPlan {
        concurrency: 4,
        duplicate_every: Some(4),
        bad_signature_every: Some(10),
        out_of_order: true,
        ..SendPlan::default()
    };
    let report = hub.sandbox.webhooks.send(bodies, &plan).await;
    // 20 sales, 5 sent twice, 2 (and a duplicate of one of them) signed with the wrong key.
    assert_eq!(report.sent, 25);
    assert_eq!(report.rejected, 3, "{report:?}");
    assert_eq!(report.failed, 0);
    let summary = settled(&hub.engine, 18).await;
    assert_eq!(summary.counts.received, 18);
    assert_eq!(summary.counts.duplicates, 4);
    assert_eq!(summary.counts.rejected, 3);
    assert_eq!(summary.counts.processed, 18);
    let books = hub.engine.transactions_since(None).await.unwrap();
    assert_eq!(
        books.len(),
        18,
        "one provisional transaction per verified sale"
    );
    let page = hub.engine.webhook_events(0, 100).await.unwrap();
    assert_eq!(page.total, 22, "every delivery is in the log");
    assert!(page.rows.iter().all(|r| r.kind != "rejected"));
    // Rejections are counted and kept in their ring, with where they came from.
    let rejections = &summary.rejections;
    assert_eq!(rejections.total, 3);
    assert_eq!(rejections.kept, 3);
    assert!(
        rejections.recent.iter().all(|a| {
            a.reason.label() == "signature does not match the body"
                && a.peer.as_deref() == Some("127.0.0.1")
        }),
        "{rejections:?}"
    );
}

#[tokio::test]
async fn a_sale_seen_by_webhook_and_by_sync_is_one_set_of_transactions() {
    let hub = hub().await;
    let by_webhook = sale(&hub, 2500);
    let body = hub.sandbox.webhooks.sale_body(&by_webhook);
    hub.sandbox
        .webhooks
        .send(vec![body], &SendPlan::default())
        .await;
    settled(&hub.engine, 1).await;
    let prefix = format!("mindbody@-99:sale:{}:", by_webhook.sale_id);
    let keys = |txs: &[legion_hub::books::Transaction]| -> Vec<String> {
        txs.iter()
            .filter(|t| t.key.starts_with(&prefix))
            .map(|t| t.key.clone())
            .collect()
    };
    let before = hub.engine.transactions_since(None).await.unwrap();
    assert_eq!(keys(&before), vec![format!("{prefix}w1")], "provisional");

    // A sale only the sync finds (its webhook never came).
    let missed = sale(&hub, 4500);
    crate::support::mindbody::connect(&hub.engine).await;
    let logs = hub
        .engine
        .sync_mindbody(SyncRequest {
            only: Some(SyncKind::Sales),
            ..SyncRequest::default()
        })
        .await
        .unwrap();
    let after = hub.engine.transactions_since(None).await.unwrap();
    assert_eq!(
        keys(&after),
        vec![format!("{prefix}{}", by_webhook.sale_id * 10)],
        "the sync's transaction replaced the webhook's"
    );
    assert!(after.iter().any(|t| {
        t.key
            .starts_with(&format!("mindbody@-99:sale:{}:", missed.sale_id))
    }));
    assert_eq!(logs[0].records.only_by_sync, 1, "{:?}", logs[0]);
    let mindbody = &hub.engine.integrations().await.unwrap()[1];
    assert!(
        mindbody
            .facts
            .iter()
            .any(|f| f.label == "Catch-up" && f.value.contains("1 sale arrived only by sync")),
        "{:?}",
        mindbody.facts
    );

    // The webhook of a sale already synced (a late delivery) adds nothing.
    let late = hub.sandbox.webhooks.sale_body(&by_webhook);
    hub.sandbox
        .webhooks
        .send(vec![late], &SendPlan::default())
        .await;
    settled(&hub.engine, 2).await;
    let last = hub.engine.transactions_since(None).await.unwrap();
    assert_eq!(keys(&last).len(), 1);
    let page = hub.engine.webhook_events(0, 1).await.unwrap();
    assert!(
        page.rows[0].detail.contains("already in the books"),
        "{:?}",
        page.rows[0]
    );
}

#[tokio::test]
async fn clients_and_unknown_events_are_kept_and_failures_can_be_retried() {
    let hub = hub().await;
    let hooks = &hub.sandbox.webhooks;
    let unknown = serde_json::to_vec(&serde_json::json!({
        "messageId": "odd-1", "eventId": "classVisit.created", "eventData": {"visitId": 1}
    }))
    .unwrap();
    let broken = serde_json::to_vec(&serde_json::json!({
        "messageId": "broken-1", "eventId": "clientSale.created", "eventData": {"saleId": "not a number"}
    }))
    .unwrap();
    let bodies = vec![
        hooks.client_body("client.created", "555", "Ana", "Ruiz", "ana@example.com"),
        hooks.client_body(
            "client.updated",
            "555",
            "Ana",
            "Ruiz-Soto",
            "ana@example.com",
        ),
        unknown,
        broken,
    ];
    hooks.send(bodies, &SendPlan::default()).await;
    let summary = settled(&hub.engine, 4).await;
    assert_eq!(summary.counts.ignored, 1);
    assert_eq!(summary.counts.failed, 1);
    let customers = hub.engine.customers().await.unwrap();
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].last_name, "Ruiz-Soto");
    let page = hub.engine.webhook_events(0, 10).await.unwrap();
    let state_of = |id: &str| page.rows.iter().find(|r| r.message_id == id).unwrap().state;
    assert_eq!(state_of("odd-1"), Some(WebhookState::Ignored));
    assert_eq!(state_of("broken-1"), Some(WebhookState::Failed));
    assert_eq!(hub.engine.retry_webhook_events().await.unwrap(), 1);
    let again = settled(&hub.engine, 4).await;
    assert_eq!(again.counts.failed, 1, "still broken, and still visible");
}

#[tokio::test]
async fn a_subscription_mindbody_deactivates_shows_a_warning_and_can_be_reactivated() {
    let hub = hub().await;
    hub.sandbox.webhooks.deactivate_all();
    hub.engine.local().unwrap().check_subscription().await;
    let mindbody = &hub.engine.integrations().await.unwrap()[1];
    assert!(
        mindbody.warnings.iter().any(|w| w.contains("deactivated")),
        "{:?}",
        mindbody.warnings
    );
    assert_eq!(
        mindbody.offer.as_deref(),
        Some("Reactivate the webhook subscription")
    );
    // Sales now arrive only by sync: `status` must not say all is well.
    assert!(mindbody.needs_attention(), "{mindbody:?}");
    assert!(
        mindbody
            .attention
            .as_deref()
            .unwrap()
            .contains("deactivated")
    );
    let active = hub.engine.activate_webhooks(None).await.unwrap();
    assert_eq!(active.status, "Active");
    let mindbody = &hub.engine.integrations().await.unwrap()[1];
    assert!(mindbody.warnings.is_empty(), "{:?}", mindbody.warnings);
    assert!(!mindbody.needs_attention(), "{mindbody:?}");
    hub.engine.delete_webhooks(None).await.unwrap();
    assert!(hub.engine.webhook_subscriptions().await.unwrap().is_empty());
}

#[tokio::test]
async fn another_process_attaches_through_the_socket_and_hears_the_events() {
    let hub = hub().await;
    let remote = Engine::attach_or_open(&hub.settings, legion_hub::engine::Role::Status)
        .await
        .unwrap();
    assert!(remote.is_remote());
    assert_eq!(
        remote.attached_to().unwrap().pid,
        std::process::id(),
        "the owner is this test"
    );
    let views = remote.integrations().await.unwrap();
    assert_eq!(views, hub.engine.integrations().await.unwrap());
    let mut events = remote.subscribe();
    let body = hub.sandbox.webhooks.sale_body(&sale(&hub, 999));
    hub.sandbox
        .webhooks
        .send(vec![body], &SendPlan::default())
        .await;
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::WebhooksChanged(summary)) = events.recv().await
                && summary.counts.processed == 1
            {
                return summary;
            }
        }
    })
    .await
    .expect("the remote hears the webhook");
    assert_eq!(heard.counts.received, 1);
    assert_eq!(remote.todays_sales().await.unwrap().items, 1);
    // The dashboard's loop answers its requests through the same handle.
    let mut app = legion_hub::tui::app::App::new(
        legion_hub::tui::theme::Theme::new(false),
        ratatui::layout::Rect::new(0, 0, 100, 30),
        chrono::Local::now().fixed_offset(),
    );
    legion_hub::tui::settle_inline(&remote, &mut app).await;
    assert_eq!(app.hub.integrations.len(), 4);
    assert_eq!(app.transactions.todays_sales.as_ref().unwrap().items, 1);
    app.update(legion_hub::tui::action::Action::ShowScreen(
        legion_hub::tui::app::Screen::Events,
    ));
    legion_hub::tui::settle_inline(&remote, &mut app).await;
    assert_eq!(app.events.list.total, 1);
    assert_eq!(app.events.summary.as_ref().unwrap().counts.processed, 1);
    // Errors cross the socket with their advice.
    let err = remote
        .confirm_duplicate("mindbody:client:nobody".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("there is no customer"), "{err}");
    drop(hub.services);
}

#[tokio::test]
async fn a_socket_left_by_a_dead_owner_is_passed_over_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::support::settings_in(dir.path());
    std::fs::create_dir_all(dir.path()).unwrap();
    let socket = settings.paths.control_socket();
    // A process that died leaves its socket file behind: nobody answers on it.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let engine = Engine::attach_or_open(&settings, legion_hub::engine::Role::Dashboard)
        .await
        .unwrap();
    assert!(!engine.is_remote(), "opened the data itself");
    let serving = legion_hub::server::control::start(engine.local().unwrap(), &socket).unwrap();
    let remote = Engine::attach_or_open(&settings, legion_hub::engine::Role::Status)
        .await
        .unwrap();
    assert!(remote.is_remote());
    drop(serving);
    assert!(!socket.exists(), "removed when the owner stops");
}

/// The demo's state: never signed in, yet the subscription delivers sales. The hub says so
/// instead of "disconnected", which reads as if nothing arrived: whole in the detail, and in the
/// table where it has the room (80 columns; the table's half of 120 says "not signed in").
#[tokio::test]
async fn signed_out_while_webhooks_deliver_reads_not_signed_in_receiving_webhooks() {
    use legion_hub::tui::{app::App, settle_inline, theme::Theme, views};
    let hub = hub().await;
    for (width, in_the_table) in [
        (80, "○ not signed in · receiving webhooks"),
        (120, "○ not signed in "),
    ] {
        let mut app = App::new(
            Theme::new(false),
            ratatui::layout::Rect::new(0, 0, width, 30),
            chrono::Local::now().fixed_offset(),
        );
        settle_inline(&hub.engine, &mut app).await;
        app.update(legion_hub::tui::action::Action::Move(1));
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, 30)).unwrap();
        terminal.draw(|f| views::draw(f, &app)).unwrap();
        let screen = terminal.backend().to_string();
        let table_row = screen
            .lines()
            .find(|l| {
                l.trim_start_matches(['"', '┃', '│'])
                    .starts_with("Mindbody ")
            })
            .unwrap();
        assert!(table_row.contains(in_the_table), "{screen}");
        assert!(
            screen.contains("Status      ○ not signed in · receiving webhooks"),
            "{screen}"
        );
    }
}
