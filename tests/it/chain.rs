//! A chain of studios in one hub (issue 17, item 6): a further Mindbody site is an integration of
//! its own, with its own sign-in, tokens, sync cursors, API call counters and history, against
//! the sandbox's chain; webhook deliveries are routed by the site they name.

use std::sync::Arc;
use std::time::Duration;

use chrono::Local;
use legion_hub::api::{ErrorKind, FrontEnd, NextStep};
use legion_hub::domain::{Provider, Status, SyncStatus};
use legion_hub::engine::{Engine, SyncRequest};
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::mindbody::MindbodySandbox;
use legion_hub::sandbox::studio::Studio;
use legion_hub::sandbox::webhooks::{SaleNotice, SendPlan};
use rust_decimal::Decimal;

use crate::support::mindbody::{connect, items, open, sales_only, settings};

/// The sandbox's chain (-99 and -98), each site with a studio of its own size.
async fn chain(first_sales: u64, second_sales: u64) -> (MindbodySandbox, tempfile::TempDir) {
    let sandbox = MindbodySandbox::start_sites(2).await.unwrap();
    sandbox.set_auto_approve(true);
    let anchor = Local::now().naive_local() - chrono::Duration::minutes(5);
    sandbox.set_studio_at("-99", Studio::new(first_sales, 40, anchor, 14));
    sandbox.set_studio_at("-98", Studio::new(second_sales, 30, anchor, 14));
    (sandbox, tempfile::tempdir().unwrap())
}

async fn keys_at(engine: &Engine, site: &str) -> usize {
    let prefix = format!("mindbody@{site}:");
    engine
        .transactions_since(None)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.key.starts_with(&prefix))
        .count()
}

#[tokio::test]
async fn a_further_site_signs_in_and_syncs_on_its_own_beside_the_first() {
    let (sandbox, dir) = chain(120, 75).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    connect(&engine).await;

    // Added: a row of its own after the first site's, waiting for its sign-in.
    let added = engine.add_mindbody_site("-98".into()).await.unwrap();
    assert_eq!(added.name, "Mindbody · site -98");
    assert_eq!(added.site.as_deref(), Some("-98"));
    assert_eq!(added.status, Status::Disconnected);
    assert_eq!(added.next_step, Some(NextStep::ConnectMindbody));
    let advice = added.advice(FrontEnd::CommandLine).unwrap();
    assert!(
        advice.contains("`legion-hub connect mindbody --site -98`"),
        "{advice}"
    );
    let names: Vec<String> = engine
        .integrations()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(
        names,
        [
            "Gemini",
            "Mindbody",
            "Mindbody · site -98",
            "Stripe",
            "GoCardless"
        ]
    );
    // Adding it again changes nothing; the first site's id names the first site.
    engine.add_mindbody_site("-98".into()).await.unwrap();
    assert_eq!(engine.mindbody_sites().await.unwrap(), ["-98"]);
    let first = engine.for_mindbody_site(Some("-99")).await.unwrap();
    assert_eq!(first.site(), None);
    let site = engine.for_mindbody_site(Some("-98")).await.unwrap();
    assert_eq!(site.site(), Some("-98"));

    // Not signed in there yet: the step names the site.
    let refused = site.sync_mindbody(sales_only()).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::NotReady);
    let said = refused.said(FrontEnd::CommandLine);
    assert!(said.contains("connect mindbody --site -98"), "{said}");

    // Its own sign-in: the sandbox's tokens work only at the site they were issued for, so a
    // sync that reads -98's sales proves the sign-in was for -98.
    site.connect_mindbody(true).await.unwrap();
    let at_98 = &site.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(at_98.status, SyncStatus::Completed, "{at_98:?}");
    assert_eq!(at_98.site.as_deref(), Some("-98"));
    assert_eq!(at_98.records.new, items(75));
    assert_eq!(keys_at(&engine, "-98").await as u64, items(75));
    assert_eq!(
        keys_at(&engine, "-99").await,
        0,
        "the first site has not synced"
    );

    // The first site syncs its own studio, from its own cursor.
    let at_99 = &engine.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(at_99.site, None);
    assert_eq!(at_99.records.new, items(120));
    assert_eq!(keys_at(&engine, "-98").await as u64, items(75));

    // Histories, call counters and statuses apart.
    let history_98 = site.sync_history(Provider::Mindbody, 0, 10).await.unwrap();
    assert_eq!(history_98.site.as_deref(), Some("-98"));
    assert_eq!(history_98.total, 1);
    let history_99 = engine
        .sync_history(Provider::Mindbody, 0, 10)
        .await
        .unwrap();
    assert_eq!((history_99.site, history_99.total), (None, 1));
    let (calls_98, _) = site.mindbody_calls_today().await.unwrap();
    assert_eq!(calls_98, at_98.api_calls);
    let views = engine.integrations().await.unwrap();
    for view in views.iter().filter(|v| v.provider == Provider::Mindbody) {
        assert_eq!(view.status, Status::Connected, "{}", view.name);
        assert!(view.last_sync_at.is_some(), "{}", view.name);
    }

    // Disconnecting the further site leaves the first signed in; removing it keeps its books.
    site.disconnect_mindbody().await.unwrap();
    let views = engine.integrations().await.unwrap();
    let status = |name: &str| views.iter().find(|v| v.name == name).unwrap().status;
    assert_eq!(status("Mindbody · site -98"), Status::Disconnected);
    assert_eq!(status("Mindbody"), Status::Connected);
    assert!(engine.remove_mindbody_site("-98".into()).await.unwrap());
    assert!(!engine.remove_mindbody_site("-98".into()).await.unwrap());
    assert_eq!(engine.integrations().await.unwrap().len(), 4);
    assert_eq!(keys_at(&engine, "-98").await as u64, items(75));
}

