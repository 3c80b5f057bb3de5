//! Revenue reports on the sandbox studio: the report's totals equal the transactions to the cent
//! for every grouping; a re-class moves the amount between classes; a webhook sale adds to today;
//! a delete takes away. The reports read the daily totals kept on every write; these tests read
//! the transactions themselves to check them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Local, NaiveDate};
use legion_hub::api::reports::{GroupRef, Grouping, Period, RevenueQuery, RevenueReport};
use legion_hub::books::Transaction;
use legion_hub::engine::{Engine, SyncRequest};
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;
use rust_decimal::Decimal;

struct Hub {
    sandbox: Arc<Sandbox>,
    engine: Engine,
    _services: legion_hub::server::Services,
    _dir: tempfile::TempDir,
}

async fn synced_hub() -> Hub {
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    sandbox.mindbody.set_auto_approve(true);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::support::mindbody::settings(dir.path(), &sandbox.mindbody, |_| {});
    settings.config.mindbody = sandbox.mindbody_endpoints();
    let engine = crate::support::mindbody::open(&settings);
    crate::support::mindbody::connect(&engine).await;
    let (services, _) = crate::support::serving::receiving_here(&engine, &settings).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    Hub {
        sandbox,
        engine,
        _services: services,
        _dir: dir,
    }
}

fn account(key: &str) -> String {
    key.split_once(':').map_or(key, |(a, _)| a).to_string()
}

/// The group a transaction is in, worked out here from the transaction itself.
fn group_of(tx: &Transaction, by: Grouping) -> GroupRef {
    match by {
        Grouping::Class => GroupRef::Class {
            class: tx.class.clone(),
        },
        Grouping::Category => GroupRef::Category {
            account: account(&tx.key),
            category: tx.category_id,
        },
        Grouping::Method => GroupRef::Method {
            method: tx.payment_method.clone(),
        },
        Grouping::Location => GroupRef::Location {
            account: account(&tx.key),
            location: tx.location_id,
        },
        Grouping::Site => GroupRef::Site {
            account: account(&tx.key),
        },
    }
}

async fn sales(engine: &Engine) -> Vec<Transaction> {
    engine
        .transactions_since(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.is_sale())
        .collect()
}

async fn report(engine: &Engine, from: NaiveDate, to: NaiveDate, by: Grouping) -> RevenueReport {
    report_of(engine, from, to, by, None).await.unwrap()
}

/// By month, of one site or (None) every site.
async fn report_of(
    engine: &Engine,
    from: NaiveDate,
    to: NaiveDate,
    by: Grouping,
    site: Option<&str>,
) -> Result<RevenueReport, legion_hub::api::ApiError> {
    engine
        .revenue_report(RevenueQuery {
            from,
            to,
            by: Some(by),
            period: Some(Period::Month),
            currency: None,
            site: site.map(str::to_string),
        })
        .await
}

/// Every grouping's rows (and the whole) equal the transactions' sums, to the cent.
async fn assert_report_equals_the_transactions(engine: &Engine) -> (NaiveDate, NaiveDate) {
    let all = sales(engine).await;
    assert!(all.len() > 100, "the studio synced: {}", all.len());
    let from = all.iter().map(|t| t.date.date()).min().unwrap();
    let to = all.iter().map(|t| t.date.date()).max().unwrap();
    for by in Grouping::ALL {
        let report = report(engine, from, to, by).await;
        assert_eq!(report.currency, "USD");
        let mut expected: BTreeMap<GroupRef, (Decimal, Decimal, u64)> = BTreeMap::new();
        for tx in &all {
            let cell = expected.entry(group_of(tx, by)).or_default();
            cell.0 += tx.amount;
            cell.1 += tx.discount;
            cell.2 += 1;
        }
        let got: BTreeMap<GroupRef, (Decimal, Decimal, u64)> = report
            .rows
            .iter()
            .filter(|r| r.parent.is_none())
            .map(|r| {
                (
                    r.group.clone().unwrap(),
                    (r.total.net, r.total.discounts, r.total.count),
                )
            })
            .collect();
        assert_eq!(got, expected, "by {}", by.name());
        let whole: Decimal = all.iter().map(|t| t.amount).sum();
        assert_eq!(report.total.net, whole, "by {}", by.name());
        assert_eq!(report.total.count, all.len() as u64);
        let by_columns: Decimal = report.column_totals.iter().map(|c| c.net).sum();
        assert_eq!(by_columns, whole);
        assert!(report.total.refunds >= Decimal::ZERO);
    }
    (from, to)
}

