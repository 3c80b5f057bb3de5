//! Syncing Mindbody sales into transactions against the sandbox studio: idempotence, lookback,
//! kill and resume, faults, tombstones, call counting.

use crate::support::mindbody::{connect, items, open, sales_only, settings, studio};
use chrono::{Duration, Local};
use legion_hub::books::Customer;
use legion_hub::domain::SyncStatus;
use legion_hub::engine::{SyncKind, SyncRequest};
use legion_hub::sandbox::mindbody::{ApiFault, MindbodySandbox, SANDBOX_API_KEY};
use legion_hub::sandbox::studio::Studio;

#[tokio::test]
async fn a_first_sync_stores_every_item_once_in_the_fewest_calls_and_a_second_changes_nothing() {
    let (sandbox, dir) = studio(500).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    let calls_before = sandbox.api_calls();
    let logs = engine.sync_mindbody(sales_only()).await.unwrap();
    let log = &logs[0];
    assert_eq!(log.status, SyncStatus::Completed, "{log:?}");
    assert_eq!(log.records.new, items(500));
    assert_eq!(
        sandbox.api_calls() - calls_before,
        3,
        "ceil(500 / 200) pages"
    );
    assert_eq!(log.api_calls, 3);
    let (today, allowance) = engine.mindbody_calls_today().await.unwrap();
    assert!(today >= 3 && allowance == 1000);
    let stored = engine.transactions_since(None).await.unwrap();
    assert_eq!(stored.len() as u64, items(500));
    assert!(
        stored.iter().any(|t| t.amount.is_sign_negative()),
        "returns are negative"
    );

    // Again, right away: only what is new is read (the lookback re-read is not due): one call.
    let calls = sandbox.api_calls();
    let again = &engine.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!((again.records.new, again.records.updated), (0, 0));
    assert_eq!(sandbox.api_calls() - calls, 1);
    assert_eq!(
        engine.transactions_since(None).await.unwrap().len() as u64,
        items(500)
    );
}

#[tokio::test]
async fn the_lookback_catches_a_late_edit_and_new_sales_arrive() {
    let (sandbox, dir) = studio(300).await;
    let engine = open(&settings(dir.path(), &sandbox, |c| {
        c.mindbody.lookback_every = Some("1s".into())
    }));
    connect(&engine).await;
    engine.sync_mindbody(sales_only()).await.unwrap();
    // The re-read of the last three days is due again after `lookback_every`.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    sandbox.with_studio(|s| {
        s.edits.insert(299, rust_decimal::Decimal::new(99, 0));
        s.added.push((
            Local::now().naive_local() - Duration::minutes(1),
            rust_decimal::Decimal::new(25, 0),
        ));
    });
    let log = &engine.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(log.records.updated, 1, "{log:?}");
    assert_eq!(log.records.new, 1);
    let edited = engine
        .transactions_since(None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| {
            t.key
                == format!(
                    "mindbody@-99:sale:{}:{}",
                    Studio::sale_id(299),
                    1_000_000 + 299 * 2
                )
        })
        .unwrap();
    assert_eq!(edited.amount.to_string(), "99");
}