#[tokio::test]
async fn a_site_the_hub_does_not_serve_is_refused_with_how_to_add_it() {
    let (sandbox, dir) = chain(10, 10).await;
    let engine = open(&settings(dir.path(), &sandbox, |_| {}));
    // Nothing to share yet: the chain's sites sign in with the first site's settings.
    let early = engine.add_mindbody_site("-98".into()).await.unwrap_err();
    assert_eq!(early.step, Some(NextStep::ConfigureMindbody));
    connect(&engine).await;
    let unknown = engine.for_mindbody_site(Some("-97")).await.err().unwrap();
    assert_eq!(unknown.step, Some(NextStep::AddMindbodySite));
    assert!(
        unknown
            .said(FrontEnd::CommandLine)
            .contains("legion-hub mindbody add-site"),
        "{unknown:?}"
    );
    for bad in ["abc", "", "12 34"] {
        let refused = engine.add_mindbody_site(bad.into()).await.unwrap_err();
        assert_eq!(refused.kind, ErrorKind::Invalid, "{bad:?}");
    }
    let first = engine.add_mindbody_site("-99".into()).await.unwrap_err();
    assert!(first.message.contains("already"), "{first:?}");
    // A further site shares the first site's settings: it has none of its own to change.
    let site = engine.at_site(Some("-98"));
    engine.add_mindbody_site("-98".into()).await.unwrap();
    let refused = site
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
            &legion_hub::demo::free_redirect_uri(),
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Invalid);
}

