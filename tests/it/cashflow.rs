//! Cash coming in, against the sandbox over loopback: the members' contracts read into expected
//! inflows (one billed call per member, none when nothing changed, within the daily share,
//! again after a `clientContract.*` webhook), and the fake's `clientcontracts` errors.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, Local};
use legion_hub::engine::{Engine, SyncRequest};
use legion_hub::integrations::mindbody::MindbodyError;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::studio::Studio;
use legion_hub::sandbox::webhooks::SendPlan;

/// Members in the test studio (clients 0..MEMBERS of 60).
const MEMBERS: u64 = 20;

fn studio() -> Studio {
    // 70 days: two billing months of autopays are in the synced sales.
    Studio::new(600, 60, Local::now().naive_local(), 70).with_members(MEMBERS)
}

struct Hub {
    sandbox: Arc<Sandbox>,
    engine: Engine,
    _services: legion_hub::server::Services,
    _dir: tempfile::TempDir,
}

/// A hub signed in to the sandbox, subscribed to its webhooks and synced whole.
async fn hub(tune: impl FnOnce(&mut legion_hub::config::Config)) -> Hub {
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    sandbox.mindbody.set_auto_approve(true);
    sandbox.mindbody.set_studio(studio());
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::support::mindbody::settings(dir.path(), &sandbox.mindbody, |config| {
        config.mindbody = legion_hub::integrations::mindbody::MindbodyEndpoints {
            first_sync_days: Some(80),
            ..sandbox.mindbody_endpoints()
        };
        tune(config);
    });
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

/// The members whose contract sales the sync brought in the last 62 days: those the hub must
/// take to hold a contract.
fn members_with_recent_autopays(sandbox: &Sandbox) -> u64 {
    members_at(sandbox, "-99")
}

/// [`members_with_recent_autopays`] at one site of the sandbox's chain.
fn members_at(sandbox: &Sandbox, site: &str) -> u64 {
    sandbox.mindbody.with_studio_at(site, |studio| {
        let since = studio.now - chrono::Duration::days(62);
        studio
            .memberships()
            .filter(|m| !m.charges_between(since, studio.now, studio.now).is_empty())
            .count() as u64
    })
}

#[tokio::test]
async fn a_first_read_costs_a_call_per_member_and_a_refresh_with_no_change_costs_none() {
    let hub = hub(|_| {}).await;
    let members = members_with_recent_autopays(&hub.sandbox);
    assert!(members >= MEMBERS - 2, "{members}");
    let plan = hub.engine.contracts_plan().await.unwrap();
    assert!(plan.first_read);
    assert_eq!(plan.clients_with_contracts, members);
    assert_eq!(plan.clients_due, members);
    // The first read is asked for, not made on the side.
    let before = hub.sandbox.mindbody.api_calls();
    assert!(hub.engine.refresh_contracts(false).await.is_err());
    assert_eq!(hub.sandbox.mindbody.api_calls(), before);

    let report = hub.engine.refresh_contracts(true).await.unwrap();
    let spent = hub.sandbox.mindbody.api_calls() - before;
    assert_eq!(spent as u64, members, "one call per member");
    assert_eq!(report.calls, members);
    assert_eq!(report.clients_read, members);
    let inflows = hub.engine.expected_inflows().await.unwrap();
    assert_eq!(inflows.len() as u64, report.inflows);
    // Every member with upcoming autopays has them stored, to the cent.
    let expected: Vec<(String, String)> = hub.sandbox.mindbody.with_studio(|studio| {
        studio
            .memberships()
            .flat_map(|m| {
                let charge = format!("{:.2}", m.charge);
                m.upcoming(studio.now)
                    .into_iter()
                    .map(move |_| (charge.clone(), m.client_id.clone()))
            })
            .collect()
    });
    for inflow in &inflows {
        assert!(
            expected
                .iter()
                .any(|(charge, client)| *charge == inflow.amount.to_string()
                    && inflow.client.ends_with(client.as_str())),
            "{inflow:?}"
        );
    }
    assert!(inflows.iter().any(|i| i.status == "Suspended"));
    assert!(inflows.iter().any(|i| i.status == "Inactive"));
    assert!(inflows.iter().any(|i| i.payment_method == "ACH"));

    // Counted in the day's calls too.
    let (today, _) = hub.engine.mindbody_calls_today().await.unwrap();
    assert!(today >= members);

    // Nothing changed: no call.
    let before = hub.sandbox.mindbody.api_calls();
    let again = hub.engine.refresh_contracts(false).await.unwrap();
    assert_eq!(hub.sandbox.mindbody.api_calls(), before);
    assert_eq!(again.calls, 0);
    assert_eq!(again.clients_read, 0);
    let plan = hub.engine.contracts_plan().await.unwrap();
    assert!(!plan.first_read);
    assert_eq!(plan.clients_due, 0);
}

/// A chain: each site reads its own members' contracts, at its own site (the sandbox answers a
/// client of another site with an error), in calls counted against its own day.
#[tokio::test]
async fn each_site_of_a_chain_reads_its_own_members_contracts() {
    let sandbox = Arc::new(Sandbox::start_sites(2).await.unwrap());
    sandbox.mindbody.set_auto_approve(true);
    for site in ["-99", "-98"] {
        sandbox.mindbody.set_studio_at(site, studio());
    }
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::support::mindbody::settings(dir.path(), &sandbox.mindbody, |config| {
        config.mindbody = legion_hub::integrations::mindbody::MindbodyEndpoints {
            first_sync_days: Some(80),
            ..sandbox.mindbody_endpoints()
        };
    });
    let engine = crate::support::mindbody::open(&settings);
    crate::support::mindbody::connect(&engine).await;
    engine.add_mindbody_site("-98".into()).await.unwrap();
    let second = engine.at_site(Some("-98"));
    second.connect_mindbody(true).await.unwrap();
    for handle in [&engine, &second] {
        handle.sync_mindbody(SyncRequest::default()).await.unwrap();
    }
    for (handle, site) in [(&engine, "-99"), (&second, "-98")] {
        let members = members_at(&sandbox, site);
        let plan = handle.contracts_plan().await.unwrap();
        assert_eq!(plan.clients_due, members, "site {site}");
        let before = sandbox.mindbody.api_calls();
        let report = handle.refresh_contracts(true).await.unwrap();
        assert_eq!(
            (report.clients_read, report.failed),
            (members, 0),
            "site {site}: {report:?}"
        );
        assert_eq!((sandbox.mindbody.api_calls() - before) as u64, members);
    }
}

#[tokio::test]
async fn a_contract_webhook_has_that_member_read_again_and_only_that_one() {
    let hub = hub(|_| {}).await;
    hub.engine.refresh_contracts(true).await.unwrap();
    let member = 1;
    let cancelled = hub.sandbox.mindbody.with_studio(|studio| {
        let now = studio.now;
        studio.cancel_contract(member, now).unwrap()
    });
    let contract_key = |i: &legion_hub::api::ExpectedInflow| {
        i.contract
            .ends_with(&format!(":contract:{}", cancelled.client_contract_id))
    };
    let inflows = hub.engine.expected_inflows().await.unwrap();
    assert!(inflows.iter().any(contract_key));
    let body = hub
        .sandbox
        .webhooks
        .contract_body("clientContract.cancelled", &cancelled);
    let report = hub
        .sandbox
        .webhooks
        .send(vec![body], &SendPlan::default())
        .await;
    assert_eq!(report.failed, 0, "{report:?}");
    let mut due = 0;
    for _ in 0..250 {
        due = hub.engine.contracts_plan().await.unwrap().clients_due;
        if due > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(due, 1);
    let before = hub.sandbox.mindbody.api_calls();
    let read = hub.engine.refresh_contracts(false).await.unwrap();
    assert_eq!(hub.sandbox.mindbody.api_calls() - before, 1);
    assert_eq!(read.clients_read, 1);
    let inflows = hub.engine.expected_inflows().await.unwrap();
    assert!(
        !inflows.iter().any(contract_key),
        "a cancelled contract expects nothing"
    );
}

#[tokio::test]
async fn the_daily_share_of_calls_is_never_passed() {
    let hub = hub(|config| config.mindbody.contracts_daily_calls = Some(5)).await;
    let plan = hub.engine.contracts_plan().await.unwrap();
    assert_eq!(plan.calls_now(), 5);
    let before = hub.sandbox.mindbody.api_calls();
    let report = hub.engine.refresh_contracts(true).await.unwrap();
    assert_eq!(hub.sandbox.mindbody.api_calls() - before, 5);
    assert_eq!(report.clients_read, 5);
    assert_eq!(report.deferred, plan.clients_due - 5);
    let again = hub.engine.refresh_contracts(false).await.unwrap();
    assert_eq!(again.calls, 0, "today's share is spent");
    assert_eq!(hub.sandbox.mindbody.api_calls() - before, 5);
}

#[tokio::test]
async fn the_fake_wants_one_known_client_per_call() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.mindbody.set_auto_approve(true);
    sandbox.mindbody.set_studio(studio());
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::support::mindbody::settings(dir.path(), &sandbox.mindbody, |_| {});
    let engine = crate::support::mindbody::open(&settings);
    crate::support::mindbody::connect(&engine).await;
    let core = engine.local().unwrap();
    let token = core.mindbody_access_token().await.unwrap();
    let client = legion_hub::integrations::mindbody::MindbodyClient::new(
        legion_hub::http::client(),
        &sandbox.mindbody.api_url(),
        legion_hub::secret::Secret::new(legion_hub::sandbox::mindbody::SANDBOX_API_KEY),
        legion_hub::sandbox::mindbody::SANDBOX_SITE_ID,
    );
    let member = client.client_contracts(&token, "100000000").await.unwrap();
    assert_eq!(member.len(), 1);
    assert_eq!(member[0].upcoming.len(), 4);
    assert!(
        client
            .client_contracts(&token, "100000059")
            .await
            .unwrap()
            .is_empty(),
        "a client with no contract"
    );
    let code = |e: MindbodyError| match e {
        MindbodyError::Api { status, code, .. } => (status, code),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        code(client.client_contracts(&token, "").await.unwrap_err()),
        (400, "MissingRequiredFields".into())
    );
    assert_eq!(
        code(
            client
                .client_contracts(&token, "100000999")
                .await
                .unwrap_err()
        ),
        (400, "InvalidClientId".into())
    );
}

#[tokio::test]
async fn the_cash_flow_adds_up_the_autopays_ahead_and_the_sales_behind_to_the_cent() {
    let hub = hub(|_| {}).await;
    hub.engine.refresh_contracts(true).await.unwrap();
    let today = Local::now().date_naive();
    for days in [30u32, 60, 90] {
        let flow = hub.engine.cash_flow(days).await.unwrap();
        let until = today + chrono::Duration::days(days as i64 - 1);
        // What the fake's members will be charged, from its own schedule.
        let (active, risky, contracts_at_risk) = hub.sandbox.mindbody.with_studio(|studio| {
            let mut active = rust_decimal::Decimal::ZERO;
            let mut risky = rust_decimal::Decimal::ZERO;
            let mut at_risk = 0;
            for m in studio.memberships() {
                let due: Vec<_> = m
                    .upcoming(studio.now)
                    .into_iter()
                    .filter(|d| (today..=until).contains(&d.date()))
                    .collect();
                let sum = m.charge * rust_decimal::Decimal::from(due.len());
                if m.status == legion_hub::sandbox::studio::contracts::AutopayStatus::Active {
                    active += sum;
                } else if !due.is_empty() {
                    risky += sum;
                    at_risk += 1;
                }
            }
            (active, risky, at_risk)
        });
        assert_eq!(flow.expected, active, "{days} days");
        assert_eq!(flow.at_risk, risky, "{days} days");
        assert_eq!(flow.risks.len(), contracts_at_risk);
        assert!(
            flow.risks
                .iter()
                .all(|r| r.status != "Active" && r.name.is_some())
        );
        // The sales behind: every synced sale of the same number of days before today.
        let since = today - chrono::Duration::days(days as i64);
        let sales: rust_decimal::Decimal = hub
            .engine
            .transactions_since(None)
            .await
            .unwrap()
            .iter()
            .filter(|t| t.is_sale() && t.date.date() >= since && t.date.date() < today)
            .map(|t| t.amount)
            .sum();
        assert_eq!(flow.sales, sales, "{days} days");
        // Weeks and methods add up to the totals.
        let sum = |f: fn(&legion_hub::api::cashflow::CashFlowWeek) -> rust_decimal::Decimal| {
            flow.weeks.iter().map(f).sum::<rust_decimal::Decimal>()
        };
        assert_eq!(sum(|w| w.expected), flow.expected);
        assert_eq!(sum(|w| w.at_risk), flow.at_risk);
        assert_eq!(sum(|w| w.sales), flow.sales);
        let by_method: rust_decimal::Decimal = flow.methods.iter().map(|m| m.expected).sum();
        assert_eq!(by_method, flow.expected);
        assert!(
            flow.methods
                .iter()
                .any(|m| m.method == "ACH" && m.autopays > 0)
        );
        assert!(
            flow.weeks
                .windows(2)
                .all(|w| w[1].start - w[0].start == chrono::Duration::days(7))
        );
    }
    for days in [0, 400] {
        let error = hub.engine.cash_flow(days).await.unwrap_err();
        assert!(error.to_string().contains("1 to 366 days"), "{error}");
    }
}

/// Runs the binary in `dir` against the sandbox, with no input: exit code, stdout, stderr.
fn hub_binary(dir: &std::path::Path, sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let mut cmd = crate::support::binary::in_dir(dir);
    crate::support::binary::at_mindbody(&mut cmd, &sandbox.mindbody);
    let out = cmd
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn settings_in(data: &std::path::Path, sandbox: &Sandbox) -> legion_hub::config::Settings {
    crate::support::mindbody::settings(data, &sandbox.mindbody, |config| {
        config.mindbody.first_sync_days = Some(80);
    })
}

/// A sandbox studio and a data directory (its `data` below) signed in and synced whole, closed
/// again so the binary can open it.
async fn synced_on_disk() -> (Sandbox, tempfile::TempDir) {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.mindbody.set_auto_approve(true);
    sandbox.mindbody.set_studio(studio());
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::support::mindbody::open(&settings_in(&dir.path().join("data"), &sandbox));
    crate::support::mindbody::connect(&engine).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    engine.flush().unwrap();
    (sandbox, dir)
}

/// That data directory's hub, opened again in the test.
fn reopen(sandbox: &Sandbox, dir: &tempfile::TempDir) -> Engine {
    crate::support::mindbody::open(&settings_in(&dir.path().join("data"), sandbox))
}

// The binary is waited for on this thread: the sandbox answers it from another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_ask_before_the_first_read_and_print_the_cash_flow() {
    let (sandbox, dir) = synced_on_disk().await;
    let members = members_with_recent_autopays(&sandbox);
    let before = sandbox.mindbody.api_calls();
    let (code, _, err) = hub_binary(dir.path(), &sandbox, &["mindbody", "contracts"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("costs {members} Mindbody calls")) && err.contains("--yes"),
        "{err}"
    );
    assert_eq!(sandbox.mindbody.api_calls(), before, "nothing read unasked");
    let (code, out, err) = hub_binary(
        dir.path(),
        &sandbox,
        &["mindbody", "contracts", "--yes", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["report"]["calls"], members);
    let (code, out, err) = hub_binary(dir.path(), &sandbox, &["mindbody", "contracts"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no call made"), "{out}");

    let (code, out, err) = hub_binary(
        dir.path(),
        &sandbox,
        &["report", "cashflow", "--days", "60", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let flow: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(flow["days"], 60);
    let expected: rust_decimal::Decimal = flow["expected"].as_str().unwrap().parse().unwrap();
    let weeks: rust_decimal::Decimal = flow["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            w["expected"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(weeks, expected);
    assert!(
        flow["expected"]
            .as_str()
            .unwrap()
            .ends_with(|c: char| c.is_ascii_digit())
    );
    assert_eq!(
        flow["expected"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .map(str::len),
        Some(2)
    );
    let (code, table, err) = hub_binary(dir.path(), &sandbox, &["report", "cashflow"]);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("Cash flow: the next 30 days"), "{table}");
    assert!(
        table.contains("At risk (autopay suspended or inactive)"),
        "{table}"
    );
    let (code, csv, err) = hub_binary(
        dir.path(),
        &sandbox,
        &["report", "cashflow", "--format", "csv"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(csv.starts_with("section,label,currency,"), "{csv}");
    let (code, _, err) = hub_binary(
        dir.path(),
        &sandbox,
        &["report", "cashflow", "--days", "45"],
    );
    assert_eq!(code, 2, "{err}");
}

#[tokio::test]
async fn a_budget_is_set_per_known_class_and_shown_beside_the_months_actual() {
    let hub = hub(|_| {}).await;
    let today = Local::now().date_naive();
    let budget = hub
        .engine
        .set_budget(today, " class REVENUE ".into(), "1000".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(budget.class, "Class revenue");
    assert_eq!(budget.amount.to_string(), "1000.00");
    assert_eq!(budget.currency, "USD");
    let unknown = hub
        .engine
        .set_budget(today, "Snacks".into(), "5".parse().unwrap())
        .await
        .unwrap_err();
    assert!(
        unknown.message.contains("not one of the studio's classes")
            && unknown.message.contains("Class revenue, "),
        "{unknown:?}"
    );
    for bad in ["-1", "0", "10.005", "1000000000000"] {
        let error = hub
            .engine
            .set_budget(today, "Rent".into(), bad.parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind, legion_hub::api::ErrorKind::Invalid, "{bad}");
    }
    let view = hub.engine.budget(today).await.unwrap();
    assert_eq!(view.lines[0].class, "Class revenue");
    assert_eq!(view.lines[0].budget, Some("1000.00".parse().unwrap()));
    assert_eq!(view.total_budget, "1000.00".parse().unwrap());
    // The actual is the month's sales, to the cent, and this month has a projection.
    let first = today.with_day(1).unwrap();
    let month: rust_decimal::Decimal = hub
        .engine
        .transactions_since(None)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.is_sale() && t.date.date() >= first)
        .map(|t| t.amount)
        .sum();
    assert_eq!(view.total_actual, month);
    let projection = hub.engine.projection().await.unwrap();
    assert_eq!(
        view.total_projected,
        Some(projection.months[0].parts.projected)
    );
    assert!(view.classes.iter().any(|c| c == "Rent"));
    // Another month is apart; one past the projection's four has none.
    let later = first + chrono::Months::new(5);
    let far = hub.engine.budget(later).await.unwrap();
    assert!(far.total_budget.is_zero() && far.total_projected.is_none());
    let typo = hub
        .engine
        .clear_budget(today, Some("Class revenu".into()))
        .await
        .unwrap_err();
    assert_eq!(typo.kind, legion_hub::api::ErrorKind::Invalid);
    assert_eq!(
        hub.engine
            .clear_budget(today, Some("class revenue".into()))
            .await
            .unwrap(),
        1
    );
    let view = hub.engine.budget(today).await.unwrap();
    assert!(view.lines.iter().all(|l| l.budget.is_none()));
}

/// Maps the fake's categories to classes (gift cards left unmapped).
async fn classify(engine: &Engine) {
    for (category, class) in [
        (21, "Membership revenue"),
        (22, "Class revenue"),
        (23, "Private sessions"),
        (31, "Retail sales"),
        (32, "Retail sales"),
    ] {
        engine
            .map_category(category, Some(class.into()))
            .await
            .unwrap();
    }
}

/// What the test works out for itself from the synced sales: (class, weekday) sums of the
/// sales under no contract in the 8 weeks before today.
fn drop_in_sums(
    sales: &[legion_hub::books::Transaction],
    today: chrono::NaiveDate,
) -> std::collections::BTreeMap<String, [rust_decimal::Decimal; 7]> {
    let since = today - chrono::Duration::days(56);
    let mut out = std::collections::BTreeMap::<String, [rust_decimal::Decimal; 7]>::new();
    for t in sales {
        let day = t.date.date();
        if t.is_sale() && t.contract.is_none() && day >= since && day < today {
            let class = t.class.clone().unwrap_or_else(|| "Unclassified".into());
            out.entry(class).or_default()[day.weekday().num_days_from_monday() as usize] +=
                t.amount;
        }
    }
    out
}

#[tokio::test]
async fn the_projection_adds_up_to_the_cent_against_the_sales_and_the_studios_schedule() {
    let hub = hub(|_| {}).await;
    hub.engine.refresh_contracts(true).await.unwrap();
    classify(&hub.engine).await;
    let today = Local::now().date_naive();
    let sales = hub.engine.transactions_since(None).await.unwrap();
    // The autopays synced are marked with their contract; the rest are not.
    let contract_sales = sales.iter().filter(|t| t.contract.is_some()).count();
    let charged = hub.sandbox.mindbody.with_studio(|studio| {
        let since = studio.now - chrono::Duration::days(80);
        studio
            .memberships()
            .map(|m| m.charges_between(since, studio.now, studio.now).len())
            .sum::<usize>()
    });
    assert!(
        contract_sales > 0 && contract_sales == charged,
        "{contract_sales} {charged}"
    );
    let sums = drop_in_sums(&sales, today);
    let projection = hub.engine.projection().await.unwrap();
    assert_eq!(projection.months.len(), 4);
    assert_eq!(projection.currency, "USD");
    for (n, month) in projection.months.iter().enumerate() {
        let first = today.with_day(1).unwrap() + chrono::Months::new(n as u32);
        let next = first + chrono::Months::new(1);
        assert_eq!(month.month, first);
        // So far: this month's sales up to now.
        let so_far: rust_decimal::Decimal = sales
            .iter()
            .filter(|t| t.is_sale() && n == 0 && t.date.date() >= first)
            .map(|t| t.amount)
            .sum();
        assert_eq!(month.parts.so_far, so_far, "{first}");
        // Autopays: the fake's active members' charges on the days after today in the month.
        let (autopays, count) = hub.sandbox.mindbody.with_studio(|studio| {
            let mut sum = rust_decimal::Decimal::ZERO;
            let mut count = 0;
            for m in studio.memberships() {
                if m.status != legion_hub::sandbox::studio::contracts::AutopayStatus::Active {
                    continue;
                }
                for at in m.upcoming(studio.now) {
                    if at.date() > today && at.date() >= first && at.date() < next {
                        sum += m.charge;
                        count += 1;
                    }
                }
            }
            (sum, count)
        });
        assert_eq!(month.parts.autopays, autopays, "{first}");
        // Every autopay is a membership's, and counted in its class.
        let members = month
            .classes
            .iter()
            .find(|c| c.class == "Membership revenue");
        assert_eq!(members.map(|c| c.parts.autopays), Some(autopays), "{first}");
        assert_eq!(month.parts.autopay_count, count, "{first}");
        // The pattern: each day after today at its weekday's 8-week average, class by class,
        // rounded to the cent.
        let mut days = [0i64; 7];
        let mut day = first.max(today + chrono::Duration::days(1));
        while day < next {
            days[day.weekday().num_days_from_monday() as usize] += 1;
            day += chrono::Duration::days(1);
        }
        assert_eq!(month.parts.pattern_days as i64, days.iter().sum::<i64>());
        let mut pattern_total = rust_decimal::Decimal::ZERO;
        for (class, week) in &sums {
            let sum: rust_decimal::Decimal = week
                .iter()
                .zip(days)
                .map(|(s, d)| *s * rust_decimal::Decimal::from(d))
                .sum();
            let expected = (sum / rust_decimal::Decimal::from(8))
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            let line = month.classes.iter().find(|c| &c.class == class);
            assert_eq!(
                line.map(|l| l.parts.pattern).unwrap_or_default(),
                expected,
                "{first} {class}"
            );
            pattern_total += expected;
        }
        assert_eq!(month.parts.pattern, pattern_total, "{first}");
        assert_eq!(
            month.parts.projected,
            so_far + autopays + pattern_total,
            "{first}"
        );
        let classes: rust_decimal::Decimal = month.classes.iter().map(|c| c.parts.projected).sum();
        assert_eq!(classes, month.parts.projected);
        assert!(
            month.method.contains(&format!("{count} autopay"))
                && month
                    .method
                    .ends_with(&legion_hub::format::money(month.parts.projected, "USD")),
            "{}",
            month.method
        );
    }
    assert!(projection.months[0].method.starts_with("so far "));
    assert!(projection.months[1].parts.autopays > rust_decimal::Decimal::ZERO);

    // The weekday pattern is kept for the day, but not past a change in its weeks: a drop-in
    // deleted, the next month's pattern is made again without it.
    let next_month = |sums: &std::collections::BTreeMap<String, [rust_decimal::Decimal; 7]>| {
        let first = today.with_day(1).unwrap() + chrono::Months::new(1);
        let mut days = [0i64; 7];
        let mut day = first;
        while day < first + chrono::Months::new(1) {
            days[day.weekday().num_days_from_monday() as usize] += 1;
            day += chrono::Duration::days(1);
        }
        sums.values()
            .map(|week| {
                let sum: rust_decimal::Decimal = week
                    .iter()
                    .zip(days)
                    .map(|(s, d)| *s * rust_decimal::Decimal::from(d))
                    .sum();
                (sum / rust_decimal::Decimal::from(8))
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            })
            .sum::<rust_decimal::Decimal>()
    };
    assert_eq!(projection.months[1].parts.pattern, next_month(&sums));
    let gone = sales
        .iter()
        .find(|t| {
            t.is_sale()
                && t.contract.is_none()
                && t.date.date() < today
                && t.date.date() >= today - chrono::Duration::days(56)
        })
        .unwrap();
    assert!(
        hub.engine
            .delete_transaction(gone.key.clone())
            .await
            .unwrap()
    );
    let sums = drop_in_sums(&hub.engine.transactions_since(None).await.unwrap(), today);
    let again = hub.engine.projection().await.unwrap();
    assert_eq!(again.months[1].parts.pattern, next_month(&sums));
    assert_ne!(
        again.months[1].parts.pattern,
        projection.months[1].parts.pattern
    );
}

#[tokio::test]
async fn a_class_projected_under_budget_by_more_than_the_set_percent_is_warned_of() {
    let hub = hub(|config| config.books.budget_warn_percent = 20).await;
    hub.engine.refresh_contracts(true).await.unwrap();
    classify(&hub.engine).await;
    let today = Local::now().date_naive();
    assert!(hub.engine.budget_warnings().await.unwrap().is_empty());
    let projection = hub.engine.projection().await.unwrap();
    let mut classes = projection.months[0]
        .classes
        .iter()
        .filter(|c| c.class != "Unclassified" && c.parts.projected > rust_decimal::Decimal::ONE);
    let (under, near) = (classes.next().unwrap(), classes.next().unwrap());
    // Half again its projection: a third under. A tenth over its projection: within 20%.
    let budget = |p: rust_decimal::Decimal, times: &str| {
        (p * times.parse::<rust_decimal::Decimal>().unwrap()).round_dp(2)
    };
    for (class, times) in [(under, "1.5"), (near, "1.1")] {
        hub.engine
            .set_budget(
                today,
                class.class.clone(),
                budget(class.parts.projected, times),
            )
            .await
            .unwrap();
    }
    let warnings = hub.engine.budget_warnings().await.unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].class, under.class);
    assert_eq!(warnings[0].projected, under.parts.projected);
    assert_eq!(warnings[0].short_percent, rust_decimal::Decimal::from(33));
    let view = hub.engine.budget(today).await.unwrap();
    let line = view.lines.iter().find(|l| l.class == under.class).unwrap();
    assert_eq!(
        line.shortfall_percent(),
        Some(rust_decimal::Decimal::from(33))
    );
    let line = view.lines.iter().find(|l| l.class == near.class).unwrap();
    assert_eq!(
        line.shortfall_percent(),
        Some(rust_decimal::Decimal::from(9))
    );
}

// The binary is waited for on this thread: the sandbox answers it from another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budgets_and_the_projection_through_the_binary_survive_a_restart() {
    let (sandbox, dir) = synced_on_disk().await;
    {
        let engine = reopen(&sandbox, &dir);
        engine.refresh_contracts(true).await.unwrap();
        classify(&engine).await;
        engine.flush().unwrap();
    }
    let run = |args: &[&str]| hub_binary(dir.path(), &sandbox, args);
    let (code, out, err) = run(&["budget", "set", "class revenue", "12,000.50"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Budget for Class revenue in ") && out.contains("12,000.50 USD"),
        "{out}"
    );
    let (code, _, err) = run(&[
        "budget",
        "set",
        "Retail sales",
        "2500",
        "--month",
        "2031-02",
    ]);
    assert_eq!(code, 0, "{err}");
    for (args, says) in [
        (
            &["budget", "set", "Snacks", "10"][..],
            "not one of the studio's classes",
        ),
        (
            &["budget", "set", "Retail sales", "ten"],
            "is not an amount",
        ),
        (
            &["budget", "set", "Retail sales", "10.001"],
            "decimal places",
        ),
        (&["budget", "set", "Retail sales", "0"], "over 0"),
        (
            &["budget", "set", "Retail sales", "10", "--month", "2026-13"],
            "not a month",
        ),
        (
            &["budget", "clear", "Snacks"],
            "not one of the studio's classes",
        ),
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // Each run is a process of its own: what the first set, the next reads.
    let (code, out, err) = run(&["budget", "show", "--json"]);
    assert_eq!(code, 0, "{err}");
    let view: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(view["lines"][0]["class"], "Class revenue");
    assert_eq!(view["lines"][0]["budget"], "12000.50");
    assert!(view["total_projected"].is_string(), "{view}");
    let (code, table, err) = run(&["budget", "show"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        table.contains("Class  ") && table.contains("Projected") && table.contains("12,000.50"),
        "{table}"
    );
    let (code, out, err) = run(&["budget", "show", "--month", "2031-02", "--json"]);
    assert_eq!(code, 0, "{err}");
    let view: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(view["lines"][0]["budget"], "2500.00");
    assert!(view["total_projected"].is_null());
    let (code, out, err) = run(&["budget", "clear", "--month", "2031-02"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Cleared 1 budget for 2031-02"), "{out}");

    // A class far under its budget: `status` says so in a line, from the hub database alone.
    let (code, _, err) = run(&["budget", "set", "Private sessions", "900000"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, err) = run(&["status"]);
    assert!(
        out.contains("\nBudget: ") && out.contains("% under its budget of "),
        "{out}{err}"
    );
    let (_, out, err) = run(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&out).expect(&err);
    let warned = status["budget_warnings"].as_array().unwrap();
    assert!(
        warned.iter().any(|w| w["class"] == "Private sessions"),
        "{status}"
    );
    let (code, _, err) = run(&["budget", "clear"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, err) = run(&["status"]);
    assert!(!out.contains("Budget: "), "{out}{err}");

    let (code, out, err) = run(&["report", "projection", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let projection: serde_json::Value = serde_json::from_str(&out).unwrap();
    let months = projection["months"].as_array().unwrap();
    assert_eq!(months.len(), 4);
    let amount = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    for month in months {
        let parts =
            amount(&month["so_far"]) + amount(&month["autopays"]) + amount(&month["pattern"]);
        assert_eq!(parts, amount(&month["projected"]), "{month}");
        let classes: rust_decimal::Decimal = month["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| amount(&c["projected"]))
            .sum();
        assert_eq!(classes, amount(&month["projected"]), "{month}");
    }
    let (code, table, err) = run(&["report", "projection"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        table.contains("same-weekday average of drop-ins and retail") && table.contains("Total"),
        "{table}"
    );
    let (code, csv, err) = run(&["report", "projection", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(csv.starts_with("month,class,currency,so_far,"), "{csv}");
}
