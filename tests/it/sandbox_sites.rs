//! The sandbox runs a chain of Mindbody sites (`Sandbox::start_sites`, `legion-hub sandbox
//! --sites N`), each with its own studio, over real HTTP on loopback: every read answers from the
//! studio of its `SiteId`, a site outside the chain gets `InvalidSiteId`, a token works only at
//! the site it was signed in for, and the webhooks carry the site they come from.

use std::io::BufRead;

use chrono::Local;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::mindbody::*;
use legion_hub::sandbox::studio::Studio;
use serde_json::Value;

use crate::support::sign_in;

const SITES: [&str; 3] = [SANDBOX_SITE_ID, SANDBOX_SECOND_SITE_ID, "-97"];

/// A Public API read at `site` with `token` (none: no `Authorization`).
async fn read(
    sandbox: &MindbodySandbox,
    site: &str,
    token: Option<&str>,
    path: &str,
) -> (u16, Value) {
    read_at(&sandbox.api_url(), site, token, path).await
}

async fn read_at(api_url: &str, site: &str, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut request = legion_hub::http::client()
        .get(format!("{api_url}/{path}"))
        .header("Api-Key", SANDBOX_API_KEY);
    if !site.is_empty() {
        request = request.header("SiteId", site);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = request.send().await.unwrap();
    (reply.status().as_u16(), reply.json().await.unwrap())
}

/// An access token signed in for `site`, as the hub signs in.
async fn token_for(sandbox: &MindbodySandbox, site: &str) -> String {
    let tokens = sign_in::tokens(sandbox, site, &legion_hub::integrations::mindbody::SCOPES).await;
    tokens.access_token.expose().to_string()
}

/// Three sites, three studios: each site's sales, clients, categories, locations and contracts
/// are its own, the first site's are the studio it was given, and `site/sites` names all three.
#[tokio::test]
async fn three_sites_answer_three_different_studios() {
    let sandbox = Sandbox::start_sites(3).await.unwrap();
    let mindbody = &sandbox.mindbody;
    assert_eq!(mindbody.site_ids(), SITES);
    let studio = Studio::new(60, 20, Local::now().naive_local(), 14).with_members(6);
    for site in SITES {
        mindbody.set_studio_at(site, studio.clone());
    }
    // One site grows between syncs; the others do not see it.
    mindbody.set_studio_at("-97", Studio::new(75, 20, Local::now().naive_local(), 14));

    let (status, listed) = read(mindbody, "", None, "site/sites").await;
    assert_eq!(status, 200, "{listed}");
    let names: Vec<(i64, &str)> = listed["Sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["Id"].as_i64().unwrap(), s["Name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            (-99, "Legion Sandbox Studio"),
            (-98, "Legion Sandbox Studio Eastside"),
            (-97, "Legion Sandbox Studio Northgate"),
        ]
    );
    assert_eq!(listed["PaginationResponse"]["TotalResults"], 3);
    let (_, one) = read(mindbody, "", None, "site/sites?request.siteIds=-98").await;
    assert_eq!(one["Sites"][0]["Name"], "Legion Sandbox Studio Eastside");
    assert_eq!(one["Sites"].as_array().unwrap().len(), 1);

    let mut seen: Vec<Vec<Value>> = Vec::new();
    for site in SITES {
        let token = token_for(mindbody, site).await;
        let mut answers = Vec::new();
        for path in [
            "sale/sales?Limit=200",
            "client/clients?Limit=200",
            "site/categories",
            "site/locations",
            "client/clientcontracts?ClientId=100000000",
        ] {
            let (status, body) = read(mindbody, site, Some(&token), path).await;
            assert_eq!(status, 200, "{site} {path}: {body}");
            answers.push(body);
        }
        let location = &answers[3]["Locations"][0];
        assert_eq!(location["SiteID"].to_string(), site, "{location}");
        seen.push(answers);
    }
    let first_sales = seen[0][0]["Sales"].clone();
    let anchor_end = Local::now().naive_local();
    let given = mindbody.with_studio(|s| s.sales_between(chrono::NaiveDateTime::MIN, anchor_end));
    assert_eq!(
        first_sales,
        Value::Array(given),
        "-99 serves the studio it was given"
    );
    assert_eq!(seen[2][0]["PaginationResponse"]["TotalResults"], 75);
    for (a, b) in [(0, 1), (0, 2), (1, 2)] {
        for (field, what) in [
            (0, "sales"),
            (1, "clients"),
            (2, "categories"),
            (3, "locations"),
        ] {
            assert_ne!(
                seen[a][field], seen[b][field],
                "{what} of {} and {}",
                SITES[a], SITES[b]
            );
        }
    }
    assert_ne!(
        seen[0][4]["Contracts"], seen[1][4]["Contracts"],
        "a member of -99 and of -98 hold different contracts"
    );
}