/// Deliveries are routed by the site they name: a site the hub serves goes into the books under
/// its own key; one it does not serve is kept, failed with what to do, and taken in once the
/// site is added and the failed deliveries are retried.
#[tokio::test]
async fn deliveries_of_a_site_not_served_are_kept_and_applied_once_it_is_added() {
    let sandbox = Arc::new(Sandbox::start_sites(2).await.unwrap());
    sandbox.mindbody.set_auto_approve(true);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sandbox.mindbody, |_| {});
    settings.config.mindbody = sandbox.mindbody_endpoints();
    let engine = open(&settings);
    connect(&engine).await;
    let (_services, _) = crate::support::serving::receiving_here(&engine, &settings).await;
    let now = Local::now().naive_local();
    let body = |site: &str, n: i64| {
        sandbox.webhooks.sale_body_at(
            site,
            &SaleNotice {
                sale_id: 9_700_000 + n,
                at: now,
                client_id: "100000009".into(),
                total: Decimal::new(2_500, 2),
                item_id: 1370,
                item_name: "Drop-in Class".into(),
            },
        )
    };
    let sent = sandbox
        .webhooks
        .send(vec![body("-99", 1), body("-98", 2)], &SendPlan::default())
        .await;
    assert_eq!(sent.acknowledged.len(), 2, "both are stored: {sent:?}");
    let settled = |engine: &Engine| {
        let engine = engine.clone();
        async move {
            for _ in 0..500 {
                let summary = engine.webhook_summary().await.unwrap();
                if summary.pending == 0 && summary.counts.processed + summary.counts.failed >= 2 {
                    return summary;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("the deliveries were never processed");
        }
    };
    let summary = settled(&engine).await;
    assert_eq!(
        (summary.counts.processed, summary.counts.failed),
        (1, 1),
        "{summary:?}"
    );
    assert_eq!(keys_at(&engine, "-99").await, 1);
    assert_eq!(keys_at(&engine, "-98").await, 0, "not served: not applied");
    let events = engine.webhook_events(0, 10).await.unwrap();
    let failed = events
        .rows
        .iter()
        .find(|r| r.detail.contains("site -98"))
        .expect("the failed delivery is shown");
    assert!(
        failed.detail.contains("legion-hub mindbody add-site -98"),
        "{failed:?}"
    );

    engine.add_mindbody_site("-98".into()).await.unwrap();
    assert_eq!(engine.retry_webhook_events().await.unwrap(), 1);
    for _ in 0..500 {
        if keys_at(&engine, "-98").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(keys_at(&engine, "-98").await, 1, "applied once served");
    assert_eq!(keys_at(&engine, "-99").await, 1);
}

/// Attached to the process that owns the data (a dashboard or `serve`), a command for a further
/// site crosses the control socket as that site's: the owner signs in and syncs -98, and an
/// error it gives back names the site in its step.
#[tokio::test]
async fn a_site_s_calls_cross_the_control_socket_as_that_site_s() {
    let (sandbox, dir) = chain(20, 35).await;
    let settings = settings(dir.path(), &sandbox, |_| {});
    let owner = open(&settings);
    connect(&owner).await;
    owner.add_mindbody_site("-98".into()).await.unwrap();
    let socket = settings.paths.control_socket();
    let _serving = legion_hub::server::control::start(owner.local().unwrap(), &socket).unwrap();
    let remote = Engine::attach_or_open(&settings, legion_hub::engine::Role::Command)
        .await
        .unwrap();
    assert!(remote.is_remote());
    let site = remote.for_mindbody_site(Some("-98")).await.unwrap();
    assert_eq!(site.site(), Some("-98"));
    // A site the owner does not serve is refused there too (a call for it would key records
    // no screen lists).
    let stray = remote
        .at_site(Some("-97"))
        .test_mindbody()
        .await
        .unwrap_err();
    assert_eq!(stray.step, Some(NextStep::AddMindbodySite), "{stray:?}");
    let refused = site.sync_mindbody(sales_only()).await.unwrap_err();
    assert!(
        refused
            .said(FrontEnd::CommandLine)
            .contains("connect mindbody --site -98"),
        "{refused:?}"
    );
    site.connect_mindbody(true).await.unwrap();
    let synced = &site.sync_mindbody(sales_only()).await.unwrap()[0];
    assert_eq!(synced.site.as_deref(), Some("-98"));
    assert_eq!(synced.records.new, items(35));
    assert_eq!(keys_at(&owner, "-98").await as u64, items(35));
    assert_eq!(keys_at(&owner, "-99").await, 0);
}

/// Each site of a chain banks its own takings, at the same processor (the sandbox's sites share
/// its merchant accounts, so a day's batch of one merchant holds both sites' cards): the
/// account a site pays into is matched to that site's sales alone, and its deposits then fit
/// their batches exactly, as a one-site studio's do.
#[tokio::test]
async fn a_site_s_bank_account_is_reconciled_against_that_site_s_sales() {
    use legion_hub::api::reconcile::LineState;
    use legion_hub::sandbox::bank::{Pays, Statement};

    let sandbox = MindbodySandbox::start_sites(2).await.unwrap();
    sandbox.set_auto_approve(true);
    let now = Local::now().naive_local();
    let anchor = now - chrono::Duration::minutes(5);
    sandbox.set_studio_at("-99", Studio::new(1_200, 80, anchor, 20));
    sandbox.set_studio_at("-98", Studio::new(1_200, 70, anchor, 20));
    // The site's studio as the sandbox serves it (its data are seeded from its site).
    let second = sandbox.with_studio_at("-98", |served| served.clone());
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&settings(dir.path(), &sandbox, |c| {
        c.mindbody.first_sync_days = Some(25);
    }));
    connect(&engine).await;
    engine.add_mindbody_site("-98".into()).await.unwrap();
    let site = engine.at_site(Some("-98"));
    site.connect_mindbody(true).await.unwrap();
    for handle in [&engine, &site] {
        for log in handle.sync_mindbody(SyncRequest::default()).await.unwrap() {
            assert_eq!(log.status, SyncStatus::Completed, "{log:?}");
        }
    }

    let statement = Statement::of(&second, second.first_sale.date(), now.date()).unwrap();
    crate::support::bank_files::import_statement(&engine, &statement, "Downtown", "downtown.ofx")
        .await;
    let payouts = statement
        .lines
        .iter()
        .filter(|l| matches!(l.pays, Pays::Card { .. }))
        .count();
    let exact = |view: &legion_hub::api::reconcile::ReconcileView| {
        view.lines
            .iter()
            .filter(|l| matches!(&l.state, LineState::Suggested { best } if best.exact))
            .count()
    };

    // Against every site's sales, a batch holds the other site's cards too.
    let mixed = engine
        .reconcile_view(Some("downtown".into()))
        .await
        .unwrap();
    assert_eq!(mixed.site, None);
    let refused = engine
        .set_bank_account_site("downtown".into(), Some("-97".into()))
        .await
        .unwrap_err();
    assert_eq!(refused.step, Some(NextStep::AddMindbodySite));
    let account = engine
        .set_bank_account_site("Downtown".into(), Some("-98".into()))
        .await
        .unwrap();
    assert_eq!(account.site.as_deref(), Some("-98"));
    let own = engine
        .reconcile_view(Some("downtown".into()))
        .await
        .unwrap();
    assert_eq!(own.site.as_deref(), Some("-98"));
    assert!(
        exact(&own) >= payouts * 9 / 10,
        "{} exact of {payouts} payouts with the site's sales alone",
        exact(&own)
    );
    assert!(
        exact(&mixed) < exact(&own),
        "every site's sales fit fewer: {} against {}",
        exact(&mixed),
        exact(&own)
    );
}
