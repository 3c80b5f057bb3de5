//! Keys carry the site (issue 13, item 5): a store written before the keys named their
//! Mindbody site (schema 1, kept in `tests/fixtures/store/v1-data`) is migrated in place when it
//! is opened, resumably, and answers as it did.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::support::secrets::{hub, output};
use legion_hub::books::AccountKey;
use legion_hub::config::Paths;
use legion_hub::domain::Provider;
use legion_hub::engine::SyncRequest;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;
use legion_hub::store::Store;
use legion_hub::store::migrate::STOP_AFTER_ENV;

use crate::support::fixture_store::{copy_private, schema_1_store};

/// Writes the fixture: a small sandbox studio synced whole, its classes mapped, a few webhook
/// sales and a client change received over loopback, a chat with the Gemini sandbox, the demo's
/// sync history. It writes with the code it is built with, so it was run once on the commit
/// before schema 2 (`cargo test --test it site_keys::write_the_schema_1_fixture -- --ignored`) and
/// must not be run again: the fixture is what an old build left behind.
#[tokio::test]
#[ignore = "writes tests/fixtures/store/v1-data; only for the build that wrote schema 1"]
async fn write_the_schema_1_fixture() {
    let out = schema_1_store();
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
    let mut settings = crate::support::mindbody::settings(&out, &sandbox.mindbody, |_| {});
    settings.config.mindbody = sandbox.mindbody_endpoints();
    settings.config.gemini.base_url = Some(sandbox.gemini.base_url());
    let engine = crate::support::mindbody::open(&settings);
    engine
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
            &legion_hub::demo::free_redirect_uri(),
        ))
        .await
        .unwrap();
    crate::support::mindbody::connect(&engine).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    let categories = engine.categories().await.unwrap();
    for (n, category) in categories.iter().enumerate().take(3) {
        let class = ["Classes", "Retail", "Memberships"][n];
        engine
            .map_category(category.id, Some(class.into()))
            .await
            .unwrap();
    }
    // Webhooks over loopback: three sales (one delivered twice) and one client change.
    let (services, _) = crate::support::serving::receiving_here(&engine, &settings).await;
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

/// What the commands answered on the fixture before schema 2 (`tests/fixtures/store/v1-data.expected`).
fn expected(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/store/v1-data.expected")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// A copy of the fixture as `dir/data`, where [`hub`] points the binary.
fn copy_of_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_private(
        &schema_1_store(),
        &crate::support::secrets::data(dir.path()),
    );
    dir
}

/// The commands whose answers must not change, with what they answer now.
fn answers(dir: &Path) -> Vec<(&'static str, String)> {
    let run = |args: &[&str]| {
        let (code, stdout, stderr) = output(hub(dir).args(args));
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        stdout
    };
    vec![
        ("transactions.json", run(&["transactions", "--json"])),
        ("transactions.txt", run(&["transactions"])),
        ("customers.json", run(&["customers", "--json"])),
        ("history.json", run(&["history", "--json"])),
        (
            "history-gemini.json",
            run(&["history", "--provider", "gemini", "--json"]),
        ),
        (
            "webhook-events.json",
            run(&["webhooks", "events", "--json"]),
        ),
        (
            "status.json",
            without_bank_accounts(&without_ago(&run(&["status", "--json"]))),
        ),
    ]
}

