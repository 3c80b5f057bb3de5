//! How a row of the seed's tables, the customers and the transactions is read from the hub
//! (the books' other tables: [`super::book_rows`]). Secrets only as they are kept: sealed.

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::kind::{Value, local_micros, micros};
use super::{Found, Reading, Row};
use crate::domain::IntegrationId;
use crate::store::StoreError;
use crate::store::outbox::MirroredTable;
use crate::store::seal::to_hex;

impl Reading<'_> {
    /// The row under `key` (a key of the hub's tree) as it is now.
    pub fn read(&self, table: MirroredTable, key: &[u8]) -> Result<Found, StoreError> {
        let text_key = String::from_utf8_lossy(key).into_owned();
        match table {
            MirroredTable::FinancialClasses
            | MirroredTable::BankAccounts
            | MirroredTable::BankLines
            | MirroredTable::Matches
            | MirroredTable::DailyTotals => self.read_books(table, key),
            MirroredTable::Integrations => {
                // A chain's further site is its own row (`mindbody@5567`), as in the hub.
                let Some(id) = IntegrationId::from_key(&text_key) else {
                    return Ok(Found::Gone(text_key));
                };
                Ok(match self.store.integration(id)? {
                    Some(record) => Found::Row(self.integration_row(record)),
                    None => Found::Gone(text_key),
                })
            }
            MirroredTable::IntegrationTokens => {
                let id = IntegrationId::from_key(&text_key);
                let (Some(id), true) = (id, self.tokens) else {
                    return Ok(Found::Gone(text_key));
                };
                let (Some(sealed), Some(tokens)) =
                    (self.store.sealed_tokens(&id)?, self.store.tokens(&id)?)
                else {
                    return Ok(Found::Gone(text_key));
                };
                Ok(Found::Row(Row {
                    values: vec![
                        Value::Text(text_key),
                        Value::Text(sealed_text(&sealed)),
                        // Both tokens are in the one sealed value.
                        Value::Null,
                        Value::Text(tokens.token_type.clone()),
                        tokens
                            .expires_at
                            .map_or(Value::Null, |t| Value::TimestampTz(micros(t))),
                        Value::opt_text(tokens.scope.as_deref()),
                        Value::TimestampTz(micros(tokens.created_at)),
                    ],
                }))
            }
            MirroredTable::IntegrationSyncLogs => {
                let id = sync_log_id(&self.studio_id, key);
                Ok(match self.store.sync_log_by_key(key)? {
                    Some(log) => Found::Row(Row {
                        values: vec![
                            Value::Text(id),
                            Value::Text(log.integration().key()),
                            Value::Text(log.sync_type.clone()),
                            Value::Text(json_name(&log.status)),
                            Value::Int(
                                (log.records.new + log.records.updated).min(i32::MAX as u64) as i64,
                            ),
                            Value::Int(log.api_calls.min(i32::MAX as u64) as i64),
                            Value::opt_text(log.error_details.as_deref()),
                            Value::TimestampTz(micros(log.started_at)),
                            log.completed_at
                                .map_or(Value::Null, |t| Value::TimestampTz(micros(t))),
                        ],
                    }),
                    None => Found::Gone(id),
                })
            }
            MirroredTable::Customers => Ok(match self.store.customer(&text_key)? {
                Some(c) => Found::Row(Row {
                    values: vec![
                        Value::Text(c.key.clone()),
                        Value::Text(c.source.clone()),
                        Value::opt_text(c.mindbody_id.as_deref()),
                        Value::Text(c.first_name.clone()),
                        Value::Text(c.last_name.clone()),
                        Value::opt_text(c.email.as_deref()),
                        Value::opt_text(c.phone.as_deref()),
                        c.modified_at
                            .map_or(Value::Null, |t| Value::Timestamp(local_micros(t))),
                    ],
                }),
                None => Found::Gone(text_key),
            }),
            MirroredTable::Transactions => Ok(match self.store.transaction(&text_key)? {
                Some(tx) => Found::Row(Row {
                    values: vec![
                        Value::Text(tx.key.clone()),
                        Value::Text(tx.source.clone()),
                        Value::Timestamp(local_micros(tx.date)),
                        Value::Numeric(tx.amount),
                        Value::Numeric(tx.tax),
                        Value::Numeric(tx.discount),
                        Value::Text(tx.currency.clone()),
                        Value::Text(tx.description.clone()),
                        tx.category_id.map_or(Value::Null, Value::Int),
                        Value::opt_text(tx.class.as_deref()),
                        Value::opt_text(tx.customer.as_deref()),
                        Value::Bool(tx.returned),
                        tx.location_id.map_or(Value::Null, Value::Int),
                        Value::opt_text(tx.payment_method.as_deref()),
                        tx.contract.map_or(Value::Null, Value::Int),
                        Value::Json(serde_json::json!({
                            "settlement": tx.settlement,
                            "synced_at": tx.synced_at,
                        })),
                    ],
                }),
                None => Found::Gone(text_key),
            }),
        }
    }

    fn integration_row(&self, record: crate::store::IntegrationRecord) -> Row {
        let credentials = match (&record.credentials, self.tokens) {
            (Some(sealed), true) => serde_json::json!({ "sealed": sealed }),
            _ => Json::Null,
        };
        Row {
            values: vec![
                Value::Text(record.id().key()),
                Value::Bool(record.is_enabled),
                Value::Json(credentials),
                Value::Json(serde_json::to_value(&record.settings).unwrap_or_default()),
                Value::Text(json_name(&record.status)),
                record
                    .last_sync_at
                    .map_or(Value::Null, |t| Value::TimestampTz(micros(t))),
                Value::opt_text(record.error_message.as_deref()),
                Value::TimestampTz(micros(record.created_at)),
                Value::TimestampTz(micros(record.updated_at)),
            ],
        }
    }
}

/// A sealed value as the mirror writes it: only this hub's key opens it.
fn sealed_text(sealed: &[u8]) -> String {
    format!("sealed:{}", to_hex(sealed))
}

/// A run's id in Postgres, the same every time for the same studio and run: the seed's table
/// has no natural key but its uuid.
pub fn sync_log_id(studio_id: &str, key: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"legion-hub sync log\0")
        .chain_update(studio_id.as_bytes())
        .chain_update(b"\0")
        .chain_update(key)
        .finalize();
    let mut bytes: [u8; 16] = digest[..16].try_into().expect("16 of 32 bytes");
    // RFC 9562 version 8 (custom), variant 10.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    crate::mirror::settings::uuid_text(&to_hex(&bytes))
}

/// An enum's serde name (`needs_reauth`), as the web app's columns hold it.
pub(super) fn json_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Json::String(name)) => name,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_id_is_stable_per_studio() {
        let a = sync_log_id("s1", b"mindbody/\0\0\0\0\0\0\0\x01");
        assert_eq!(a, sync_log_id("s1", b"mindbody/\0\0\0\0\0\0\0\x01"));
        assert_ne!(a, sync_log_id("s2", b"mindbody/\0\0\0\0\0\0\0\x01"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }
}
