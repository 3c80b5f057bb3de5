//! Keys carry the site (issue 13, item 5): a store written before the keys named their
//! Mindbody site (schema 1, kept in `tests/fixtures/store/v1-data`) is migrated in place when it
//! is opened, resumably, and answers as it did.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use legion_hub::engine::SyncRequest;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;
use legion_hub::server;

/// The schema-1 store, as the code of its time wrote it.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store/v1-data")
}

/// Writes the fixture: a small sandbox studio synced whole, its classes mapped, a few webhook
/// sales and a client change received over loopback, a chat with the Gemini sandbox, the demo's
/// sync history. It writes with the code it is built with, so it was run once on the commit
/// before schema 2 (`cargo test --test site_keys -- --ignored write_the_schema_1_fixture`) and
/// must not be run again: the fixture is what an old build left behind.
#[tokio::test]
#[ignore = "writes tests/fixtures/store/v1-data; only for the build that wrote schema 1"]
async fn write_the_schema_1_fixture() {
    let out = fixture();
    let _ = std::fs::remove_dir_all(&out);
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    sandbox.mindbody.set_auto_approve(true);
    sandbox
        .mindbody
        .set_studio(legion_hub::sandbox::studio::Studio::new(
            40,
            12,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
                .unwrap()
                .and_hms_opt(18, 0, 0)
                .unwrap(),
            10,
        ));
    let mut settings = support::mindbody::settings(&out, &sandbox.mindbody, |_| {});
    settings.config.mindbody = sandbox.mindbody_endpoints();
    settings.config.gemini.base_url = Some(sandbox.gemini.base_url());
    let engine = support::mindbody::open(&settings);
    engine
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
            &legion_hub::demo::free_redirect_uri(),
        ))
        .await
        .unwrap();
    support::mindbody::connect(&engine).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    let categories = engine.categories().await.unwrap();
    for (n, category) in categories.iter().enumerate().take(3) {
        let class = ["Classes", "Retail", "Memberships"][n];
        engine.map_category(category.id, Some(class.into())).await.unwrap();
    }
    // Webhooks over loopback: three sales (one delivered twice) and one client change.
    let core = engine.local().unwrap();
    let services = server::start(core, &settings, Some("127.0.0.1:0"))
        .await
        .unwrap();
    let url = format!(
        "http://{}{}",
        services.webhook_addr.unwrap(),
        server::webhooks::PATH
    );
    engine.subscribe_webhooks(url, Vec::new()).await.unwrap();
    let sales: Vec<_> = (0..3)
        .map(|i| {
            sandbox.mindbody.with_studio(|s| {
                s.add_sale(
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
                        .unwrap()
                        .and_hms_opt(9 + i, 30, 0)
                        .unwrap(),
                    rust_decimal::Decimal::new(1500 + i as i64 * 250, 2),
                )
            })
        })
        .collect();
    let bodies = sales
        .iter()
        .map(|s| sandbox.webhooks.sale_body(s))
        .collect();
    let plan = SendPlan {
        duplicate_every: Some(3),
        ..SendPlan::default()
    };
    sandbox.webhooks.send(bodies, &plan).await;
    for _ in 0..500 {
        let summary = engine.webhook_summary().await.unwrap();
        if summary.counts.received >= 3 && summary.pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A chat with the Gemini sandbox.
    engine
        .configure_gemini(legion_hub::engine::GeminiUpdate {
            api_key: Some(legion_hub::secret::Secret::new(
                legion_hub::sandbox::gemini::SANDBOX_KEY,
            )),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut events = engine.subscribe();
    engine
        .send_chat(None, "What sold best this week?".into(), None)
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            legion_hub::engine::Event::ChatFinished(_) => break,
            _ => continue,
        }
    }
    legion_hub::demo::seed(&engine).await.unwrap();
    engine.flush().unwrap();
    drop(services);
    drop(engine);
}