fn net_of(report: &RevenueReport, class: Option<&str>) -> Decimal {
    report
        .rows
        .iter()
        .find(|r| {
            r.parent.is_none()
                && r.group
                    == Some(GroupRef::Class {
                        class: class.map(str::to_string),
                    })
        })
        .map_or(Decimal::ZERO, |r| r.total.net)
}

/// A chain's sales arrive by webhook from each of its sites: the report by site puts them side
/// by side, each to the cent of its own transactions, and `site` keeps one site's alone.
#[tokio::test]
async fn the_report_by_site_and_of_one_site_add_up_each_sites_sales() {
    let hub = synced_hub().await;
    let engine = &hub.engine;
    // The hub serves the chain's second site: its deliveries are taken into the books.
    engine.add_mindbody_site("-98".into()).await.unwrap();
    let was = sales(engine).await.len();
    let now = Local::now().naive_local();
    let bodies: Vec<Vec<u8>> = [(1u8, 1_250i64), (2, 3_000), (3, 4_999)]
        .into_iter()
        .map(|(n, cents)| {
            let sale = legion_hub::sandbox::webhooks::SaleNotice {
                sale_id: 9_800_000 + i64::from(n),
                at: now,
                client_id: "100000009".into(),
                total: Decimal::new(cents, 2),
                item_id: 1370,
                item_name: "Drop-in Class".into(),
            };
            hub.sandbox.webhooks.sale_body_at("-98", &sale)
        })
        .collect();
    let sent = hub
        .sandbox
        .webhooks
        .send(bodies, &SendPlan::default())
        .await;
    assert_eq!(sent.acknowledged.len(), 3, "{sent:?}");
    for _ in 0..500 {
        if sales(engine).await.len() >= was + 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all = sales(engine).await;
    let at_98: Vec<&Transaction> = all
        .iter()
        .filter(|t| t.key.starts_with("mindbody@-98:"))
        .collect();
    assert_eq!(at_98.len(), 3, "the second site's sales are in the books");
    let from = all.iter().map(|t| t.date.date()).min().unwrap();
    let to = all.iter().map(|t| t.date.date()).max().unwrap();

    // Every grouping, site among them, still adds up to the transactions.
    assert_report_equals_the_transactions(engine).await;
    let by_site = report(engine, from, to, Grouping::Site).await;
    let labels: Vec<&str> = by_site.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels.contains(&"Mindbody · site -98"), "{labels:?}");
    assert!(labels.contains(&"Mindbody · site -99"), "{labels:?}");

    // One site alone: its sales, to the cent, whatever the grouping.
    let of_site = |site: &'static str, by: Grouping| report_of(engine, from, to, by, Some(site));
    let expected: Decimal = at_98.iter().map(|t| t.amount).sum();
    assert_eq!(expected, Decimal::new(9_249, 2));
    for by in Grouping::ALL {
        let report = of_site("-98", by).await.unwrap();
        assert_eq!(report.total.net, expected, "by {}", by.name());
        assert_eq!(report.total.count, 3, "by {}", by.name());
        assert_eq!(report.site.as_deref(), Some("-98"));
    }
    let home: Decimal = all
        .iter()
        .filter(|t| t.key.starts_with("mindbody@-99:"))
        .map(|t| t.amount)
        .sum();
    assert_eq!(
        of_site("-99", Grouping::Class).await.unwrap().total.net,
        home
    );
    let none = of_site("-97", Grouping::Class).await.unwrap();
    assert_eq!((none.total.count, none.rows.len()), (0, 0));
    let refused = of_site("not a site!", Grouping::Class).await.unwrap_err();
    assert!(refused.to_string().contains("site id"), "{refused}");
}

