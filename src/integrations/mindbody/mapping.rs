//! What a Mindbody sale becomes in the books: one transaction per purchased item, keyed
//! `mindbody@{SiteId}:sale:{SaleId}:{SaleDetailId}` (shown without the site), a return as a negative amount, discount and tax kept,
//! linked to the customer and (through the category mapping) the financial class; its payments
//! (`…:payment:{Id}`) and the card transactions behind them (`…:card:{TransactionId}`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::types::Sale;
use crate::books::AccountKey;
use crate::books::payment::{CardTransaction, Payment, PaymentMethod, SalePayments};
use crate::books::{Customer, Transaction};

/// The currency Mindbody's amounts are taken to be in (the v6 API names none).
pub const CURRENCY: &str = "USD";

/// The key of a sale itself: its items' keys and payments' `sale` start with it.
pub fn sale_ref(site: &AccountKey, sale_id: i64) -> String {
    site.key(&format!("sale:{sale_id}"))
}

pub fn payment_key(site: &AccountKey, payment_id: i64) -> String {
    site.key(&format!("payment:{payment_id}"))
}

pub fn card_key(site: &AccountKey, transaction_id: i64) -> String {
    site.key(&format!("card:{transaction_id}"))
}

pub fn sale_key(site: &AccountKey, sale_id: i64, sale_detail_id: i64) -> String {
    site.key(&format!("sale:{sale_id}:{sale_detail_id}"))
}

/// What every transaction key of a sale starts with.
pub fn sale_prefix(site: &AccountKey, sale_id: i64) -> String {
    format!("{}:", sale_ref(site, sale_id))
}

/// Whether a key is a webhook's stand-in for an item (see `webhooks::payload`).
pub fn is_provisional(key: &str) -> bool {
    key.rsplit(':')
        .next()
        .is_some_and(|last| last.starts_with('w'))
}

pub fn client_key(site: &AccountKey, client_id: &str) -> String {
    site.key(&format!("client:{client_id}"))
}

/// The transactions of one sale at `site`. `classes` maps category ids to financial classes.
pub fn transactions_of(
    site: &AccountKey,
    sale: &Sale,
    classes: &HashMap<i64, String>,
    synced_at: DateTime<Utc>,
) -> Vec<Transaction> {
    let payment_method =
        crate::books::transaction::payment_method_of(sale.payments.iter().map(|p| {
            PaymentMethod::from_mindbody(
                p.kind.as_deref().unwrap_or_default(),
                p.transaction_id.is_some(),
            )
            .kind()
        }));
    sale.purchased_items
        .iter()
        .map(|item| {
            let sign = if item.returned {
                -rust_decimal::Decimal::ONE
            } else {
                rust_decimal::Decimal::ONE
            };
            Transaction {
                key: sale_key(site, sale.id, item.sale_detail_id),
                date: sale.sale_date_time,
                amount: item.total_amount.abs() * sign,
                tax: item.tax_amount.abs() * sign,
                discount: item.discount_amount,
                currency: CURRENCY.into(),
                description: crate::text::one_line(&item.description),
                category_id: item.category_id,
                class: item.category_id.and_then(|c| classes.get(&c).cloned()),
                customer: sale
                    .client_id
                    .as_deref()
                    .filter(|c| !c.is_empty())
                    .map(|client| client_key(site, client)),
                source: "mindbody".into(),
                returned: item.returned,
                settlement: None,
                location_id: sale.location_id,
                payment_method: payment_method.clone(),
                contract: item.contract_id,
                synced_at,
            }
        })
        .collect()
}

/// How one sale at `site` was paid, as the sync reads it: these replace the sale's payments in
/// the books.
pub fn payments_of(site: &AccountKey, sale: &Sale) -> SalePayments {
    SalePayments {
        sale: sale_ref(site, sale.id),
        payments: sale
            .payments
            .iter()
            .map(|p| {
                let name = p.kind.as_deref().unwrap_or_default();
                Payment {
                    key: payment_key(site, p.id),
                    sale: sale_ref(site, sale.id),
                    date: sale.sale_date_time,
                    amount: p.amount,
                    currency: CURRENCY.into(),
                    method: PaymentMethod::from_mindbody(name, p.transaction_id.is_some()),
                    method_name: bounded_name(name),
                    method_id: p.method,
                    card_transaction_id: p.transaction_id,
                    location_id: sale.location_id,
                    provisional: false,
                }
            })
            .collect(),
    }
}

/// A name from Mindbody (a card brand, a status) as the books keep it: one line, bounded.
pub(crate) fn bounded_name(text: &str) -> String {
    crate::text::one_line_within(text, 64)
}

