//! What a Mindbody sale becomes in the books: one transaction per purchased item, keyed
//! `mindbody@{SiteId}:sale:{SaleId}:{SaleDetailId}` (shown without the site), a return as a negative amount, discount and tax kept,
//! linked to the customer and (through the category mapping) the financial class.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::types::Sale;
use crate::books::AccountKey;
use crate::books::{Customer, Transaction};

pub fn sale_key(site: &AccountKey, sale_id: i64, sale_detail_id: i64) -> String {
    site.key(&format!("sale:{sale_id}:{sale_detail_id}"))
}

/// What every transaction key of a sale starts with.
pub fn sale_prefix(site: &AccountKey, sale_id: i64) -> String {
    site.key(&format!("sale:{sale_id}:"))
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
                currency: "USD".into(),
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
                synced_at,
            }
        })
        .collect()
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
}