#[tokio::test]
async fn the_revenue_report_equals_the_transactions_and_follows_reclass_webhook_and_delete() {
    let hub = synced_hub().await;
    let engine = &hub.engine;
    let (from, to) = assert_report_equals_the_transactions(engine).await;

    // A re-class of a category moves its sales from one class to another.
    let all = sales(engine).await;
    let category = all.iter().find_map(|t| t.category_id).unwrap();
    let in_category: Vec<&Transaction> = all
        .iter()
        .filter(|t| t.category_id == Some(category))
        .collect();
    let moved: Decimal = in_category.iter().map(|t| t.amount).sum();
    let old_class = in_category[0].class.clone();
    assert!(in_category.iter().all(|t| t.class == old_class));
    let before = report(engine, from, to, Grouping::Class).await;
    let changed = engine
        .map_category(category, Some("Reports test class".into()))
        .await
        .unwrap();
    assert_eq!(changed, in_category.len());
    let after = report(engine, from, to, Grouping::Class).await;
    assert_eq!(net_of(&after, Some("Reports test class")), moved);
    assert_eq!(
        net_of(&after, old_class.as_deref()),
        net_of(&before, old_class.as_deref()) - moved
    );
    assert_eq!(after.total, before.total);
    assert_report_equals_the_transactions(engine).await;

    // A webhook's sale adds to today.
    let today = Local::now().date_naive();
    let overview = |engine: &Engine| {
        let engine = engine.clone();
        async move {
            engine
                .revenue_overview(today, Grouping::Class)
                .await
                .unwrap()
        }
    };
    let day_of = |o: &legion_hub::api::reports::RevenueOverview| {
        o.days.iter().find(|d| d.day == today).unwrap().amounts
    };
    let was = overview(engine).await;
    let notice = hub
        .sandbox
        .mindbody
        .with_studio(|s| s.add_sale(Local::now().naive_local(), Decimal::new(4_321, 2)));
    let body = hub.sandbox.webhooks.sale_body(&notice);
    hub.sandbox
        .webhooks
        .send(vec![body], &SendPlan::default())
        .await;
    let mut now = overview(engine).await;
    for _ in 0..500 {
        if day_of(&now).count > day_of(&was).count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        now = overview(engine).await;
    }
    assert_eq!(day_of(&now).net, day_of(&was).net + Decimal::new(4_321, 2));
    assert_eq!(
        now.this_month.net,
        was.this_month.net + Decimal::new(4_321, 2)
    );
    let in_days: Decimal = now.days.iter().map(|d| d.amounts.net).sum();
    assert_eq!(in_days, now.this_month.net);
    assert_eq!(now.month_totals.last().unwrap().net, now.this_month.net);

    // A delete takes the sale away.
    let gone = sales(engine)
        .await
        .into_iter()
        .find(|t| t.date.date() == today && t.amount > Decimal::ZERO)
        .unwrap();
    assert!(engine.delete_transaction(gone.key.clone()).await.unwrap());
    let then = overview(engine).await;
    assert_eq!(day_of(&then).net, day_of(&now).net - gone.amount);
    assert_eq!(day_of(&then).count, day_of(&now).count - 1);
    assert_report_equals_the_transactions(engine).await;
}

#[tokio::test]
async fn the_overview_adds_up_and_a_cell_lists_its_transactions() {
    let hub = synced_hub().await;
    let engine = &hub.engine;
    let all = sales(engine).await;
    let month = all.iter().map(|t| t.date.date()).max().unwrap();
    let overview = engine
        .revenue_overview(month, Grouping::Category)
        .await
        .unwrap();
    assert_eq!(overview.months.len(), 12);
    assert_eq!(*overview.months.last().unwrap(), overview.month);
    let rows_this_month: Decimal = overview.rows.iter().map(|r| r.months[11].net).sum();
    assert_eq!(rows_this_month, overview.this_month.net);
    let whole: Decimal = overview.month_totals.iter().map(|m| m.net).sum();
    assert_eq!(whole, overview.total.net);
    let row = &overview.rows[0];
    let cell = engine
        .revenue_cell(month, row.group.clone(), overview.currency.clone())
        .await
        .unwrap();
    assert_eq!(cell.amounts, row.months[11]);
    assert_eq!(cell.total_count, cell.transactions.len() as u64);
    let listed: Decimal = cell.transactions.iter().map(|t| t.amount).sum();
    assert_eq!(listed, row.months[11].net);
    assert!(
        cell.transactions.windows(2).all(|w| w[0].date >= w[1].date),
        "newest first"
    );

    // The studio sells at three locations, named as Mindbody names them (the ids stay in the
    // groups), and is paid in several ways.
    let from = all.iter().map(|t| t.date.date()).min().unwrap();
    let locations = report(engine, from, month, Grouping::Location).await;
    let mut named: Vec<(i64, &str)> = locations
        .rows
        .iter()
        .map(|r| match &r.group {
            Some(GroupRef::Location {
                location: Some(id), ..
            }) => (*id, r.label.as_str()),
            other => panic!("not a location: {other:?}"),
        })
        .collect();
    named.sort();
    assert_eq!(named, legion_hub::sandbox::studio::LOCATIONS);
    let methods = report(engine, from, month, Grouping::Method).await;
    let labels: Vec<&str> = methods.rows.iter().map(|r| r.label.as_str()).collect();
    for kind in ["Card", "ACH", "Split"] {
        assert!(labels.contains(&kind), "{labels:?}");
    }

    // By class, each class's categories sit right beneath it and add up to it.
    let by_class = engine
        .revenue_overview(month, Grouping::Class)
        .await
        .unwrap();
    for (i, row) in by_class.rows.iter().enumerate() {
        if row.parent.is_some() {
            continue;
        }
        let beneath: Decimal = by_class.rows[i + 1..]
            .iter()
            .take_while(|r| r.parent.is_some())
            .map(|r| r.total.net)
            .sum();
        assert_eq!(beneath, row.total.net, "{}", row.label);
    }
    assert_eq!(by_class.total, overview.total);
    assert!(
        engine
            .revenue_report(RevenueQuery {
                from: month,
                to: month - chrono::Days::new(1),
                by: None,
                period: None,
                currency: None,
                site: None,
            })
            .await
            .unwrap_err()
            .to_string()
            .contains("backwards")
    );
}