/// A card transaction of `site` as the books keep it; None when Mindbody gives it no time at
/// all (it could not be placed in any settlement window). Mindbody's `Amount` is "the amount
/// charged on the card"; a refund whose status says so but whose amount is positive is made
/// negative, so a refund always takes money back out of a deposit.
pub fn card_transaction_of(
    site: &AccountKey,
    card: &super::types::CardTransaction,
) -> Option<CardTransaction> {
    let status = bounded_name(&card.status);
    let lower = status.to_lowercase();
    let refund = ["refund", "return", "chargeback"]
        .iter()
        .any(|word| lower.contains(word));
    let amount = if refund && card.amount.is_sign_positive() && !card.amount.is_zero() {
        -card.amount
    } else {
        card.amount
    };
    let texts = |text: &Option<String>| text.as_deref().map(bounded_name).filter(|t| !t.is_empty());
    Some(CardTransaction {
        key: card_key(site, card.transaction_id),
        transaction_id: card.transaction_id,
        sale: card.sale_id.map(|id| sale_ref(site, id)),
        amount,
        currency: CURRENCY.into(),
        time: card.transaction_time.or(card.auth_time)?,
        auth_time: card.auth_time,
        merchant_id: texts(&card.merchant_id),
        settled: card.settled,
        status,
        card_type: texts(&card.card_type),
        ach: card.ach,
        location_id: card.location_id,
    })
}

/// A Mindbody client of `site` as a customer, before it is matched to the books
/// ([`crate::books::ledger::matched`]).
pub fn customer_of(site: &AccountKey, client: &super::types::Client) -> Customer {
    let first = client.first_name.clone().unwrap_or_default();
    let last = client.last_name.clone().unwrap_or_default();
    Customer {
        key: client_key(site, &client.id),
        mindbody_id: Some(client.id.clone()),
        first_name: crate::text::one_line(&first),
        last_name: crate::text::one_line(&last),
        email: client.email.clone(),
        phone: client.mobile_phone.clone(),
        source: "mindbody".into(),
        modified_at: client.last_modified,
        modified_by: Some("sync".into()),
        possible_duplicate_of: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::mindbody::types::SalesPage;

    #[test]
    fn one_transaction_per_item_with_returns_negative() {
        let page: SalesPage = serde_json::from_str(include_str!(
            "../../../tests/fixtures/mindbody/sales_page.json"
        ))
        .unwrap();
        let classes = HashMap::from([(22, "Class revenue".to_string())]);
        let mut sale = page.sales[0].clone();
        let site = AccountKey::new(crate::domain::Provider::Mindbody, "-99").unwrap();
        let txs = transactions_of(&site, &sale, &classes, Utc::now());
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0].key, "mindbody@-99:sale:100458:211873");
        assert_eq!(txs[0].amount.to_string(), "162.0");
        assert_eq!(txs[0].class.as_deref(), Some("Class revenue"));
        assert_eq!(
            txs[0].customer.as_deref(),
            Some("mindbody@-99:client:100000009")
        );
        sale.purchased_items[0].returned = true;
        let refund = transactions_of(&site, &sale, &classes, Utc::now());
        assert_eq!(refund[0].amount.to_string(), "-162.0");
        assert_eq!(
            refund[0].key, txs[0].key,
            "a return updates the same transaction"
        );
    }

    #[test]
    fn the_reference_sales_payments_are_cash_and_a_visa_charge() {
        let page: SalesPage = serde_json::from_str(include_str!(
            "../../../tests/fixtures/mindbody/sales_page.json"
        ))
        .unwrap();
        let site = AccountKey::new(crate::domain::Provider::Mindbody, "-99").unwrap();
        let cash = payments_of(&site, &page.sales[0]);
        assert_eq!(cash.sale, "mindbody@-99:sale:100458");
        assert!(sale_key(&site, 100458, 211873).starts_with(&format!("{}:", cash.sale)));
        assert_eq!(cash.payments[0].key, "mindbody@-99:payment:98001");
        assert_eq!(cash.payments[0].method, PaymentMethod::Cash);
        assert_eq!(cash.payments[0].date, page.sales[0].sale_date_time);
        let card = &payments_of(&site, &page.sales[1]).payments[0];
        assert_eq!(card.method, PaymentMethod::Card);
        assert_eq!(card.method_name, "Visa");
        assert_eq!(card.card_transaction_id, Some(5550123));
        assert_eq!(card.amount.to_string(), "167.97");
    }

    #[test]
    fn card_transactions_keep_their_merchant_and_refunds_are_negative() {
        use crate::integrations::mindbody::types::TransactionsPage;
        let page: TransactionsPage = serde_json::from_str(include_str!(
            "../../../tests/fixtures/mindbody/transactions_page.json"
        ))
        .unwrap();
        let site = AccountKey::new(crate::domain::Provider::Mindbody, "-99").unwrap();
        let mut raw = page.transactions[0].clone();
        let card = card_transaction_of(&site, &raw).unwrap();
        assert_eq!(card.key, "mindbody@-99:card:5550123");
        assert_eq!(card.sale.as_deref(), Some("mindbody@-99:sale:100459"));
        assert_eq!(card.merchant_id.as_deref(), Some("4445012345678"));
        assert!(!card.is_refund());
        raw.status = "Refunded".into();
        assert_eq!(
            card_transaction_of(&site, &raw).unwrap().amount.to_string(),
            "-167.97"
        );
        raw.amount = -raw.amount;
        assert_eq!(
            card_transaction_of(&site, &raw).unwrap().amount.to_string(),
            "-167.97",
            "a negative refund stays negative"
        );
        raw.transaction_time = None;
        assert_eq!(
            card_transaction_of(&site, &raw).unwrap().time,
            raw.auth_time.unwrap()
        );
        raw.auth_time = None;
        assert_eq!(
            card_transaction_of(&site, &raw),
            None,
            "no time: nowhere to place it"
        );
    }
}
