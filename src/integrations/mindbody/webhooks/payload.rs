//! What a delivery says: the envelope every event shares, and the two kinds of event data the hub
//! acts on. A `clientSale.created` carries no `SaleDetailId`, so its items become *provisional*
//! transactions (`mindbody@{SiteId}:sale:{SaleId}:w{n}`) that the sync of that sale replaces with the real
//! ones; a sale seen by webhook and by sync is therefore one set of transactions in the end. Its
//! payments are keyed as the sync's (`paymentId` is `Sale.Payments[].Id`) and marked provisional:
//! the sync of the sale replaces them with what it knows (the card transaction behind each).

use chrono::{DateTime, Local, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use super::super::mapping::{
    CURRENCY, bounded_name, client_key, payment_key, sale_prefix, sale_ref,
};
use super::super::types::{Client, decimal, null_as_empty};
use crate::books::AccountKey;
use crate::books::payment::{Payment, PaymentMethod, SalePayments};
use crate::books::{Customer, Transaction};

pub const SALE_CREATED: &str = "clientSale.created";
pub const CLIENT_CREATED: &str = "client.created";
pub const CLIENT_UPDATED: &str = "client.updated";
pub const CONTRACT_CREATED: &str = "clientContract.created";
pub const CONTRACT_UPDATED: &str = "clientContract.updated";
pub const CONTRACT_CANCELLED: &str = "clientContract.cancelled";

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

    /// The site the event happened at (`eventData.siteId`), when it says.
    pub fn site_id(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Site {
            #[serde(rename = "siteId", default, deserialize_with = "id_text")]
            site_id: Option<String>,
        }
        self.data::<Site>().ok()?.site_id.filter(|s| !s.is_empty())
    }

    pub fn sale(&self) -> Result<SaleCreated, DeliveryError> {
        self.data()
    }

    pub fn client(&self) -> Result<ClientChanged, DeliveryError> {
        self.data()
    }

    pub fn contract(&self) -> Result<ContractChanged, DeliveryError> {
        self.data()
    }

    /// When the change happened at Mindbody, on the studio's clock (as the v6 API's times are).
    pub fn originated_local(&self) -> Option<NaiveDateTime> {
        self.originated_at
            .map(|at| at.with_timezone(&Local).naive_local())
    }
}

/// `clientContract.created`, `.updated` or `.cancelled` event data: only whose contract it is
/// is read (the contracts themselves are read from the API, with their autopays).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContractChanged {
    #[serde(rename = "clientId", default, deserialize_with = "id_text")]
    pub client_id: Option<String>,
    #[serde(rename = "clientContractId", default)]
    pub client_contract_id: Option<i64>,
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
    #[serde(default, deserialize_with = "null_as_empty")]
    pub payments: Vec<SalePaymentMade>,
    #[serde(rename = "locationId", default)]
    pub location_id: Option<i64>,
}

/// One of a `clientSale.created`'s `payments`. Its `paymentLastFour` is not read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SalePaymentMade {
    #[serde(rename = "paymentId")]
    pub payment_id: i64,
    #[serde(rename = "paymentMethodId", default)]
    pub method_id: Option<i64>,
    #[serde(rename = "paymentMethodName", default)]
    pub method_name: Option<String>,
    #[serde(rename = "paymentAmountPaid", default, deserialize_with = "decimal")]
    pub amount_paid: Decimal,
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

    /// The provisional transactions of this sale at `site`, until a sync brings its real ones.
    pub fn transactions(&self, site: &AccountKey, received_at: DateTime<Utc>) -> Vec<Transaction> {
        // A webhook names no card transaction: a method it does not name is `Other`, as its
        // provisional payments say.
        let payment_method =
            crate::books::transaction::payment_method_of(self.payments.iter().map(|p| {
                PaymentMethod::from_mindbody(p.method_name.as_deref().unwrap_or_default(), false)
                    .kind()
            }));
        let buyer = self
            .purchasing_client_id
            .as_deref()
            .filter(|c| !c.is_empty());
        self.items
            .iter()
            .enumerate()
            .map(|(n, item)| Transaction {
                key: format!("{}w{}", sale_prefix(site, self.sale_id), n + 1),
                date: self.local_time(),
                amount: item.amount_paid,
                tax: Decimal::ZERO,
                discount: item.amount_discounted,
                currency: CURRENCY.into(),
                description: crate::text::one_line(&item.name),
                category_id: None,
                class: None,
                customer: item
                    .recipient_client_id
                    .as_deref()
                    .filter(|c| !c.is_empty())
                    .or(buyer)
                    .map(|client| client_key(site, client)),
                source: "mindbody".into(),
                returned: item.amount_paid.is_sign_negative(),
                settlement: None,
                location_id: self.location_id,
                payment_method: payment_method.clone(),
                contract: None,
                synced_at: received_at,
            })
            .collect()
    }

    /// The provisional payments of this sale at `site`, until a sync brings the sale's own.
    /// A webhook names no card transaction, so a method it does not name is `Other`.
    pub fn payments(&self, site: &AccountKey) -> SalePayments {
        SalePayments {
            sale: sale_ref(site, self.sale_id),
            payments: self
                .payments
                .iter()
                .map(|p| {
                    let name = p.method_name.as_deref().unwrap_or_default();
                    Payment {
                        key: payment_key(site, p.payment_id),
                        sale: sale_ref(site, self.sale_id),
                        date: self.local_time(),
                        amount: p.amount_paid,
                        currency: CURRENCY.into(),
                        method: PaymentMethod::from_mindbody(name, false),
                        method_name: bounded_name(name),
                        method_id: p.method_id,
                        card_transaction_id: None,
                        location_id: self.location_id,
                        provisional: true,
                    }
                })
                .collect(),
        }
    }
}