/// A site the sandbox does not run is refused in Mindbody's words, whatever the token: 400
/// `InvalidSiteId`; it cannot be signed in for either, and `site/sites` does not list it.
#[tokio::test]
async fn a_site_outside_the_sandbox_gets_invalid_site_id() {
    let sandbox = MindbodySandbox::start_sites(3).await.unwrap();
    let token = token_for(&sandbox, SANDBOX_SITE_ID).await;
    for outside in ["-96", "-100", "12345", "eastside", ""] {
        let (status, body) = read(&sandbox, outside, Some(&token), "sale/sales").await;
        assert_eq!(status, 400, "{outside:?}: {body}");
        assert_eq!(
            body["Error"]["Code"], "InvalidSiteId",
            "{outside:?}: {body}"
        );
        assert!(body["Error"]["Message"].is_string(), "{body}");
    }
    let elsewhere = sign_in::app(&sandbox, "-96", &legion_hub::integrations::mindbody::SCOPES)
        .authorize()
        .unwrap();
    let reply = sign_in::redirect_target(&elsewhere.url).await;
    let location = reply.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("error=invalid_request") && !location.contains("code="),
        "{location}"
    );
    let (status, listed) = read(&sandbox, "", None, "site/sites?SiteIds=-96").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["Sites"], serde_json::json!([]));
    let (status, refused) = read(&sandbox, "", None, "site/sites?SiteIds=east").await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["Error"]["Code"], "InvalidParameter");
}

/// A token is issued for one site (OAuth's `subscriberId`): at any other site of the chain it
/// is refused as Mindbody refuses a token it does not accept, 401 `DeniedAccess`; at its own
/// it reads. `site/sites` wants the API key, not a token.
#[tokio::test]
async fn a_token_reads_only_the_site_it_was_signed_in_for() {
    let sandbox = MindbodySandbox::start_sites(3).await.unwrap();
    let mut tokens = Vec::new();
    for site in SITES {
        tokens.push(token_for(&sandbox, site).await);
    }
    for (i, token) in tokens.iter().enumerate() {
        for (j, site) in SITES.iter().enumerate() {
            let (status, body) = read(&sandbox, site, Some(token), "client/clients").await;
            if i == j {
                assert_eq!(status, 200, "{site}'s own token: {body}");
            } else {
                assert_eq!(status, 401, "{}'s token at {site}: {body}", SITES[i]);
                assert_eq!(body["Error"]["Code"], "DeniedAccess", "{body}");
            }
        }
    }
    let reply = legion_hub::http::client()
        .get(format!("{}/site/sites", sandbox.api_url()))
        .header("Api-Key", "not-the-key")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["Error"]["Code"], "DeniedAccess", "{body}");
}

