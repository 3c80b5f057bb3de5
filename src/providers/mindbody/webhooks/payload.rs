//! What a delivery says: the envelope every event shares, and the two kinds of event data the hub
//! acts on. A `clientSale.created` carries no `SaleDetailId`, so its items become *provisional*
//! transactions (`mindbody:sale:{SaleId}:w{n}`) that the sync of that sale replaces with the real
//! ones; a sale seen by webhook and by sync is therefore one set of transactions in the end.

use chrono::{DateTime, Local, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use super::super::sync::{client_key, sale_prefix};
use super::super::types::{Client, decimal};
use crate::finance::Transaction;

pub const SALE_CREATED: &str = "clientSale.created";
pub const CLIENT_CREATED: &str = "client.created";
pub const CLIENT_UPDATED: &str = "client.updated";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the body is not a Mindbody event ({0})")]
    Envelope(String),
    #[error("the {event} data could not be read ({reason})")]
    Data { event: String, reason: String },
}

/// The envelope of every delivery. The event data stays raw JSON (checked, not built into a
/// tree) until the event's own type reads it: under a burst, building and cloning a
/// `serde_json::Value` of every body was a good part of the receiver's work.
#[derive(Debug, Clone, Deserialize)]
pub struct Delivery {
    #[serde(rename = "messageId")]
    pub message_id: String,
    #[serde(rename = "eventId")]
    pub event_id: String,
    #[serde(rename = "eventInstanceOriginationDateTime", default)]
    pub originated_at: Option<DateTime<Utc>>,
    #[serde(rename = "eventData", default)]
    data: Option<Box<serde_json::value::RawValue>>,
}

impl Delivery {
    pub fn parse(body: &[u8]) -> Result<Delivery, DeliveryError> {
        let delivery: Delivery =
            serde_json::from_slice(body).map_err(|e| DeliveryError::Envelope(e.to_string()))?;
        if delivery.message_id.trim().is_empty() {
            return Err(DeliveryError::Envelope("messageId is empty".into()));
        }
        Ok(delivery)
    }

    fn data<T: serde::de::DeserializeOwned>(&self) -> Result<T, DeliveryError> {
        let raw = self.data.as_deref().map_or("null", |d| d.get());
        serde_json::from_str(raw).map_err(|e| DeliveryError::Data {
            event: self.event_id.clone(),
            reason: e.to_string(),
        })
    }

    pub fn sale(&self) -> Result<SaleCreated, DeliveryError> {
        self.data()
    }

    pub fn client(&self) -> Result<Client, DeliveryError> {
        self.data::<ClientChanged>().map(ClientChanged::into_client)
    }
}

/// `clientSale.created` event data.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SaleCreated {
    #[serde(rename = "saleId")]
    pub sale_id: i64,
    #[serde(rename = "purchasingClientId", default, deserialize_with = "id_text")]
    pub purchasing_client_id: Option<String>,
    /// UTC, unlike the v6 API's studio-local times.
    #[serde(rename = "saleDateTime")]
    pub sale_date_time: DateTime<Utc>,
    #[serde(rename = "totalAmountPaid", default, deserialize_with = "decimal")]
    pub total_amount_paid: Decimal,
    #[serde(default)]
    pub items: Vec<SaleItem>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SaleItem {
    #[serde(rename = "itemId", default)]
    pub item_id: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "amountPaid", default, deserialize_with = "decimal")]
    pub amount_paid: Decimal,
    #[serde(rename = "amountDiscounted", default, deserialize_with = "decimal")]
    pub amount_discounted: Decimal,
    #[serde(rename = "recipientClientId", default, deserialize_with = "id_text")]
    pub recipient_client_id: Option<String>,
}

impl SaleCreated {
    /// When the sale happened, as the sync's (studio-local) readings are kept.
    pub fn local_time(&self) -> NaiveDateTime {
        self.sale_date_time.with_timezone(&Local).naive_local()
    }

