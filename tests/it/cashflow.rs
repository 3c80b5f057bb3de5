//! Cash coming in, against the sandbox over loopback: the members' contracts read into expected
//! inflows (one billed call per member, none when nothing changed, within the daily share,
//! again after a `clientContract.*` webhook), and the fake's `clientcontracts` errors.

use std::sync::Arc;
use std::time::Duration;

use chrono::Local;
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
    sandbox.mindbody.with_studio(|studio| {
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

// The binary is waited for on this thread: the sandbox answers it from another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_ask_before_the_first_read_and_print_the_cash_flow() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.mindbody.set_auto_approve(true);
    sandbox.mindbody.set_studio(studio());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let settings = crate::support::mindbody::settings(&data, &sandbox.mindbody, |config| {
            config.mindbody.first_sync_days = Some(80);
        });
        let engine = crate::support::mindbody::open(&settings);
        crate::support::mindbody::connect(&engine).await;
        engine.sync_mindbody(SyncRequest::default()).await.unwrap();
        engine.flush().unwrap();
    }
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