/// `status --json` without what moves with the clock: the relative times ("3 min ago") and the
/// count of today's API calls (the fixture's calls were made on the day it was written; on any
/// later day the same store truly reports 0 today).
fn without_ago(status: &str) -> String {
    status
        .lines()
        .filter(|line| !line.contains("\"last_sync_ago\""))
        .map(without_todays_count)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `"value": "4 today of 1,000 included"` → `"value": "N today of 1,000 included"`.
fn without_todays_count(line: &str) -> String {
    match (line.find("\"value\": \""), line.find(" today of ")) {
        (Some(start), Some(end)) => {
            let digits = start + "\"value\": \"".len();
            format!("{}N{}", &line[..digits], &line[end..])
        }
        _ => line.to_string(),
    }
}

/// `status --json` without its bank accounts, a field added after schema 2 (a schema 1 store
/// has none: the list is empty).
fn without_bank_accounts(status: &str) -> String {
    // The budget warnings came later still: none either.
    let empty = "],\n  \"bank_accounts\": [],\n  \"budget_warnings\": []";
    assert!(status.contains(empty), "{status}");
    status.replace(empty, "]")
}

fn assert_answers_as_before(dir: &Path) {
    for (name, answer) in answers(dir) {
        let before = expected(name);
        let before = if name == "status.json" {
            without_ago(&before)
        } else {
            before
        };
        assert_eq!(answer, before, "{name} answers as it did before schema 2");
    }
}

fn site() -> AccountKey {
    AccountKey::new(Provider::Mindbody, "-99").unwrap()
}

/// Every synced record is under its site's key, nothing is left under a schema-1 key, and the
/// rest (tokens, credentials, chat) is there as it was.
fn assert_everything_under_site_keys(data: &Path) {
    let store = Store::open(&Paths::in_dir(data), "command").unwrap();
    assert_eq!(store.schema_version().unwrap(), Some(2));
    let prefix = site().prefix();
    let keys = store.transaction_keys_newest_first().unwrap();
    assert_eq!(
        keys.len(),
        57,
        "every transaction, each once in the date index"
    );
    assert_eq!(store.transaction_count().unwrap(), 57);
    for key in &keys {
        assert!(key.starts_with(&prefix), "{key}");
        let tx = store
            .transaction(key)
            .unwrap()
            .expect("the index points at it");
        assert_eq!(&tx.key, key);
        if let Some(customer) = &tx.customer {
            assert!(customer.starts_with(&prefix), "{customer}");
            assert!(store.customer(customer).unwrap().is_some(), "{customer}");
        }
    }
    assert_eq!(
        store.transaction_keys_with_prefix("mindbody:").unwrap(),
        Vec::<String>::new()
    );
    let customers = store.customers().unwrap();
    assert_eq!(customers.len(), 12);
    assert!(customers.iter().all(|c| c.key.starts_with(&prefix)));
    let categories = store.categories_of(&site()).unwrap();
    assert_eq!(categories.len(), store.categories().unwrap().len());
    assert_eq!(categories.iter().filter(|c| c.class.is_some()).count(), 3);
    // Three sales (one delivered twice), under their site's key only.
    for n in 1..=3 {
        let message = format!("SBX000000000{n}");
        let event = store.webhook_event(&site().key(&message)).unwrap();
        assert_eq!(event.expect("moved").account, "-99");
        assert!(
            store
                .webhook_event(&format!("mindbody:{message}"))
                .unwrap()
                .is_none()
        );
    }
    assert!(
        store
            .meta_json::<serde_json::Value>("mindbody.cursor.sales")
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .meta_json::<serde_json::Value>(&site().meta("cursor.sales"))
            .unwrap()
            .is_some(),
        "the sync carries on from where it was"
    );
    assert!(store.tokens(Provider::Mindbody).unwrap().is_some());
    assert!(store.credentials(Provider::Gemini).unwrap().is_some());
    let conversations = store.conversations().unwrap();
    assert_eq!(conversations.len(), 1);
    assert_eq!(store.messages(conversations[0].id).unwrap().len(), 2);
}

#[test]
fn a_schema_1_store_is_migrated_at_start_and_answers_as_before() {
    let dir = copy_of_fixture();
    let data = crate::support::secrets::data(dir.path());
    {
        let store = Store::open(&Paths::in_dir(&data), "command").unwrap();
        let report = store
            .migration()
            .expect("a schema-1 store is migrated")
            .clone();
        assert_eq!((report.from, report.to), (1, 2));
        assert_eq!(report.moved["transactions"], 57);
        assert_eq!(report.moved["customers"], 12);
        assert_eq!(report.moved["webhook_events"], 3);
        assert!(report.moved["meta"] > 0, "{report:?}");
    }
    assert_everything_under_site_keys(&data);
    assert_answers_as_before(dir.path());
    // A second start has nothing to do.
    let store = Store::open(&Paths::in_dir(&data), "command").unwrap();
    assert_eq!(store.migration(), None);
}

#[test]
fn the_glance_reads_a_schema_1_store_without_migrating_it() {
    let dir = copy_of_fixture();
    let (code, stdout, stderr) = output(hub(dir.path()).args(["status", "--json"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        without_bank_accounts(&without_ago(&stdout)),
        without_ago(&expected("status.json"))
    );
    let store = Store::open(
        &Paths::in_dir(&crate::support::secrets::data(dir.path())),
        "status",
    )
    .unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        Some(1),
        "status writes nothing"
    );
}

#[test]
fn a_migration_cut_off_halfway_is_finished_by_the_next_start() {
    let dir = copy_of_fixture();
    // Two starts that die partway (after 20 records, then 30 more: inside the transactions),
    // then one that is left alone.
    for stop_after in ["20", "30"] {
        let (code, _, stderr) = output(
            hub(dir.path())
                .env(STOP_AFTER_ENV, stop_after)
                .args(["transactions", "--json"]),
        );
        assert_ne!(code, Some(0));
        assert!(
            stderr.contains("could not be brought up to schema 2")
                && stderr.contains("nothing has been lost")
                && stderr.contains("the next start carries on"),
            "{stderr}"
        );
    }
    {
        let data = crate::support::secrets::data(dir.path());
        let store = Store::open(&Paths::in_dir(&data), "status").unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            Some(1),
            "not stamped halfway"
        );
        let keys = store.transaction_keys_newest_first().unwrap();
        assert_eq!(keys.len(), 57, "none lost or doubled halfway");
        let moved = keys
            .iter()
            .filter(|k| k.starts_with(&site().prefix()))
            .count();
        assert_eq!(moved, 50, "whole batches moved, nothing else");
    }
    assert_answers_as_before(dir.path());
    assert_everything_under_site_keys(&crate::support::secrets::data(dir.path()));
}

#[test]
fn two_sites_keep_their_sales_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Paths::in_dir(dir.path()), "command").unwrap();
    let sale = |site: &str| legion_hub::books::Transaction {
        key: legion_hub::integrations::mindbody::mapping::sale_key(
            &AccountKey::new(Provider::Mindbody, site).unwrap(),
            100458,
            211873,
        ),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap(),
        amount: rust_decimal::Decimal::new(2500, 2),
        tax: Default::default(),
        discount: Default::default(),
        currency: "USD".into(),
        description: format!("Drop-in at {site}"),
        category_id: None,
        class: None,
        customer: None,
        source: "mindbody".into(),
        returned: false,
        settlement: None,
        location_id: None,
        payment_method: None,
        contract: None,
        synced_at: crate::support::noon(),
    };
    store
        .upsert_transactions(&[sale("5567"), sale("5568")], false)
        .unwrap();
    assert_eq!(
        store.transaction_count().unwrap(),
        2,
        "the same sale id at two sites"
    );
    assert_eq!(
        legion_hub::books::account_key::visible(&sale("5567").key),
        "mindbody:sale:100458:211873",
        "shown as before"
    );
}

#[test]
fn without_a_configured_site_the_start_says_how_to_name_it() {
    let dir = copy_of_fixture();
    let data = crate::support::secrets::data(dir.path());
    {
        // The glance's role writes with schema-1 keys and does not migrate.
        let store = Store::open(&Paths::in_dir(&data), "status").unwrap();
        let mut record = store.integration(Provider::Mindbody).unwrap().unwrap();
        record.settings.remove("site_id");
        store.put_integration(&record).unwrap();
    }
    let (code, _, stderr) = output(hub(dir.path()).args(["transactions", "--json"]));
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("no Mindbody site id is configured")
            && stderr.contains(legion_hub::store::migrate::SITE_ENV)
            && stderr.contains("nothing has been lost"),
        "{stderr}"
    );
    let (code, stdout, stderr) = output(
        hub(dir.path())
            .env(legion_hub::store::migrate::SITE_ENV, "-99")
            .args(["transactions", "--json"]),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, expected("transactions.json"));
}