/// `client.created` / `client.updated` event data: the fields the books keep, each as the event
/// carries it. `None`: the event does not carry the field (it says nothing of it, and what the
/// books hold stays); `Some(None)`: it carries null or an empty text (the studio cleared it);
/// `Some(Some(v))`: a value.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClientChanged {
    #[serde(rename = "clientId", deserialize_with = "required_id_text")]
    pub client_id: String,
    #[serde(rename = "firstName", default, deserialize_with = "carried")]
    pub first_name: Option<Option<String>>,
    #[serde(rename = "lastName", default, deserialize_with = "carried")]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "carried")]
    pub email: Option<Option<String>>,
    #[serde(rename = "mobilePhone", default, deserialize_with = "carried")]
    pub mobile_phone: Option<Option<String>>,
}

impl ClientChanged {
    /// The client as it is after this change, on top of the books' copy (`stored`): the fields
    /// the event carries replace the stored ones, the others stay, and the stamp is the event's
    /// (the stored one when the event has none; never cleared).
    pub fn onto(&self, stored: Option<&Customer>, stamp: Option<NaiveDateTime>) -> Client {
        fn pick(carried: &Option<Option<String>>, stored: Option<&str>) -> Option<String> {
            match carried {
                Some(value) => value.clone(),
                None => stored.filter(|s| !s.is_empty()).map(str::to_string),
            }
        }
        Client {
            id: self.client_id.clone(),
            first_name: pick(&self.first_name, stored.map(|c| c.first_name.as_str())),
            last_name: pick(&self.last_name, stored.map(|c| c.last_name.as_str())),
            email: pick(&self.email, stored.and_then(|c| c.email.as_deref())),
            mobile_phone: pick(&self.mobile_phone, stored.and_then(|c| c.phone.as_deref())),
            last_modified: stamp.or(stored.and_then(|c| c.modified_at)),
        }
    }
}

/// A field the event carries: its text, or None when it is null or blank.
fn carried<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(
        Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()),
    ))
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
        assert_eq!(delivery.site_id().as_deref(), Some("-99"));
        let site = AccountKey::new(crate::domain::Provider::Mindbody, "-99").unwrap();
        let txs = sale.transactions(&site, Utc::now());
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0].key, "mindbody@-99:sale:100458:w1");
        assert_eq!(txs[0].amount, Decimal::new(1620, 1));
        assert_eq!(
            txs[0].customer.as_deref(),
            Some("mindbody@-99:client:100000009")
        );
        assert_eq!(txs[0].description, "10 Class Pass");
        let paid = sale.payments(&site);
        assert_eq!(paid.sale, "mindbody@-99:sale:100458");
        assert_eq!(paid.payments.len(), 1);
        let cash = &paid.payments[0];
        assert_eq!(
            cash.key, "mindbody@-99:payment:98001",
            "the sync's key for the same payment"
        );
        assert_eq!(cash.method, PaymentMethod::Cash);
        assert_eq!(cash.amount, Decimal::new(1620, 1));
        assert!(cash.provisional);
    }

    #[test]
    fn clients_read_with_text_or_number_ids() {
        for id in [r#""100000009""#, "100000009"] {
            let body = format!(
                r#"{{"messageId":"m","eventId":"client.created","eventData":{{"clientId":{id},"firstName":"Ana","lastName":"Ruiz","email":"ana@example.com"}}}}"#
            );
            let client = Delivery::parse(body.as_bytes()).unwrap().client().unwrap();
            assert_eq!(client.client_id, "100000009");
            assert_eq!(client.email, Some(Some("ana@example.com".into())));
        }
    }

    #[test]
    fn a_field_the_event_does_not_carry_keeps_the_stored_one_and_null_clears_it() {
        let stored = Customer {
            key: "mindbody:client:7".into(),
            mindbody_id: Some("7".into()),
            first_name: "Ana".into(),
            last_name: "Ruiz".into(),
            email: Some("ana@example.com".into()),
            phone: Some("805 550 0001".into()),
            source: "mindbody".into(),
            modified_at: NaiveDateTime::parse_from_str("2026-12-03 12:30:00", "%F %T").ok(),
            modified_by: Some("sync".into()),
            possible_duplicate_of: None,
        };
        let body = br#"{"messageId":"m","eventId":"client.updated","eventData":{"clientId":"7","lastName":"Ruiz Vega","email":null}}"#;
        let change = Delivery::parse(body).unwrap().client().unwrap();
        assert_eq!(change.first_name, None, "absent");
        assert_eq!(change.email, Some(None), "null");
        let client = change.onto(Some(&stored), None);
        assert_eq!(
            client.first_name.as_deref(),
            Some("Ana"),
            "kept: not carried"
        );
        assert_eq!(client.last_name.as_deref(), Some("Ruiz Vega"), "carried");
        assert_eq!(client.email, None, "cleared: carried as null");
        assert_eq!(client.mobile_phone.as_deref(), Some("805 550 0001"), "kept");
        assert_eq!(
            client.last_modified, stored.modified_at,
            "a stamp is never cleared"
        );
        let stamp = NaiveDateTime::parse_from_str("2026-12-03 13:00:00", "%F %T").ok();
        assert_eq!(change.onto(Some(&stored), stamp).last_modified, stamp);
        assert_eq!(change.onto(None, None).first_name, None);
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
