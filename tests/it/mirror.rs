//! The Postgres mirror against a real PostgreSQL server (a throwaway cluster, see
//! support/postgres.rs): the backfill of a synced studio, changes after it, a check that finds
//! what was tampered with, Postgres stopped and started mid-mirror, sealed secrets only, the
//! lease, and the recorded migrations.

use std::path::Path;
use std::time::{Duration, Instant};

use legion_hub::config::Settings;
use legion_hub::engine::{Engine, EngineOptions, Role};
use legion_hub::mirror::MirrorConfig;
use legion_hub::secret::Secret;

use crate::support::postgres::Postgres;

const STUDIO: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

fn mirrored(data: &Path, pg: &Postgres, studio: &str, tokens: bool) -> Settings {
    let mut settings = crate::support::settings_in(data);
    settings.config.mirror = MirrorConfig {
        postgres_url: Some(Secret::new(pg.url())),
        studio_id: Some(studio.to_string()),
        tokens,
    };
    settings
}

fn open(settings: &Settings) -> Engine {
    Engine::open_with(settings, Role::Command, EngineOptions::default()).unwrap()
}

async fn synced(data: &Path) {
    crate::support::secrets::synced_studio(data).await;
}

fn count(pg: &Postgres, table: &str) -> u64 {
    pg.psql(&format!("SELECT count(*) FROM {table}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synced_studio_reaches_postgres_row_for_row_and_the_check_finds_what_differs() {
    let Some(pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror::a_synced_studio_reaches_postgres");
    };
    let dir = tempfile::tempdir().unwrap();
    synced(dir.path()).await;
    let engine = open(&mirrored(dir.path(), &pg, STUDIO, false));

    let sent = engine.mirror_backfill().await.unwrap();
    let transactions = engine.transactions_since(None).await.unwrap();
    let customers = engine.customers().await.unwrap();
    assert!(transactions.len() > 1000, "{}", transactions.len());
    assert_eq!(count(&pg, "transactions"), transactions.len() as u64);
    assert_eq!(count(&pg, "customers"), customers.len() as u64);
    assert!(sent.rows_sent >= (transactions.len() + customers.len()) as u64);
    assert!(count(&pg, "integration_sync_logs") > 0);
    assert_eq!(
        pg.psql("SELECT provider || ' ' || status FROM integrations WHERE provider = 'mindbody'"),
        "mindbody connected"
    );
    // tokens = false: no secret of any kind goes, not even sealed.
    assert_eq!(count(&pg, "integration_tokens"), 0);
    assert_eq!(
        pg.psql("SELECT count(*) FROM integrations WHERE credentials IS NOT NULL"),
        "0"
    );
    // Amounts exact, in their currency.
    let one = &transactions[0];
    assert_eq!(
        pg.psql(&format!(
            "SELECT amount::text || ' ' || currency FROM transactions WHERE key = '{}'",
            one.key
        )),
        format!("{} {}", one.amount, one.currency)
    );
    let check = engine.mirror_check().await.unwrap();
    assert!(check.in_step(), "{check:#?}");

    // Changes after the backfill: a delete and new runs are noted and sent.
    let gone = transactions[1].key.clone();
    assert!(engine.delete_transaction(gone.clone()).await.unwrap());
    engine
        .import_sync_history(
            legion_hub::domain::Provider::Mindbody,
            crate::support::runs(legion_hub::domain::Provider::Mindbody, 3),
        )
        .await
        .unwrap();
    let status = engine.mirror_status().await.unwrap();
    assert!(status.rows_waiting >= 4, "{status:?}");
    let check = engine.mirror_check().await.unwrap();
    assert!(check.in_step(), "{check:#?}");
    assert_eq!(count(&pg, "transactions"), transactions.len() as u64 - 1);
    assert_eq!(
        pg.psql(&format!(
            "SELECT count(*) FROM transactions WHERE key = '{gone}'"
        )),
        "0"
    );
    assert_eq!(engine.mirror_status().await.unwrap().rows_waiting, 0);

    // Someone changes a row in Postgres and adds one: the check names both.
    let tampered = transactions[2].key.clone();
    pg.psql(&format!(
        "UPDATE transactions SET amount = amount + 1 WHERE key = '{tampered}'"
    ));
    pg.psql(&format!(
        "INSERT INTO transactions (user_id, key, source, occurred_at, amount, currency, hub_version) \
         VALUES ('{STUDIO}', 'stripe:charge:stray', 'stripe', now(), 1, 'USD', 1)"
    ));
    let check = engine.mirror_check().await.unwrap();
    let table = check
        .tables
        .iter()
        .find(|t| t.table == "transactions")
        .unwrap();
    assert_eq!((table.differing, table.extra, table.missing), (1, 1, 0));
    assert_eq!(table.differing_keys, vec![tampered]);
    assert_eq!(table.extra_keys, ["stripe:charge:stray"]);
    assert_ne!(table.hub_checksum, table.postgres_checksum);
    // A backfill sends the hub's rows again; a newer reading wins over the row there.
    engine.mirror_backfill().await.unwrap();
    let check = engine.mirror_check().await.unwrap();
    let table = check
        .tables
        .iter()
        .find(|t| t.table == "transactions")
        .unwrap();
    assert_eq!((table.differing, table.extra), (0, 1), "{table:?}");
}

/// A chain's further site is a row of its own in the seed's tables: its integration and its
/// runs under `mindbody@-98`, beside the first site's `mindbody`, so `UNIQUE(user_id, provider)`
/// holds; taken off the hub, its integration row goes and its history stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_s_further_site_is_a_row_of_its_own_in_postgres() {
    let Some(pg) = Postgres::start() else {
        return crate::support::postgres::skip(
            "mirror::a_chain_s_further_site_is_a_row_of_its_own",
        );
    };
    let dir = tempfile::tempdir().unwrap();
    synced(dir.path()).await;
    let engine = open(&mirrored(dir.path(), &pg, STUDIO, false));
    engine.add_mindbody_site("-98".into()).await.unwrap();
    let mindbody = legion_hub::domain::Provider::Mindbody;
    engine
        .at_site(Some("-98"))
        .import_sync_history(mindbody, crate::support::runs(mindbody, 3))
        .await
        .unwrap();
    engine.mirror_backfill().await.unwrap();
    assert_eq!(
        pg.psql("SELECT string_agg(provider || ' ' || status, ', ' ORDER BY provider) FROM integrations WHERE provider LIKE 'mindbody%'"),
        "mindbody connected, mindbody@-98 connected"
    );
    assert_eq!(
        pg.psql("SELECT count(*) FROM integration_sync_logs WHERE provider = 'mindbody@-98'"),
        "3"
    );
    let check = engine.mirror_check().await.unwrap();
    assert!(check.in_step(), "{check:#?}");

    assert!(engine.remove_mindbody_site("-98".into()).await.unwrap());
    engine.mirror_backfill().await.unwrap();
    assert_eq!(
        pg.psql("SELECT count(*) FROM integrations WHERE provider = 'mindbody@-98'"),
        "0"
    );
    assert_eq!(
        pg.psql("SELECT count(*) FROM integration_sync_logs WHERE provider = 'mindbody@-98'"),
        "3"
    );
    assert!(engine.mirror_check().await.unwrap().in_step());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_mid_mirror_loses_nothing_and_the_status_says_so() {
    let Some(mut pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror::postgres_stopped_mid_mirror");
    };
    let dir = tempfile::tempdir().unwrap();
    synced(dir.path()).await;
    let engine = open(&mirrored(dir.path(), &pg, STUDIO, false));
    let Engine::Local(core) = &engine else {
        panic!("this test owns the data")
    };
    core.start_mirror();
    wait_until("the backfill is sent", || async {
        let s = engine.mirror_status().await.unwrap();
        s.backfill.is_none() && s.rows_waiting == 0 && s.state.connected
    })
    .await;

    pg.stop();
    let transactions = engine.transactions_since(None).await.unwrap();
    for tx in transactions.iter().take(25) {
        engine.delete_transaction(tx.key.clone()).await.unwrap();
    }
    wait_until("the mirror says it lost Postgres", || async {
        let s = engine.mirror_status().await.unwrap();
        !s.state.connected && s.state.last_error.is_some()
    })
    .await;
    let status = engine.mirror_status().await.unwrap();
    assert!(status.rows_waiting >= 25, "{status:?}");
    // What the status glance reads without the records: kept by the task when it failed.
    wait_until("the waiting changes are kept for the glance", || async {
        let kept = engine.kept_mirror_status().await.unwrap().unwrap();
        kept.rows_waiting >= 25 && kept.oldest_waiting_at.is_some() && !kept.state.connected
    })
    .await;
    let line = status.line(chrono::Utc::now()).unwrap();
    assert!(line.contains("not connected"), "{line}");
    assert!(line.contains("waiting"), "{line}");
    assert!(
        !line.contains("postgres@"),
        "no user or password shown: {line}"
    );

    pg.restart();
    wait_until("the waiting changes are sent", || async {
        let s = engine.mirror_status().await.unwrap();
        s.rows_waiting == 0 && s.state.connected
    })
    .await;
    assert_eq!(count(&pg, "transactions"), transactions.len() as u64 - 25);
    let check = engine.mirror_check().await.unwrap();
    assert!(check.in_step(), "{check:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_sealed_secrets_reach_postgres_and_only_when_allowed() {
    let Some(pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror::only_sealed_secrets");
    };
    let dir = tempfile::tempdir().unwrap();
    synced(dir.path()).await;
    let engine = open(&mirrored(dir.path(), &pg, STUDIO, true));
    engine.mirror_backfill().await.unwrap();
    assert_eq!(count(&pg, "integration_tokens"), 1);
    let token = pg.psql("SELECT access_token FROM integration_tokens");
    assert!(token.starts_with("sealed:"), "{token}");
    assert!(
        token["sealed:".len()..]
            .chars()
            .all(|c| c.is_ascii_hexdigit())
    );
    assert_eq!(
        pg.psql("SELECT count(*) FROM integration_tokens WHERE refresh_token IS NOT NULL"),
        "0"
    );
    let credentials =
        pg.psql("SELECT credentials::text FROM integrations WHERE provider = 'mindbody'");
    assert!(credentials.contains("\"sealed\""), "{credentials}");
    let everything = [
        pg.psql("SELECT string_agg(t::text, ' ') FROM integrations t"),
        pg.psql("SELECT string_agg(t::text, ' ') FROM integration_tokens t"),
    ]
    .join(" ");
    for secret in crate::support::secrets::mindbody_secrets().values() {
        assert!(!everything.contains(secret), "{secret} reached Postgres");
    }
    assert!(engine.mirror_check().await.unwrap().in_step());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_hub_given_the_same_studio_is_refused() {
    let Some(pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror::a_second_hub");
    };
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let one = open(&mirrored(first.path(), &pg, STUDIO, false));
    one.mirror_backfill().await.unwrap();
    let two = open(&mirrored(second.path(), &pg, STUDIO, false));
    let error = two.mirror_backfill().await.unwrap_err().to_string();
    assert!(error.contains("already mirrored by another hub"), "{error}");
    assert!(
        error.contains("give this hub its own [mirror] studio_id"),
        "{error}"
    );
    // Another studio in the same database is fine, and its rows are its own.
    drop(two);
    let other = "0d6f8a5e-3b1c-4e2a-9f7d-1a2b3c4d5e6f";
    let three = open(&mirrored(second.path(), &pg, other, false));
    three.mirror_backfill().await.unwrap();
    assert_eq!(
        pg.psql("SELECT count(DISTINCT user_id) FROM legion_hub_leases"),
        "2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_is_migrated_once_and_a_newer_one_is_refused() {
    let Some(pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror::the_schema_is_migrated_once");
    };
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&mirrored(dir.path(), &pg, STUDIO, false));
    engine.mirror_backfill().await.unwrap();
    engine.mirror_backfill().await.unwrap();
    assert_eq!(
        pg.psql(
            "SELECT string_agg(version::text, ',' ORDER BY version) FROM legion_hub_migrations"
        ),
        "1,2,3,4"
    );
    // The seed's unique key, as the web app relies on it.
    assert_eq!(
        pg.psql(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'integrations'::regclass AND contype = 'u'"
        ),
        "UNIQUE (user_id, provider)"
    );
    pg.psql("INSERT INTO legion_hub_migrations (version, name) VALUES (99, 'from the future')");
    let error = engine.mirror_check().await.unwrap_err().to_string();
    assert!(error.contains("schema 99"), "{error}");
    assert!(error.contains("upgrade legion-hub"), "{error}");
}

/// The row-level security the README gives for Supabase, run as written there: a signed-in
/// studio sees its own rows and no other's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_row_level_security_keeps_each_studio_to_its_rows() {
    let Some(pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror::the_readmes_row_level_security");
    };
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&mirrored(dir.path(), &pg, STUDIO, false));
    engine
        .import_sync_history(
            legion_hub::domain::Provider::Mindbody,
            crate::support::runs(legion_hub::domain::Provider::Mindbody, 3),
        )
        .await
        .unwrap();
    engine.mirror_backfill().await.unwrap();
    let other = "0d6f8a5e-3b1c-4e2a-9f7d-1a2b3c4d5e6f";
    pg.psql(&format!(
        "INSERT INTO integration_sync_logs (user_id, provider, sync_type, status) VALUES ('{other}', 'mindbody', 'sales', 'completed')"
    ));
    // Supabase's own: auth.uid() reads the signed-in user from the request's JWT claims.
    pg.psql(
        "CREATE SCHEMA auth; \
         CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS \
           $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$; \
         CREATE ROLE authenticated; GRANT USAGE ON SCHEMA auth TO authenticated; \
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO authenticated",
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let from = readme.find("For Supabase").expect("the README's RLS part");
    let block = &readme[from..];
    let start = block.find("```sql\n").unwrap() + "```sql\n".len();
    let policies = &block[start..start + block[start..].find("```").unwrap()];
    assert!(
        policies.matches("ENABLE ROW LEVEL SECURITY").count() >= 5,
        "{policies}"
    );
    pg.psql(policies);
    let seen_by = |user: &str| {
        pg.psql(&format!(
            "BEGIN; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claim.sub = '{user}'; \
             SELECT count(*) FROM integration_sync_logs; COMMIT"
        ))
    };
    assert_eq!(seen_by(STUDIO), "3");
    assert_eq!(seen_by(other), "1");
    assert_eq!(count(&pg, "integration_sync_logs"), 4, "the owner sees all");
}

/// Polls `ready` until it holds (the mirror's task works in the background), failing after a
/// minute with what was awaited.
async fn wait_until<F, Fut>(what: &str, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready().await {
        assert!(Instant::now() < deadline, "waited a minute for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