/// Deliveries say which site they come from (`eventData.siteId`), -99 unless told; the live
/// sales take turns among the sites, each sold in its own studio.
#[tokio::test]
async fn deliveries_carry_their_site_and_live_sales_take_turns() {
    let sandbox = Sandbox::start_sites(3).await.unwrap();
    let site_of = |body: Vec<u8>| -> Value {
        serde_json::from_slice::<Value>(&body).unwrap()["eventData"]["siteId"].clone()
    };
    let sale = sandbox
        .mindbody
        .with_studio_at("-98", |s| s.add_sale(Local::now().naive_local(), 12.into()));
    assert_eq!(site_of(sandbox.webhooks.sale_body(&sale)), -99);
    assert_eq!(site_of(sandbox.webhooks.sale_body_at("-98", &sale)), -98);
    let client = |site| {
        sandbox
            .webhooks
            .client_body_at(site, "client.created", "100000001", "Ana", "Silva", "a@x")
    };
    assert_eq!(site_of(client("-97")), -97);
    let member = sandbox
        .mindbody
        .with_studio_at("-97", |s| s.clone().with_members(1).membership(0))
        .unwrap();
    let contract = sandbox
        .webhooks
        .contract_body_at("-97", "clientContract.created", &member);
    assert_eq!(site_of(contract), -97);

    for n in 0..6 {
        sandbox.live_sale(n).await;
    }
    for (site, before) in SITES.iter().zip([0, 1, 0]) {
        let added = sandbox.mindbody.with_studio_at(site, |s| s.added.len());
        assert_eq!(added, before + 2, "{site}");
    }
}

/// `legion-hub sandbox --sites 3` runs three sites; outside 1 to 20 it is a usage error that
/// says the bounds.
#[tokio::test]
async fn the_sandbox_command_runs_the_sites_asked_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    for wrong in ["0", "21", "three"] {
        let (code, _, stderr) =
            crate::support::binary::run_in(dir.path(), &["sandbox", "--sites", wrong]);
        assert_eq!(code, 2, "--sites {wrong}: {stderr}");
        assert!(stderr.contains("--sites"), "{stderr}");
        if wrong != "three" {
            assert!(stderr.contains("1..=20"), "{stderr}");
        }
    }
    let mut child = crate::support::binary::in_dir(dir.path())
        .args([
            "sandbox",
            "--sites",
            "3",
            "--sales",
            "50",
            "--clients",
            "10",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let urls: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
    let api = urls["mindbody_api"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Stopped even when the read fails: a sandbox left running would outlive the test.
    struct StopsOnDrop(std::process::Child);
    impl Drop for StopsOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let running = StopsOnDrop(child);
    let listed = if api.is_empty() {
        Value::Null
    } else {
        read_at(&api, "", None, "site/sites").await.1
    };
    drop(running);
    let ids: Vec<i64> = listed["Sites"]
        .as_array()
        .map(|sites| sites.iter().filter_map(|s| s["Id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids, [-99, -98, -97], "{line} {listed}");
}

/// `sandbox bank --site -98` writes the bank account of the studio at -98: an account of its
/// own, its own lines; without `--site` it is -99's, as always.
#[test]
fn each_site_has_its_own_bank_account() {
    let dir = tempfile::tempdir().unwrap();
    let today = Local::now().date_naive();
    let (from, to) = (
        today - chrono::Duration::days(20),
        today - chrono::Duration::days(1),
    );
    let statement = |site: Option<&str>| {
        let (from, to) = (from.to_string(), to.to_string());
        let mut args = vec![
            "sandbox", "bank", "--from", &from, "--to", &to, "--format", "ofx2",
        ];
        args.extend(site.map(|site| ["--site", site]).into_iter().flatten());
        let (code, out, err) = crate::support::binary::run_in(dir.path(), &args);
        assert_eq!(code, 0, "{site:?}: {err}");
        out
    };
    let first = statement(None);
    assert!(statement(Some("-99")).contains("<ACCTID>472913846</ACCTID>"));
    let second = statement(Some("-98"));
    assert!(first.contains("<ACCTID>472913846</ACCTID>"), "{first}");
    assert!(second.contains("<ACCTID>472923853</ACCTID>"), "{second}");
    let amounts = |ofx: &str| -> Vec<String> {
        ofx.lines()
            .filter(|l| l.contains("<TRNAMT>"))
            .map(str::to_string)
            .collect()
    };
    assert_ne!(amounts(&first), amounts(&second));
    let (code, _, err) = crate::support::binary::run_in(
        dir.path(),
        &[
            "sandbox",
            "bank",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-03",
            "--format",
            "csv",
            "--site",
            "-79",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("-99..=-80"), "{err}");
}