/// `legion-hub report revenue` on a synced studio: JSON, CSV and the table say the same numbers,
/// and they equal what `legion-hub transactions --json` lists, by class, to the cent.
#[tokio::test]
async fn report_revenue_prints_the_transactions_sums_as_json_csv_and_a_table() {
    use crate::support::binary::run_in;
    let dir = tempfile::tempdir().unwrap();
    crate::support::secrets::synced_studio(&dir.path().join("data")).await;
    let range = ["--from", "2020-01-01", "--to", "2099-12-31"];
    let run = |extra: &[&str]| {
        let mut args = vec!["report", "revenue"];
        args.extend_from_slice(&range);
        args.extend_from_slice(extra);
        let (code, out, err) = run_in(dir.path(), &args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    let (code, listed, err) = run_in(dir.path(), &["transactions", "--json"]);
    assert_eq!(code, 0, "{err}");
    let listed: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    let mut expected: BTreeMap<String, Decimal> = BTreeMap::new();
    for tx in listed.iter().filter(|t| t["source"] != "books") {
        let class = tx["class"].as_str().unwrap_or("Unclassified").to_string();
        let amount: Decimal = tx["amount"].as_str().unwrap().parse().unwrap();
        *expected.entry(class).or_default() += amount;
    }
    let whole: Decimal = expected.values().copied().sum();

    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    assert_eq!(json["by"], "class");
    assert_eq!(json["currency"], "USD");
    let decimal = |v: &serde_json::Value| -> Decimal { v.as_str().unwrap().parse().unwrap() };
    let got: BTreeMap<String, Decimal> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["parent"].is_null())
        .map(|r| (r["label"].as_str().unwrap().to_string(), decimal(&r["net"])))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(decimal(&json["total"]["net"]), whole);
    let net_text = json["total"]["net"].as_str().unwrap().to_string();
    assert!(
        net_text
            .split_once('.')
            .is_some_and(|(_, cents)| cents.len() == 2),
        "{net_text}"
    );

    let csv_text = run(&["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "class",
            "parent",
            "currency",
            "sales",
            "refunds",
            "discounts",
            "tax",
            "net",
            "items"
        ]
    );
    let csv_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(csv_rows.len(), json["rows"].as_array().unwrap().len());
    for (row, json_row) in csv_rows.iter().zip(json["rows"].as_array().unwrap()) {
        assert_eq!(&row[0], json_row["label"].as_str().unwrap());
        assert_eq!(&row[7], json_row["net"].as_str().unwrap());
    }

    let table = run(&[]);
    assert!(
        table.starts_with("Revenue by class from 2020-01-01 to 2099-12-31 (USD)"),
        "{table}"
    );
    let total_line = table.lines().find(|l| l.starts_with("Total")).unwrap();
    assert!(
        total_line.contains(&legion_hub::format::money(whole, "USD")),
        "{total_line}"
    );

    let by_month: serde_json::Value =
        serde_json::from_str(&run(&["--by", "month", "--format", "json"])).unwrap();
    let months: Decimal = by_month["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| decimal(&r["net"]))
        .sum();
    assert_eq!(months, whole);

    let (code, _, err) = run_in(
        dir.path(),
        &[
            "report",
            "revenue",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("backwards"), "{err}");
    let (code, _, err) = run_in(dir.path(), &["report", "revenue", "--by", "colour"]);
    assert_eq!(code, 2, "{err}");
}
