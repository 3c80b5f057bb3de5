//! The Mindbody sandbox's Public API answers as Mindbody does, so the client is tested against
//! the real thing's rules: input it cannot read is refused in Mindbody's error shape, money is
//! carried where Mindbody carries it (payments, card transactions), and no sale is lost at the
//! edge of a window.

use std::collections::HashMap;

use chrono::{Duration, Local};
use legion_hub::sandbox::mindbody::*;
use legion_hub::sandbox::studio::Studio;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::sign_in;

/// A sandbox with a studio of `sales` sales made over the last two weeks, and a token.
async fn studio(sales: u64, anchor: chrono::NaiveDateTime) -> (MindbodySandbox, String) {
    let sandbox = MindbodySandbox::start().await.unwrap();
    sandbox.set_studio(Studio::new(sales, 40, anchor, 14));
    let token = sign_in::hub_tokens(&sandbox).await.access_token;
    (sandbox, token.expose().to_string())
}

async fn get(
    sandbox: &MindbodySandbox,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let reply = legion_hub::http::client()
        .get(format!("{}/{path}", sandbox.api_url()))
        .header("Api-Key", SANDBOX_API_KEY)
        .header("SiteId", SANDBOX_SITE_ID)
        .bearer_auth(token)
        .query(query)
        .send()
        .await
        .unwrap();
    (reply.status().as_u16(), reply.json().await.unwrap())
}

fn decimal(value: &Value) -> Decimal {
    value
        .to_string()
        .parse()
        .unwrap_or_else(|_| panic!("{value} is not an amount"))
}

/// Mindbody refuses a parameter it cannot read with 400 and `{"Error":{"Message","Code"}}`; it
/// never answers as if the filter were absent.
#[tokio::test]
async fn a_filter_mindbody_cannot_read_is_refused_not_ignored() {
    let (sandbox, token) = studio(50, Local::now().naive_local()).await;
    let shape: Value =
        serde_json::from_str(include_str!("../fixtures/mindbody/error_response.json")).unwrap();
    let keys = |v: &Value| {
        let mut keys: Vec<String> = v["Error"].as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    for (path, name, value) in [
        ("sale/sales", "StartSaleDateTime", "yesterday"),
        ("sale/sales", "EndSaleDateTime", "2026-13-01T00:00:00"),
        ("sale/sales", "StartSaleDateTime", "03/12/2026 25:00"),
        ("sale/transactions", "TransactionStartDateTime", "soon"),
        ("sale/transactions", "TransactionEndDateTime", "2026-02-30"),
        ("client/clients", "LastModifiedDate", "last week"),
        ("sale/sales", "Limit", "many"),
        ("sale/sales", "Offset", "-1"),
    ] {
        let (status, body) = get(&sandbox, &token, path, &[(name, value)]).await;
        assert_eq!(
            status, 400,
            "{path}?{name}={value}: {}",
            body["PaginationResponse"]
        );
        assert_eq!(keys(&body), keys(&shape), "{body}");
        let message = body["Error"]["Message"].as_str().unwrap();
        assert!(
            message.contains(name) && message.contains(value),
            "{message}"
        );
    }
    // What Mindbody reads: a date, a date and time, with fractions or a Z.
    for value in [
        "2026-11-01",
        "2026-11-01T08:30:00",
        "2026-11-01T08:30:00.250",
        "2026-11-01T08:30:00Z",
    ] {
        let (status, body) = get(
            &sandbox,
            &token,
            "sale/sales",
            &[("StartSaleDateTime", value)],
        )
        .await;
        assert_eq!(status, 200, "{value}: {}", body["Error"]);
    }
}

/// A sale's payments add up to what it sold; each card payment is the amount of the charge it
/// names, and every charge is a payment. A returned item's refund goes back to the card as a negative transaction of no sale
/// (Mindbody books a return as a sale of its own).
#[tokio::test]
async fn payments_and_card_transactions_carry_the_amounts_charged() {
    let (sandbox, token) = studio(120, Local::now().naive_local()).await;
    let all = [("Limit", "200")];
    let (_, sales) = get(&sandbox, &token, "sale/sales", &all).await;
    let (_, cards) = get(&sandbox, &token, "sale/transactions", &all).await;
    let (charges, refunds): (Vec<&Value>, Vec<&Value>) = cards["Transactions"]
        .as_array()
        .unwrap()
        .iter()
        // Declined and voided attempts pay nothing and name no sale.
        .filter(|t| t["Status"] == "Approved" || t["Status"] == "Settled")
        .partition(|t| decimal(&t["Amount"]) > Decimal::ZERO);
    assert!(
        !refunds.is_empty(),
        "returned items are refunded to the card"
    );
    assert!(refunds.iter().all(|t| t["SaleId"].is_null()), "{refunds:?}");
    let charged: HashMap<i64, Decimal> = charges
        .iter()
        .map(|t| (t["TransactionId"].as_i64().unwrap(), decimal(&t["Amount"])))
        .collect();
    assert!(!charged.is_empty());
    let mut card_payments = 0;
    let mut split = 0;
    for sale in sales["Sales"].as_array().unwrap() {
        let total: Decimal = sale["PurchasedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| decimal(&i["TotalAmount"]))
            .sum();
        let payments = sale["Payments"].as_array().unwrap();
        let paid: Decimal = payments.iter().map(|p| decimal(&p["Amount"])).sum();
        assert_eq!(paid, total, "sale {}", sale["Id"]);
        assert!(paid > Decimal::ZERO);
        split += usize::from(payments.len() > 1);
        for payment in payments {
            if let Some(id) = payment["TransactionId"].as_i64() {
                card_payments += 1;
                assert_eq!(
                    charged.get(&id),
                    Some(&decimal(&payment["Amount"])),
                    "sale {}",
                    sale["Id"]
                );
            }
        }
    }
    assert_eq!(card_payments, charged.len(), "every charge is a payment");
    assert!(split > 0, "some sales are paid partly in cash");
}

/// With no window Mindbody serves every sale: the first one too, though the studio's first
/// moment has a fraction of a second that sale times (whole seconds) do not.
#[tokio::test]
async fn with_no_window_the_first_sale_is_served_too() {
    let now = Local::now().naive_local();
    let whole = now - Duration::nanoseconds(i64::from(now.and_utc().timestamp_subsec_nanos()));
    let anchor = whole - Duration::minutes(1) + Duration::milliseconds(700);
    let (sandbox, token) = studio(30, anchor).await;
    let (_, sales) = get(&sandbox, &token, "sale/sales", &[]).await;
    assert_eq!(sales["PaginationResponse"]["TotalResults"], 30);
    assert_eq!(sales["Sales"][0]["Id"], Studio::sale_id(0));
    let (_, cards) = get(&sandbox, &token, "sale/transactions", &[]).await;
    assert_eq!(cards["PaginationResponse"]["TotalResults"], 30);
}
