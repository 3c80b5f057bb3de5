//! Mindbody Public API v6 bodies, as the reference describes them. Money arrives as JSON numbers
//! and becomes `Decimal` here, at the boundary. Note the types: `Sale.ClientId` is a string,
//! `Transaction.ClientId` an integer.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

/// Every list reply's paging block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct PaginationResponse {
    #[serde(rename = "RequestedLimit", default)]
    pub requested_limit: u64,
    #[serde(rename = "RequestedOffset", default)]
    pub requested_offset: u64,
    #[serde(rename = "PageSize", default)]
    pub page_size: u64,
    #[serde(rename = "TotalResults", default)]
    pub total_results: u64,
}

/// No amount a studio's sale carries comes near this. Refusing larger ones at the boundary
/// keeps every sum of them (a day's sales) far from `Decimal`'s limit, where `+` would panic.
const LARGEST_AMOUNT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0); // 10^12

/// A JSON number (or null) as an exact decimal: through its text, never through f64 arithmetic.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let value = Option::<serde_json::Number>::deserialize(d)?;
    let amount = match value {
        None => return Ok(Decimal::ZERO),
        Some(n) => n
            .to_string()
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .map_err(serde::de::Error::custom)?,
    };
    if amount.abs() > LARGEST_AMOUNT {
        return Err(serde::de::Error::custom(format!(
            "the amount {amount} is larger than any sale's (at most 10^12)"
        )));
    }
    Ok(amount)
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SalesPage {
    #[serde(rename = "PaginationResponse", default)]
    pub pagination: PaginationResponse,
    #[serde(rename = "Sales", default)]
    pub sales: Vec<Sale>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sale {
    #[serde(rename = "Id")]
    pub id: i64,
    #[serde(rename = "SaleDateTime")]
    pub sale_date_time: NaiveDateTime,
    /// A string in `Sale` (an integer elsewhere).
    #[serde(rename = "ClientId", default)]
    pub client_id: Option<String>,
    #[serde(rename = "LocationId", default)]
    pub location_id: Option<i64>,
    #[serde(rename = "PurchasedItems", default)]
    pub purchased_items: Vec<PurchasedItem>,
    /// How it was paid; they add up to what it sold.
    #[serde(rename = "Payments", default, deserialize_with = "null_as_empty")]
    pub payments: Vec<SalePayment>,
}

/// One entry of `Sale.Payments[]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SalePayment {
    #[serde(rename = "Id")]
    pub id: i64,
    #[serde(rename = "Amount", deserialize_with = "decimal", default)]
    pub amount: Decimal,
    /// A number whose values Mindbody does not document.
    #[serde(rename = "Method", default)]
    pub method: Option<i64>,
    /// "Cash", "Check", a card's brand ("Visa"), a checkout type ("CreditCard"), ...
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    /// The card transaction behind it (`sale/transactions`), when it went through the processor.
    #[serde(rename = "TransactionId", default)]
    pub transaction_id: Option<i64>,
}

