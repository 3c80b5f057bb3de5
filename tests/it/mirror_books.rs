//! The books' own tables in the Postgres mirror, against a real PostgreSQL server (a throwaway
//! cluster, support/postgres.rs): a sandbox studio synced and its bank statement imported,
//! matched, a category re-classed and a match undone, each reaching Postgres to the cent, and
//! `mirror check` in step after each.

use legion_hub::api::reconcile::LineState;
use legion_hub::engine::{Engine, SyncRequest};
use legion_hub::mirror::MirrorConfig;
use legion_hub::secret::Secret;
use rust_decimal::Decimal;

use crate::support::postgres::Postgres;

const STUDIO: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

const BOOKS_TABLES: [&str; 5] = [
    "financial_classes",
    "bank_accounts",
    "bank_lines",
    "matches",
    "daily_totals",
];

fn count(pg: &Postgres, sql_from: &str) -> u64 {
    pg.psql(&format!("SELECT count(*) FROM {sql_from}"))
        .parse()
        .unwrap()
}

fn amount(pg: &Postgres, sql: &str) -> Decimal {
    let text = pg.psql(sql);
    if text.is_empty() {
        return Decimal::ZERO;
    }
    text.parse()
        .unwrap_or_else(|e| panic!("{sql}: {text:?}: {e}"))
}

/// Drains what waits and compares every table, the books' five among them.
async fn in_step(engine: &Engine) {
    let check = engine.mirror_check().await.unwrap();
    for table in BOOKS_TABLES {
        assert!(
            check.tables.iter().any(|t| t.table == table),
            "{table} is not checked: {check:#?}"
        );
    }
    assert!(check.in_step(), "{check:#?}");
}

/// Sales (not the books' own fee lines) added up: what the service grouping's day entries
/// must add up to, to the cent.
async fn net_sales(engine: &Engine, class: Option<&str>) -> Decimal {
    engine
        .transactions_since(None)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.is_sale() && (class.is_none() || t.class.as_deref() == class))
        .map(|t| t.amount)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_studios_books_reach_postgres_to_the_cent_and_stay_in_step() {
    use crate::support::mindbody::{connect, open, settings};
    use legion_hub::sandbox::bank::Statement;
    use legion_hub::sandbox::mindbody::MindbodySandbox;
    use legion_hub::sandbox::studio::Studio;

    let Some(pg) = Postgres::start() else {
        return crate::support::postgres::skip("mirror_books::a_studios_books_reach_postgres");
    };
    let sandbox = MindbodySandbox::start().await.expect("sandbox");
    sandbox.set_auto_approve(true);
    let now = chrono::Local::now().naive_local();
    let studio = Studio::new(2_400, 120, now - chrono::Duration::minutes(5), 20);
    sandbox.set_studio(studio.clone());
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&settings(dir.path(), &sandbox, |c| {
        c.mindbody.first_sync_days = Some(25);
        c.mirror = MirrorConfig {
            postgres_url: Some(Secret::new(pg.url())),
            studio_id: Some(STUDIO.to_string()),
            tokens: false,
        };
    }));
    connect(&engine).await;
    engine
        .sync_mindbody(SyncRequest::default())
        .await
        .expect("synced");
    crate::support::bank_files::import_ofx(&engine, &studio, now.date(), "studio.ofx").await;
    // What that file holds, to compare with.
    let statement =
        Statement::of(&studio, studio.first_sale.date(), now.date()).expect("statement");

    // The first connect: everything the hub holds, by backfill.
    engine.mirror_backfill().await.unwrap();
    let categories = engine.categories().await.unwrap();
    assert!(!categories.is_empty());
    assert_eq!(count(&pg, "financial_classes"), categories.len() as u64);
    assert_eq!(
        pg.psql("SELECT key || ' ' || name FROM bank_accounts"),
        "chase-business Chase business"
    );
    assert_eq!(count(&pg, "bank_lines"), statement.lines.len() as u64);
    let banked: Decimal = statement.lines.iter().map(|l| l.amount).sum();
    assert_eq!(
        amount(&pg, "SELECT sum(amount)::text FROM bank_lines"),
        banked
    );
    assert_eq!(count(&pg, "matches"), 0);
    let day_entries = "daily_totals WHERE period = 'day' AND dimension = 'service'";
    let net = format!("SELECT sum(sales - refunds)::text FROM {day_entries}");
    assert!(count(&pg, day_entries) > 0);
    assert_eq!(amount(&pg, &net), net_sales(&engine, None).await);
    // A month's entries add up to its days'.
    assert_eq!(
        amount(
            &pg,
            "SELECT sum(sales - refunds)::text FROM daily_totals WHERE period = 'month' AND dimension = 'method'"
        ),
        net_sales(&engine, None).await
    );
    in_step(&engine).await;

    // Matches accepted reach Postgres with their fees, exact; the fee lines post as
    // transactions, which the daily totals leave out (they are not sales).
    let accepted = engine.accept_above(None, 0.95).await.expect("accepted");
    assert!(accepted > 0);
    let matched: Vec<(String, Decimal)> = engine
        .reconcile_view(None)
        .await
        .unwrap()
        .lines
        .into_iter()
        .filter_map(|l| match l.state {
            LineState::Matched { match_id, fee, .. } => Some((match_id, fee)),
            _ => None,
        })
        .collect();
    in_step(&engine).await;
    let ids: std::collections::BTreeSet<&str> = matched.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(count(&pg, "matches"), ids.len() as u64);
    assert_eq!(count(&pg, "matches"), accepted);
    let fees: Decimal = engine
        .transactions_since(None)
        .await
        .unwrap()
        .iter()
        .filter(|t| !t.is_sale())
        .map(|t| -t.amount)
        .sum();
    assert!(fees > Decimal::ZERO);
    assert_eq!(amount(&pg, "SELECT sum(fee)::text FROM matches"), fees);
    assert_eq!(amount(&pg, &net), net_sales(&engine, None).await);

    // A category re-classed: its row says so, and the day entries move with its sales.
    let sales = engine.transactions_since(None).await.unwrap();
    let category = categories
        .iter()
        .max_by_key(|c| sales.iter().filter(|t| t.category_id == Some(c.id)).count())
        .unwrap();
    let moved = engine
        .map_category(category.id, Some("Retail sales".into()))
        .await
        .unwrap();
    assert!(moved > 0, "category {} has sales", category.id);
    in_step(&engine).await;
    assert_eq!(
        pg.psql(&format!(
            "SELECT financial_class FROM financial_classes WHERE category_id = {}",
            category.id
        )),
        "Retail sales"
    );
    assert_eq!(
        amount(&pg, &format!("{net} AND financial_class = 'Retail sales'")),
        net_sales(&engine, Some("Retail sales")).await
    );

    // An undone match is gone there too, and its fee line with it.
    let (undone, fee) = matched
        .iter()
        .find(|(_, fee)| !fee.is_zero())
        .expect("a card match with a fee");
    assert!(engine.undo_match(undone.clone()).await.unwrap());
    in_step(&engine).await;
    assert_eq!(count(&pg, &format!("matches WHERE key = '{undone}'")), 0);
    assert_eq!(count(&pg, "matches"), accepted - 1);
    assert_eq!(
        amount(&pg, "SELECT sum(fee)::text FROM matches"),
        fees - *fee
    );
    assert_eq!(
        count(
            &pg,
            &format!("transactions WHERE key = 'books:fee:{undone}'")
        ),
        0
    );
}