#[tokio::test]
async fn a_run_killed_mid_way_resumes_from_its_checkpoint_with_no_loss_and_no_duplicate() {
    let (sandbox, dir) = studio(700).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    // Page one arrives, page two is broken (not retried): the run stops after storing page one.
    sandbox.inject(ApiFault::Slow(std::time::Duration::from_millis(1)));
    sandbox.inject(ApiFault::Malformed);
    let failed = &engine.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(failed.status, SyncStatus::Failed);
    assert!(
        failed
            .error_details
            .as_deref()
            .unwrap()
            .contains("cannot read"),
        "{failed:?}"
    );
    let stored_after_failure = engine.transactions_since(None).await.unwrap().len();
    assert!(stored_after_failure > 0 && (stored_after_failure as u64) < items(700));

    let calls = sandbox.api_calls();
    let resumed = &engine.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(resumed.status, SyncStatus::Completed);
    assert!(
        resumed
            .error_details
            .as_deref()
            .unwrap()
            .contains("resumed")
    );
    assert_eq!(sandbox.api_calls() - calls, 3, "pages two to four only");
    let all = engine.transactions_since(None).await.unwrap();
    assert_eq!(all.len() as u64, items(700), "nothing lost, nothing twice");
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_and_persistent_errors_are_logged() {
    let (sandbox, dir) = studio(250).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    sandbox.inject(ApiFault::RateLimited {
        retry_after_secs: 0,
    });
    sandbox.inject(ApiFault::ServerError);
    let ok = &engine.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(ok.status, SyncStatus::Completed, "{ok:?}");
    assert_eq!(ok.api_calls, 4, "two retried calls and two pages");

    for _ in 0..3 {
        sandbox.inject(ApiFault::ServerError);
    }
    let failed = &engine
        .sync_mindbody(SyncRequest {
            since: Some(Local::now().date_naive() - Duration::days(20)),
            ..sales_only()
        })
        .await
        .unwrap()[0];
    assert_eq!(failed.status, SyncStatus::Failed);
    assert!(
        failed
            .error_details
            .as_deref()
            .unwrap()
            .contains("HTTP 500")
    );
    let mindbody = &engine.integrations().await.unwrap()[1];
    assert!(
        mindbody
            .error_message
            .as_deref()
            .unwrap()
            .contains("HTTP 500")
    );
}

#[tokio::test]
async fn a_deleted_transaction_stays_deleted_unless_a_full_reimport_is_asked_for() {
    let (sandbox, dir) = studio(100).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    engine.sync_mindbody(sales_only()).await.unwrap();
    let newest = engine.transactions_since(None).await.unwrap()[0]
        .key
        .clone();
    assert!(engine.delete_transaction(newest.clone()).await.unwrap());
    engine.sync_mindbody(sales_only()).await.unwrap();
    assert!(
        engine
            .transactions_since(None)
            .await
            .unwrap()
            .iter()
            .all(|t| t.key != newest)
    );
    let since = Some(Local::now().date_naive() - Duration::days(20));
    let full = &engine
        .sync_mindbody(SyncRequest {
            full: true,
            since,
            ..sales_only()
        })
        .await
        .unwrap()[0];
    assert_eq!(full.records.new, 1, "{full:?}");
    assert!(
        engine
            .transactions_since(None)
            .await
            .unwrap()
            .iter()
            .any(|t| t.key == newest)
    );
}

#[tokio::test]
async fn a_full_sync_brings_categories_clients_sales_and_settlements() {
    let (sandbox, dir) = studio(120).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    let calls = sandbox.api_calls();
    let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    let kinds: Vec<&str> = logs.iter().map(|l| l.sync_type.as_str()).collect();
    assert_eq!(kinds, ["categories", "clients", "sales", "transactions"]);
    assert!(
        logs.iter().all(|l| l.status == SyncStatus::Completed),
        "{logs:?}"
    );
    assert_eq!(sandbox.api_calls() - calls, 4, "one page of each");
    assert_eq!(engine.customers().await.unwrap().len(), 60);
    let settled = engine.transactions_since(None).await.unwrap();
    assert!(
        settled.iter().all(|t| t.settlement.is_some()),
        "every sale's card transaction recorded"
    );
    assert!(
        settled
            .iter()
            .any(|t| t.settlement.as_ref().is_some_and(|s| !s.settled))
    );

    // Nothing new: one call per sync type.
    let calls = sandbox.api_calls();
    let again = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    assert_eq!(sandbox.api_calls() - calls, 4);
    assert!(
        again
            .iter()
            .all(|l| l.records.new == 0 && l.records.updated == 0),
        "{again:?}"
    );
}

#[tokio::test]
async fn categories_are_mapped_to_classes_and_unmapped_ones_are_kept() {
    let (sandbox, dir) = studio(60).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    let categories = engine.categories().await.unwrap();
    assert_eq!(categories.len(), 6);
    assert!(
        categories.iter().all(|c| c.class.is_none()),
        "nothing is mapped until the user maps it"
    );
    let in_class_packs = engine
        .transactions_since(None)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.category_id == Some(22))
        .count();
    assert!(in_class_packs > 0);
    let changed = engine
        .map_category(22, Some("Class revenue".into()))
        .await
        .unwrap();
    assert_eq!(
        changed, in_class_packs,
        "existing transactions follow the mapping"
    );
    // New sales get the class at once; the other categories stay listed as unmapped.
    sandbox.with_studio(|s| {
        s.added.push((
            Local::now().naive_local() - Duration::minutes(1),
            rust_decimal::Decimal::new(25, 0),
        ))
    });
    engine.sync_mindbody(sales_only()).await.unwrap();
    let added = engine
        .transactions_since(None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.key.starts_with("mindbody@-99:sale:900000000:"))
        .unwrap();
    assert_eq!(added.class.as_deref(), Some("Class revenue"));
    let unmapped: Vec<String> = engine
        .categories()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.class.is_none())
        .map(|c| c.name)
        .collect();
    assert_eq!(unmapped.len(), 5);
    engine
        .sync_mindbody(SyncRequest {
            only: Some(SyncKind::Categories),
            ..SyncRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(
        engine
            .categories()
            .await
            .unwrap()
            .iter()
            .find(|c| c.id == 22)
            .unwrap()
            .class
            .as_deref(),
        Some("Class revenue"),
        "a category sync keeps the mapping"
    );
}

#[tokio::test]
async fn clients_are_matched_by_id_then_email_then_name_and_synced_incrementally() {
    let (sandbox, dir) = studio(10).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    engine
        .sync_mindbody(SyncRequest {
            only: Some(SyncKind::Clients),
            ..SyncRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(engine.customers().await.unwrap().len(), 60);
    // Client 3 changes; only it comes back in the next (incremental) sync.
    sandbox.with_studio(|s| {
        s.modified_clients
            .insert(3, Local::now().naive_local() + Duration::minutes(1));
    });
    let log = &engine
        .sync_mindbody(SyncRequest {
            only: Some(SyncKind::Clients),
            ..SyncRequest::default()
        })
        .await
        .unwrap()[0];
    assert_eq!(
        log.records.new + log.records.updated + log.records.unchanged,
        1,
        "{log:?}"
    );
    // Names repeat in the studio (ten first names x ten last names over sixty clients): the
    // later ones are flagged as possible duplicates for the user to confirm.
    let customers = engine.customers().await.unwrap();
    let flagged = customers
        .iter()
        .filter(|c| c.possible_duplicate_of.is_some())
        .count();
    assert_eq!(flagged, 0, "sixty distinct names: nobody is flagged");
}

#[tokio::test]
async fn uncertain_client_matches_wait_for_the_user_and_confirming_merges_them() {
    let (sandbox, dir) = studio(30).await;
    let settings = settings(dir.path(), &sandbox, |_| {});
    {
        // Customers already in the books, from elsewhere.
        let store = legion_hub::store::Store::open(&settings.paths, "test").unwrap();
        let book = |key: &str, first: &str, last: &str, email: Option<&str>| {
            from_the_books(key, &format!("{first} {last}"), email, None)
        };
        store
            .upsert_customers(&[
                book("books:1", "Jane", "Doe", None),
                book("books:2", "O.", "Haddad", Some("omar.haddad11@example.com")),
            ])
            .unwrap();
    }
    let engine = open(&settings);
    connect(&engine).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    let customers = engine.customers().await.unwrap();
    let by_email = customers.iter().find(|c| c.key == "books:2").unwrap();
    assert_eq!(
        by_email.mindbody_id.as_deref(),
        Some("100000011"),
        "matched by email and linked"
    );
    assert!(
        customers
            .iter()
            .all(|c| c.key != "mindbody@-99:client:100000011"),
        "no second record"
    );
    let flagged = customers
        .iter()
        .find(|c| c.key == "mindbody@-99:client:100000000")
        .unwrap();
    assert_eq!(
        flagged.possible_duplicate_of.as_deref(),
        Some("books:1"),
        "same name only: left to confirm"
    );

    let into = engine
        .confirm_duplicate("mindbody:client:100000000".into())
        .await
        .unwrap();
    assert_eq!(into, "books:1");
    let customers = engine.customers().await.unwrap();
    assert!(
        customers
            .iter()
            .all(|c| c.key != "mindbody@-99:client:100000000")
    );
    assert_eq!(
        customers
            .iter()
            .find(|c| c.key == "books:1")
            .unwrap()
            .mindbody_id
            .as_deref(),
        Some("100000000")
    );
    assert!(
        engine
            .transactions_since(None)
            .await
            .unwrap()
            .iter()
            .all(|t| t.customer.as_deref() != Some("mindbody@-99:client:100000000")),
        "its transactions moved"
    );
    // The next sync links the client straight to the merged customer.
    let full = SyncRequest {
        only: Some(SyncKind::Clients),
        since: Some(Local::now().date_naive() - Duration::days(400)),
        full: true,
    };
    engine.sync_mindbody(full.clone()).await.unwrap();
    assert!(
        engine
            .customers()
            .await
            .unwrap()
            .iter()
            .all(|c| c.key != "mindbody@-99:client:100000000")
    );
}

#[tokio::test]
async fn namesakes_with_their_own_emails_or_phones_are_not_possible_duplicates() {
    // 150 clients over 100 names: 50 share a name with an earlier client, each with an email
    // and a phone of their own.
    let sandbox = MindbodySandbox::start().await.unwrap();
    sandbox.set_auto_approve(true);
    sandbox.set_studio(Studio::new(10, 150, Local::now().naive_local(), 14));
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sandbox, |_| {});
    {
        // From an older legion-hub: a Jane Doe flagged against another on the name alone,
        // though their emails differ; and one whose flag still stands.
        let store = legion_hub::store::Store::open(&settings.paths, "test").unwrap();
        let book = from_the_books;
        store
            .upsert_customers(&[
                book("books:1", "Jane Doe", Some("jane@studio.example"), None),
                book(
                    "books:2",
                    "Jane Doe",
                    Some("jd@home.example"),
                    Some("books:1"),
                ),
                book("books:3", "Mei Chen", None, None),
                book(
                    "books:4",
                    "Mei Chen",
                    Some("mei@home.example"),
                    Some("books:3"),
                ),
            ])
            .unwrap();
    }
    let engine = open(&settings);
    connect(&engine).await;
    engine
        .sync_mindbody(SyncRequest {
            only: Some(SyncKind::Clients),
            ..SyncRequest::default()
        })
        .await
        .unwrap();
    let customers = engine.customers().await.unwrap();
    assert_eq!(customers.len(), 154);
    let flagged: Vec<(&str, &str)> = customers
        .iter()
        .filter_map(|c| Some((c.key.as_str(), c.possible_duplicate_of.as_deref()?)))
        .collect();
    // Left: only flags against books:3, a Mei Chen with no email or phone to differ; the
    // studio's two Mei Chens are told apart from each other, not from her.
    assert_eq!(
        flagged,
        [
            ("books:4", "books:3"),
            ("mindbody@-99:client:100000044", "books:3"),
            ("mindbody@-99:client:100000144", "books:3"),
        ]
    );
}

#[tokio::test]
async fn the_schedule_syncs_by_itself_and_a_second_start_does_not_run_twice() {
    let (sandbox, dir) = studio(50).await;
    let engine = open(&settings(dir.path(), &sandbox, |c| {
        c.mindbody.sync_every = Some("1s".into())
    }));
    connect(&engine).await;
    let mut events = engine.subscribe();
    engine.local().unwrap().start_schedule();
    // Within a few beats a scheduled run completes on its own.
    let log = loop {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap();
        if let legion_hub::engine::Event::SyncLogChanged(log) = event
            && log.status == SyncStatus::Completed
        {
            break log;
        }
    };
    assert_eq!(log.sync_type, "categories");
    let view = &engine.integrations().await.unwrap()[1];
    assert!(view.next_sync_at.is_some() && view.freshness.is_some());
    // While a run is under way, another start is refused.
    while !engine
        .start_mindbody_sync(SyncRequest::default())
        .await
        .unwrap()
    {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(
        !engine
            .start_mindbody_sync(SyncRequest::default())
            .await
            .unwrap(),
        "one run at a time"
    );
}

#[tokio::test]
async fn between_lookbacks_a_late_edit_waits_for_the_next_re_read() {
    let (sandbox, dir) = studio(300).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    engine.sync_mindbody(sales_only()).await.unwrap();
    sandbox.with_studio(|s| {
        s.edits.insert(299, rust_decimal::Decimal::new(99, 0));
    });
    let soon = &engine.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(
        soon.records.updated, 0,
        "not re-read yet (six hours by default)"
    );
    // A sync from a date re-reads whatever it is asked to.
    let since = Some(Local::now().date_naive() - Duration::days(3));
    let asked = &engine
        .sync_mindbody(SyncRequest {
            since,
            ..sales_only()
        })
        .await
        .unwrap()[0];
    assert_eq!(asked.records.updated, 1);
}

fn mindbody_view(
    views: &[legion_hub::engine::IntegrationView],
) -> &legion_hub::engine::IntegrationView {
    views
        .iter()
        .find(|v| v.provider == legion_hub::domain::Provider::Mindbody)
        .unwrap()
}

/// A customer already in the books from elsewhere (not Mindbody), named "First Last".
fn from_the_books(key: &str, name: &str, email: Option<&str>, flag: Option<&str>) -> Customer {
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    Customer {
        key: key.into(),
        mindbody_id: None,
        first_name: first.into(),
        last_name: last.into(),
        email: email.map(str::to_string),
        phone: None,
        source: "books".into(),
        modified_at: None,
        modified_by: None,
        possible_duplicate_of: flag.map(str::to_string),
    }
}

/// A sync is refused, nothing written, until `step` is done.
async fn refused_until(engine: &legion_hub::engine::Engine, step: legion_hub::engine::NextStep) {
    let before = history_total(engine).await;
    let refused = engine
        .sync_mindbody(SyncRequest::default())
        .await
        .unwrap_err();
    assert!(
        refused.is_not_ready() && refused.step == Some(step),
        "{refused:?}"
    );
    assert_eq!(
        history_total(engine).await,
        before,
        "a refused sync writes nothing"
    );
}

async fn history_total(engine: &legion_hub::engine::Engine) -> u64 {
    engine
        .sync_history(legion_hub::domain::Provider::Mindbody, 0, 1)
        .await
        .unwrap()
        .total
}

async fn set_api_key(engine: &legion_hub::engine::Engine, key: &str) {
    engine
        .configure_mindbody(legion_hub::engine::MindbodyUpdate {
            api_key: Some(legion_hub::secret::Secret::new(key)),
            ..Default::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_api_key_stops_the_sync_at_the_first_type_and_a_good_test_after_the_fix_stays_good_on_restart()
 {
    let (sandbox, dir) = studio(50).await;
    let settings = settings(dir.path(), &sandbox, |_| {});
    {
        let engine = open(&settings);
        connect(&engine).await;
        set_api_key(&engine, "not-the-key").await;
        let calls = sandbox.api_calls();
        let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
        let statuses: Vec<SyncStatus> = logs.iter().map(|l| l.status).collect();
        assert_eq!(
            statuses,
            [
                SyncStatus::Failed,
                SyncStatus::Skipped,
                SyncStatus::Skipped,
                SyncStatus::Skipped
            ],
            "{logs:#?}"
        );
        // The refusal, then once more with a renewed token: nothing else is billed.
        assert_eq!(sandbox.api_calls() - calls, 2);
        assert_eq!(logs[0].api_calls, 2);
        assert!(
            logs[1]
                .error_details
                .as_deref()
                .unwrap()
                .contains("categories")
        );
        let view = engine.integrations().await.unwrap();
        let mindbody = mindbody_view(&view);
        // A wrong key is not a dead sign-in: signing in again would not mend it.
        assert_eq!(mindbody.status, legion_hub::domain::Status::Error);
        assert!(
            mindbody
                .error_message
                .as_deref()
                .unwrap()
                .contains("Api-Key")
        );

        set_api_key(&engine, SANDBOX_API_KEY).await;
        engine.test_mindbody().await.unwrap();
        let view = engine.integrations().await.unwrap();
        assert!(!mindbody_view(&view).needs_attention());
    }
    // The dashboard or `serve` starts: its repair must not bring the old error back.
    let engine = open(&settings);
    let view = engine.integrations().await.unwrap();
    let mindbody = mindbody_view(&view);
    assert_eq!(
        mindbody.status,
        legion_hub::domain::Status::Connected,
        "{mindbody:?}"
    );
    assert_eq!(mindbody.error_message, None);
}

#[tokio::test]
async fn a_refused_refresh_sets_needs_reauth_at_once_and_stops_the_run() {
    let (sandbox, dir) = studio(50).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    // The studio removed the app (or the sandbox restarted): no saved token works.
    sandbox.revoke_all();
    let calls = sandbox.api_calls();
    let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    assert_eq!(logs[0].status, SyncStatus::Failed);
    assert!(
        logs[0]
            .error_details
            .as_deref()
            .unwrap()
            .contains("invalid_grant"),
        "{logs:#?}"
    );
    assert!(
        logs[1..].iter().all(|l| l.status == SyncStatus::Skipped),
        "{logs:#?}"
    );
    assert_eq!(
        sandbox.api_calls() - calls,
        1,
        "one refused call, then nothing"
    );
    let view = engine.integrations().await.unwrap();
    let mindbody = mindbody_view(&view);
    assert_eq!(mindbody.status, legion_hub::domain::Status::NeedsReauth);
    assert!(mindbody.needs_attention());
    let said = mindbody
        .advice(legion_hub::domain::FrontEnd::Dashboard)
        .unwrap();
    assert!(said.contains("Press o on Mindbody"), "{said}");
    // A second sync is refused before anything is written, naming the sign-in.
    refused_until(&engine, legion_hub::engine::NextStep::ReconnectMindbody).await;
}

#[tokio::test]
async fn a_refusal_that_a_fresh_token_does_not_cure_is_a_dead_sign_in() {
    let (sandbox, dir) = studio(50).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    sandbox.inject(ApiFault::SignInRefused);
    sandbox.inject(ApiFault::SignInRefused);
    let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    assert_eq!(logs[0].status, SyncStatus::Failed);
    assert!(
        logs[1..].iter().all(|l| l.status == SyncStatus::Skipped),
        "{logs:#?}"
    );
    let view = engine.integrations().await.unwrap();
    assert_eq!(
        mindbody_view(&view).status,
        legion_hub::domain::Status::NeedsReauth
    );
}

#[tokio::test]
async fn an_unreachable_mindbody_ends_the_sync_and_its_attempts_are_not_counted_as_billed_calls() {
    let (sandbox, dir) = studio(50).await;
    {
        let engine = open(&settings(dir.path(), &sandbox, |_| {}));
        connect(&engine).await;
    }
    // Nothing listens on this port.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let engine = open(&settings(dir.path(), &sandbox, |c| {
        c.mindbody.api_url = Some(format!("http://{closed}/public/v6"))
    }));
    let (billed_before, _) = engine.mindbody_calls_today().await.unwrap();
    let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    assert_eq!(logs[0].status, SyncStatus::Failed);
    assert!(
        logs[1..].iter().all(|l| l.status == SyncStatus::Skipped),
        "{logs:#?}"
    );
    assert_eq!(logs[0].api_calls, 0, "{logs:#?}");
    assert_eq!(logs[0].unreached, 3, "every retry, none of them billed");
    let (billed_after, _) = engine.mindbody_calls_today().await.unwrap();
    assert_eq!(billed_before, billed_after);
    let view = engine.integrations().await.unwrap();
    let calls = mindbody_view(&view)
        .facts
        .iter()
        .find(|f| f.label == "API calls")
        .unwrap();
    assert!(
        calls.value.contains("3 attempts could not connect"),
        "{calls:?}"
    );
    let line = legion_hub::commands::sync::describe_run(&logs[0]);
    assert!(
        line.contains("0 API calls, 3 attempts could not connect"),
        "{line}"
    );
}

#[tokio::test]
async fn a_sync_before_configure_is_refused_and_writes_nothing() {
    let (sandbox, dir) = studio(5).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    refused_until(&engine, legion_hub::engine::NextStep::ConfigureMindbody).await;
    assert!(
        engine
            .start_mindbody_sync(SyncRequest::default())
            .await
            .is_err()
    );
    assert_eq!(history_total(&engine).await, 0);
    let view = engine.integrations().await.unwrap();
    assert!(!mindbody_view(&view).needs_attention());
    assert_eq!(sandbox.api_calls(), 0);
}

#[tokio::test]
async fn a_type_that_failed_keeps_the_run_in_error_though_a_later_type_completes() {
    let (sandbox, dir) = studio(20).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;
    // The categories page cannot be read (not retried, not fatal): the other types still run.
    sandbox.inject(ApiFault::Malformed);
    let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    let statuses: Vec<SyncStatus> = logs.iter().map(|l| l.status).collect();
    assert_eq!(
        statuses,
        [
            SyncStatus::Failed,
            SyncStatus::Completed,
            SyncStatus::Completed,
            SyncStatus::Completed
        ]
    );
    let view = engine.integrations().await.unwrap();
    let mindbody = mindbody_view(&view);
    assert_eq!(mindbody.status, legion_hub::domain::Status::Error);
    assert!(mindbody.needs_attention());
    assert!(
        mindbody
            .error_message
            .as_deref()
            .unwrap()
            .contains("cannot read")
    );
}

/// A store without the location names (signed in before the hub kept them) gets them from the
/// next categories sync, in one call counted as the sync's; while they are fresh no sync reads
/// them again, and the report by location names each location as Mindbody does.
#[tokio::test]
async fn the_categories_sync_reads_the_location_names_only_when_the_hub_has_none() {
    use legion_hub::api::reports::{Grouping, RevenueQuery};
    use legion_hub::sandbox::studio::LOCATIONS;
    let (sandbox, dir) = studio(30).await;
    let settings = settings(dir.path(), &sandbox, |_| {});
    let account = "mindbody@-99";
    let engine = open(&settings);
    connect(&engine).await;
    drop(engine);
    {
        let store = legion_hub::store::Store::open(&settings.paths, "test").unwrap();
        let kept = store
            .location_names(account)
            .unwrap()
            .expect("the sign-in's connection test names the locations");
        assert_eq!(kept.names.len(), LOCATIONS.len());
        store.remove_meta(&format!("{account}.locations")).unwrap();
    }
    let engine = open(&settings);
    let categories = SyncRequest {
        only: Some(SyncKind::Categories),
        ..SyncRequest::default()
    };
    // The sandbox counts its data endpoints' calls only; the hub counts every call it makes.
    let logs = engine.sync_mindbody(categories).await.unwrap();
    assert_eq!(logs[0].status, SyncStatus::Completed, "{logs:?}");
    assert_eq!(
        logs[0].api_calls, 2,
        "a page of categories and the locations, counted as the sync's"
    );

    let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    let calls: Vec<u64> = logs.iter().map(|l| l.api_calls).collect();
    assert_eq!(
        calls,
        [1, 1, 1, 1],
        "one page of each type, the names fresh"
    );
    let today = Local::now().date_naive();
    let report = engine
        .revenue_report(RevenueQuery {
            from: today - Duration::days(30),
            to: today,
            by: Some(Grouping::Location),
            period: None,
            currency: None,
            site: None,
        })
        .await
        .unwrap();
    let mut labels: Vec<&str> = report.rows.iter().map(|r| r.label.as_str()).collect();
    labels.sort();
    let names: Vec<&str> = LOCATIONS.iter().map(|(_, name)| *name).collect();
    assert_eq!(labels, names);
}