/// A list Mindbody may send as `null`.
pub(crate) fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PurchasedItem {
    #[serde(rename = "SaleDetailId")]
    pub sale_detail_id: i64,
    #[serde(rename = "Id", default)]
    pub id: i64,
    #[serde(rename = "IsService", default)]
    pub is_service: bool,
    #[serde(rename = "Description", default)]
    pub description: String,
    #[serde(rename = "CategoryId", default)]
    pub category_id: Option<i64>,
    /// The contract this item sold or paid an autopay of, when it did.
    #[serde(rename = "ContractId", default)]
    pub contract_id: Option<i64>,
    #[serde(rename = "UnitPrice", deserialize_with = "decimal", default)]
    pub unit_price: Decimal,
    #[serde(rename = "Quantity", default)]
    pub quantity: i64,
    #[serde(rename = "DiscountAmount", deserialize_with = "decimal", default)]
    pub discount_amount: Decimal,
    #[serde(rename = "TaxAmount", deserialize_with = "decimal", default)]
    pub tax_amount: Decimal,
    #[serde(rename = "TotalAmount", deserialize_with = "decimal", default)]
    pub total_amount: Decimal,
    #[serde(rename = "Returned", default)]
    pub returned: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_sales_page_reads_with_exact_money() {
        let page: SalesPage = serde_json::from_str(include_str!(
            "../../../tests/fixtures/mindbody/sales_page.json"
        ))
        .unwrap();
        assert_eq!(page.pagination.total_results, 2);
        let first = &page.sales[0];
        assert_eq!(first.client_id.as_deref(), Some("100000009"));
        assert_eq!(
            first.purchased_items[0].total_amount,
            Decimal::new(16200, 2)
        );
        assert_eq!(first.purchased_items[0].tax_amount.to_string(), "12.0");
    }

    #[test]
    fn the_reference_payments_and_card_transaction_read_without_card_digits() {
        let page: SalesPage = serde_json::from_str(include_str!(
            "../../../tests/fixtures/mindbody/sales_page.json"
        ))
        .unwrap();
        let cash = &page.sales[0].payments[0];
        assert_eq!((cash.id, cash.kind.as_deref()), (98001, Some("Cash")));
        assert_eq!(cash.transaction_id, None);
        let card = &page.sales[1].payments[0];
        assert_eq!(card.amount, Decimal::new(16797, 2));
        assert_eq!(
            (card.method, card.transaction_id),
            (Some(17), Some(5550123))
        );

        let page: TransactionsPage = serde_json::from_str(include_str!(
            "../../../tests/fixtures/mindbody/transactions_page.json"
        ))
        .unwrap();
        let charge = &page.transactions[0];
        assert_eq!(charge.amount, Decimal::new(16797, 2));
        assert_eq!(charge.merchant_id.as_deref(), Some("4445012345678"));
        assert_eq!(
            charge.transaction_time.map(|t| t.to_string()).as_deref(),
            Some("2024-05-03 17:05:09")
        );
        assert!(!charge.ach, "ACHLastFour is null: a card");
        assert!(
            !format!("{charge:?}").contains("1111"),
            "the card's last four are never read"
        );
    }

    #[test]
    fn payments_may_be_null_and_ach_digits_only_say_ach() {
        let sale: Sale = serde_json::from_str(
            r#"{"Id":1,"SaleDateTime":"2024-05-03T16:52:23","Payments":null}"#,
        )
        .unwrap();
        assert!(sale.payments.is_empty());
        let charge: CardTransaction =
            serde_json::from_str(r#"{"TransactionId":7,"ACHLastFour":"6789"}"#).unwrap();
        assert!(charge.ach);
        assert!(!format!("{charge:?}").contains("6789"));
    }

    #[test]
    fn money_is_never_rounded_through_floating_point() {
        let item: PurchasedItem = serde_json::from_str(
            r#"{"SaleDetailId":1,"UnitPrice":0.1,"TotalAmount":167.97,"TaxAmount":null,"DiscountAmount":2}"#,
        )
        .unwrap();
        assert_eq!(item.total_amount.to_string(), "167.97");
        assert_eq!(item.unit_price.to_string(), "0.1");
        assert_eq!(item.tax_amount, Decimal::ZERO);
    }

    #[test]
    fn an_amount_no_sale_has_is_refused_not_summed_into_a_panic() {
        let item = |amount: &str| {
            serde_json::from_str::<PurchasedItem>(&format!(
                r#"{{"SaleDetailId":1,"TotalAmount":{amount}}}"#
            ))
        };
        assert_eq!(item("1000000000000").unwrap().total_amount, LARGEST_AMOUNT);
        for huge in ["1000000000000.01", "-7.9e27"] {
            let error = item(huge).unwrap_err().to_string();
            assert!(error.contains("larger than any sale"), "{huge}: {error}");
        }
        assert!(item("1e300").is_err(), "past Decimal itself: refused too");
    }
}

/// Mindbody writes times with or without fractions and a `Z`; all are studio-local readings.
pub(crate) fn lenient_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<NaiveDateTime>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let text = text.trim_end_matches('Z');
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a date and time")))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CategoriesPage {
    #[serde(rename = "PaginationResponse", default)]
    pub pagination: PaginationResponse,
    #[serde(rename = "Categories", default)]
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Category {
    #[serde(rename = "Id")]
    pub id: i64,
    #[serde(rename = "CategoryName", default)]
    pub name: String,
    #[serde(rename = "Service", default)]
    pub service: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClientsPage {
    #[serde(rename = "PaginationResponse", default)]
    pub pagination: PaginationResponse,
    #[serde(rename = "Clients", default)]
    pub clients: Vec<Client>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Client {
    /// A string in `Client` too.
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "FirstName", default)]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default)]
    pub last_name: Option<String>,
    #[serde(rename = "Email", default)]
    pub email: Option<String>,
    #[serde(rename = "MobilePhone", default)]
    pub mobile_phone: Option<String>,
    #[serde(
        rename = "LastModifiedDateTime",
        default,
        deserialize_with = "lenient_time"
    )]
    pub last_modified: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TransactionsPage {
    #[serde(rename = "PaginationResponse", default)]
    pub pagination: PaginationResponse,
    #[serde(rename = "Transactions", default)]
    pub transactions: Vec<CardTransaction>,
}

/// A card or ACH transaction behind a sale. The card's digits (`CCLastFour`) are not read;
/// of `ACHLastFour` only whether it is there (it says the charge was a bank debit).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CardTransaction {
    #[serde(rename = "TransactionId")]
    pub transaction_id: i64,
    #[serde(rename = "SaleId", default)]
    pub sale_id: Option<i64>,
    /// An integer in `Transaction` (a string in `Sale`).
    #[serde(rename = "ClientId", default)]
    pub client_id: Option<i64>,
    /// What was charged on the card (Mindbody's sign, see `mapping::card_transaction_of`).
    #[serde(rename = "Amount", deserialize_with = "decimal", default)]
    pub amount: Decimal,
    #[serde(rename = "Settled", default)]
    pub settled: bool,
    #[serde(rename = "Status", default)]
    pub status: String,
    #[serde(rename = "TransactionTime", default, deserialize_with = "lenient_time")]
    pub transaction_time: Option<NaiveDateTime>,
    #[serde(rename = "AuthTime", default, deserialize_with = "lenient_time")]
    pub auth_time: Option<NaiveDateTime>,
    #[serde(rename = "LocationId", default)]
    pub location_id: Option<i64>,
    #[serde(rename = "MerchantId", default)]
    pub merchant_id: Option<String>,
    #[serde(rename = "CardType", default)]
    pub card_type: Option<String>,
    #[serde(rename = "ACHLastFour", default, deserialize_with = "present")]
    pub ach: bool,
}

/// Whether a text field carries something, without keeping what (card and account digits).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(
        Option::<serde_json::Value>::deserialize(d)?.is_some_and(|v| match v {
            serde_json::Value::String(s) => !s.trim().is_empty(),
            serde_json::Value::Null => false,
            _ => true,
        }),
    )
}