    /// The provisional transactions of this sale, until a sync brings its real ones.
    pub fn transactions(&self, received_at: DateTime<Utc>) -> Vec<Transaction> {
        let buyer = self
            .purchasing_client_id
            .as_deref()
            .filter(|c| !c.is_empty());
        self.items
            .iter()
            .enumerate()
            .map(|(n, item)| Transaction {
                key: format!("{}w{}", sale_prefix(self.sale_id), n + 1),
                date: self.local_time(),
                amount: item.amount_paid,
                tax: Decimal::ZERO,
                discount: item.amount_discounted,
                currency: "USD".into(),
                description: crate::present::one_line(&item.name),
                category_id: None,
                class: None,
                customer: item
                    .recipient_client_id
                    .as_deref()
                    .filter(|c| !c.is_empty())
                    .or(buyer)
                    .map(client_key),
                source: "mindbody".into(),
                returned: item.amount_paid.is_sign_negative(),
                settlement: None,
                synced_at: received_at,
            })
            .collect()
    }
}

/// `client.created` / `client.updated` event data (the fields the books keep).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ClientChanged {
    #[serde(rename = "clientId", deserialize_with = "required_id_text")]
    client_id: String,
    #[serde(rename = "firstName", default)]
    first_name: Option<String>,
    #[serde(rename = "lastName", default)]
    last_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(rename = "mobilePhone", default)]
    mobile_phone: Option<String>,
}

impl ClientChanged {
    fn into_client(self) -> Client {
        Client {
            id: self.client_id,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email.filter(|e| !e.trim().is_empty()),
            mobile_phone: self.mobile_phone.filter(|p| !p.trim().is_empty()),
            last_modified: None,
        }
    }
}

/// Ids Mindbody sends as text in one event and as a number in another.
fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

fn required_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    id_text(d)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| serde::de::Error::custom("clientId is missing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        include_bytes!("../../../../tests/fixtures/mindbody/webhook_clientSale_created.body.json");

    #[test]
    fn the_reference_sale_becomes_one_provisional_transaction() {
        let delivery = Delivery::parse(BODY).unwrap();
        assert_eq!(delivery.event_id, SALE_CREATED);
        assert_eq!(delivery.message_id, "ASwFMoA2Q5UKw69g3RDbvU");
        let sale = delivery.sale().unwrap();
        let txs = sale.transactions(Utc::now());
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0].key, "mindbody:sale:100458:w1");
        assert_eq!(txs[0].amount, Decimal::new(1620, 1));
        assert_eq!(
            txs[0].customer.as_deref(),
            Some("mindbody:client:100000009")
        );
        assert_eq!(txs[0].description, "10 Class Pass");
    }

    #[test]
    fn clients_read_with_text_or_number_ids() {
        for id in [r#""100000009""#, "100000009"] {
            let body = format!(
                r#"{{"messageId":"m","eventId":"client.created","eventData":{{"clientId":{id},"firstName":"Ana","lastName":"Ruiz","email":"ana@example.com"}}}}"#
            );
            let client = Delivery::parse(body.as_bytes()).unwrap().client().unwrap();
            assert_eq!(client.id, "100000009");
            assert_eq!(client.email.as_deref(), Some("ana@example.com"));
        }
    }

    #[test]
    fn broken_bodies_say_what_is_wrong() {
        assert!(matches!(
            Delivery::parse(b"not json"),
            Err(DeliveryError::Envelope(_))
        ));
        assert!(matches!(
            Delivery::parse(br#"{"messageId":"","eventId":"x"}"#),
            Err(DeliveryError::Envelope(_))
        ));
        let odd = Delivery::parse(
            br#"{"messageId":"m","eventId":"clientSale.created","eventData":{"saleId":"x"}}"#,
        )
        .unwrap();
        assert!(matches!(odd.sale(), Err(DeliveryError::Data { .. })));
    }
}
