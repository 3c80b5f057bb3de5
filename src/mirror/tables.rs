//! The mirrored tables: each one's columns (from which its upsert, its delete and its checksum
//! are written, so the three cannot disagree), and how a row of it is read from the hub.
//!
//! A batch of rows crosses as one JSON array (`jsonb_to_recordset`), one statement per table
//! and batch; amounts as decimal strings, so Postgres' `numeric` holds them exactly.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

use crate::domain::Provider;
use crate::store::outbox::MirroredTable;
use crate::store::seal::to_hex;
use crate::store::{Store, StoreError};

/// A column's Postgres type, as far as the mirror needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Numeric,
    BigInt,
    Int,
    Bool,
    /// A studio-local time (`timestamp`).
    Timestamp,
    /// A moment (`timestamptz`).
    TimestampTz,
    Uuid,
    /// Not part of the checksum: Postgres rewrites JSON in its own order.
    Jsonb,
}

impl Kind {
    fn pg(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Numeric => "numeric",
            Kind::BigInt => "bigint",
            Kind::Int => "integer",
            Kind::Bool => "boolean",
            Kind::Timestamp => "timestamp",
            Kind::TimestampTz => "timestamptz",
            Kind::Uuid => "uuid",
            Kind::Jsonb => "jsonb",
        }
    }

    /// The column as the checksum's text, in SQL; [`Value::digest_text`] is its twin in Rust.
    fn digest_sql(self, column: &str) -> Option<String> {
        let text = match self {
            Kind::Text => column.to_string(),
            Kind::Numeric | Kind::BigInt | Kind::Int | Kind::Uuid => format!("{column}::text"),
            Kind::Bool => format!("CASE WHEN {column} THEN 't' ELSE 'f' END"),
            Kind::Timestamp => format!("to_char({column}, '{PG_TIME}')"),
            Kind::TimestampTz => format!("to_char({column} AT TIME ZONE 'UTC', '{PG_TIME}')"),
            Kind::Jsonb => return None,
        };
        Some(format!("coalesce({text}, '{NULL_TEXT}')"))
    }
}

/// Times to the microsecond, Postgres' own precision, written the same way on both sides.
const PG_TIME: &str = "YYYY-MM-DD\"T\"HH24:MI:SS.US";
const RUST_TIME: &str = "%Y-%m-%dT%H:%M:%S%.6f";
const NULL_TEXT: &str = "\\N";

/// One value of a row, typed as its column is.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Numeric(Decimal),
    Int(i64),
    Bool(bool),
    Timestamp(NaiveDateTime),
    TimestampTz(DateTime<Utc>),
    Json(Json),
}

impl Value {
    fn opt_text(text: Option<&str>) -> Value {
        text.map_or(Value::Null, |t| Value::Text(t.to_string()))
    }

    fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Text(t) => Json::String(t.clone()),
            Value::Numeric(d) => Json::String(d.to_string()),
            Value::Int(n) => Json::from(*n),
            Value::Bool(b) => Json::Bool(*b),
            Value::Timestamp(t) => Json::String(t.format(RUST_TIME).to_string()),
            Value::TimestampTz(t) => Json::String(format!("{}Z", t.format(RUST_TIME))),
            Value::Json(j) => j.clone(),
        }
    }

    fn digest_text(&self) -> String {
        match self {
            Value::Null => NULL_TEXT.into(),
            Value::Text(t) => t.clone(),
            Value::Numeric(d) => d.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => if *b { "t" } else { "f" }.into(),
            Value::Timestamp(t) => t.format(RUST_TIME).to_string(),
            Value::TimestampTz(t) => t.naive_utc().format(RUST_TIME).to_string(),
            Value::Json(_) => String::new(),
        }
    }
}

/// A mirrored table's shape in Postgres (besides `id`, `user_id` and the timestamps it keeps).
pub struct Spec {
    pub table: MirroredTable,
    /// Written in this order; the first is the row's natural key.
    pub columns: &'static [(&'static str, Kind)],
    /// The unique constraint an upsert lands on.
    pub conflict: &'static str,
    /// When an incoming row replaces the one there (`t` the row there, `EXCLUDED` the new one).
    pub newer: &'static str,
    /// Whether the table has `hub_version` (the books' tables) and `updated_at` kept by Postgres.
    pub versioned: bool,
}

use Kind::*;

pub const INTEGRATIONS: Spec = Spec {
    table: MirroredTable::Integrations,
    columns: &[
        ("provider", Text),
        ("is_enabled", Bool),
        ("credentials", Jsonb),
        ("settings", Jsonb),
        ("status", Text),
        ("last_sync_at", TimestampTz),
        ("error_message", Text),
        ("created_at", TimestampTz),
        ("updated_at", TimestampTz),
    ],
    conflict: "(user_id, provider)",
    newer: "t.updated_at <= EXCLUDED.updated_at",
    versioned: false,
};

pub const INTEGRATION_TOKENS: Spec = Spec {
    table: MirroredTable::IntegrationTokens,
    columns: &[
        ("provider", Text),
        ("access_token", Text),
        ("refresh_token", Text),
        ("token_type", Text),
        ("expires_at", TimestampTz),
        ("scope", Text),
        ("created_at", TimestampTz),
    ],
    conflict: "(user_id, provider)",
    newer: "t.created_at <= EXCLUDED.created_at",
    versioned: false,
};

pub const INTEGRATION_SYNC_LOGS: Spec = Spec {
    table: MirroredTable::IntegrationSyncLogs,
    columns: &[
        ("id", Uuid),
        ("provider", Text),
        ("sync_type", Text),
        ("status", Text),
        ("records_synced", Int),
        ("api_calls", Int),
        ("error_details", Text),
        ("started_at", TimestampTz),
        ("completed_at", TimestampTz),
    ],
    conflict: "(id)",
    // A finished run is never taken back to running.
    newer: "t.completed_at IS NULL OR EXCLUDED.completed_at IS NOT NULL",
    versioned: false,
};

pub const CUSTOMERS: Spec = Spec {
    table: MirroredTable::Customers,
    columns: &[
        ("key", Text),
        ("source", Text),
        ("external_id", Text),
        ("first_name", Text),
        ("last_name", Text),
        ("email", Text),
        ("phone", Text),
        ("modified_at", Timestamp),
    ],
    conflict: "(user_id, key)",
    newer: "t.hub_version < EXCLUDED.hub_version",
    versioned: true,
};

pub const TRANSACTIONS: Spec = Spec {
    table: MirroredTable::Transactions,
    columns: &[
        ("key", Text),
        ("source", Text),
        ("occurred_at", Timestamp),
        ("amount", Numeric),
        ("tax", Numeric),
        ("discount", Numeric),
        ("currency", Text),
        ("description", Text),
        ("category_id", BigInt),
        ("financial_class", Text),
        ("customer_key", Text),
        ("returned", Bool),
        ("location_id", BigInt),
        ("payment_method", Text),
        ("contract_id", BigInt),
        ("details", Jsonb),
    ],
    conflict: "(user_id, key)",
    newer: "t.hub_version < EXCLUDED.hub_version",
    versioned: true,
};

pub fn spec(table: MirroredTable) -> &'static Spec {
    match table {
        MirroredTable::Integrations => &INTEGRATIONS,
        MirroredTable::IntegrationTokens => &INTEGRATION_TOKENS,
        MirroredTable::IntegrationSyncLogs => &INTEGRATION_SYNC_LOGS,
        MirroredTable::Customers => &CUSTOMERS,
        MirroredTable::Transactions => &TRANSACTIONS,
    }
}

impl Spec {
    pub fn name(&self) -> &'static str {
        self.table.name()
    }

    pub fn key_column(&self) -> &'static str {
        self.columns[0].0
    }

    /// `$1`: the studio, `$2`: the rows as a JSON array, `$3`: their hub version.
    pub fn upsert_sql(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.0).collect();
        let typed: Vec<String> = self
            .columns
            .iter()
            .map(|(name, kind)| format!("{name} {}", kind.pg()))
            .collect();
        let mut sets: Vec<String> = names
            .iter()
            .skip(1)
            .map(|n| format!("{n} = EXCLUDED.{n}"))
            .collect();
        let (version_column, version_value) = if self.versioned {
            sets.push("hub_version = EXCLUDED.hub_version".into());
            sets.push("updated_at = now()".into());
            (", hub_version", ", $3::text::bigint")
        } else {
            ("", "")
        };
        format!(
            "INSERT INTO {table} AS t (user_id, {columns}{version_column}) \
             SELECT $1::text::uuid, {selected}{version_value} \
             FROM json_to_recordset($2::text::json) AS r({typed}) \
             ON CONFLICT {conflict} DO UPDATE SET {sets} WHERE {newer}",
            table = self.name(),
            columns = names.join(", "),
            selected = names
                .iter()
                .map(|n| format!("r.{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            typed = typed.join(", "),
            conflict = self.conflict,
            sets = sets.join(", "),
            newer = self.newer,
        )
    }

    /// `$1`: the studio, `$2`: the natural keys (text), and for a versioned table `$3`: the
    /// hub version of the reading that found them gone (a row written by a later one stays).
    pub fn delete_sql(&self) -> String {
        let version = if self.versioned {
            " AND hub_version < $3::text::bigint"
        } else {
            ""
        };
        format!(
            "DELETE FROM {table} WHERE user_id = $1::text::uuid AND {key}::text = ANY($2::text[]){version}",
            table = self.name(),
            key = self.key_column(),
        )
    }

    /// `$1`: the studio. Each row's natural key and checksum.
    pub fn digest_sql(&self) -> String {
        let parts: Vec<String> = self
            .columns
            .iter()
            .filter_map(|(name, kind)| kind.digest_sql(name))
            .collect();
        format!(
            "SELECT {key}::text, encode(sha256(convert_to(concat_ws('|', {parts}), 'UTF8')), 'hex') \
             FROM {table} WHERE user_id = $1::text::uuid",
            key = self.key_column(),
            parts = parts.join(", "),
            table = self.name(),
        )
    }
}

/// One row as read from the hub, in its spec's column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub values: Vec<Value>,
}

impl Row {
    /// The natural key, as text (the first column).
    pub fn key(&self) -> String {
        self.values[0].digest_text()
    }

    pub fn to_json(&self, spec: &Spec) -> Json {
        let mut object = Map::with_capacity(spec.columns.len());
        for ((name, _), value) in spec.columns.iter().zip(&self.values) {
            object.insert((*name).to_string(), value.to_json());
        }
        Json::Object(object)
    }

    /// The row as a JSON object written straight onto `out`: what [`Row::to_json`] would print,
    /// without building it first (half of a backfill's time went to the building).
    pub fn write_json(&self, spec: &Spec, out: &mut Vec<u8>) {
        use std::io::Write;
        out.push(b'{');
        for (i, ((name, _), value)) in spec.columns.iter().zip(&self.values).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = write!(out, "\"{name}\":");
            let _ = match value {
                Value::Null => out.write_all(b"null"),
                Value::Text(t) => serde_json::to_writer(&mut *out, t).map_err(Into::into),
                Value::Numeric(d) => write!(out, "\"{d}\""),
                Value::Int(n) => write!(out, "{n}"),
                Value::Bool(b) => write!(out, "{b}"),
                Value::Timestamp(t) => write!(out, "\"{}\"", t.format(RUST_TIME)),
                Value::TimestampTz(t) => write!(out, "\"{}Z\"", t.format(RUST_TIME)),
                Value::Json(j) => serde_json::to_writer(&mut *out, j).map_err(Into::into),
            };
        }
        out.push(b'}');
    }

    /// The twin of [`Spec::digest_sql`].
    pub fn digest(&self) -> String {
        let text: Vec<String> = self
            .values
            .iter()
            .filter(|v| !matches!(v, Value::Json(_)))
            .map(Value::digest_text)
            .collect();
        to_hex(&Sha256::digest(text.join("|").as_bytes()))
    }
}

/// Who the rows are for, and what of them may go.
pub struct Reading<'a> {
    pub store: &'a Store,
    pub studio_id: String,
    pub tokens: bool,
}

/// What a key of the hub is in Postgres: a row to write, or a row to delete (by natural key).
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Row(Row),
    Gone(String),
}

impl Reading<'_> {
    /// The row under `key` (a key of the hub's tree) as it is now.
    pub fn read(&self, table: MirroredTable, key: &[u8]) -> Result<Found, StoreError> {
        let text_key = String::from_utf8_lossy(key).into_owned();
        match table {
            MirroredTable::Integrations => {
                let Some(provider) = Provider::from_id(&text_key) else {
                    return Ok(Found::Gone(text_key));
                };
                Ok(match self.store.integration(provider)? {
                    Some(record) => Found::Row(self.integration_row(record)),
                    None => Found::Gone(text_key),
                })
            }
            MirroredTable::IntegrationTokens => {
                let provider = Provider::from_id(&text_key);
                let (Some(provider), true) = (provider, self.tokens) else {
                    return Ok(Found::Gone(text_key));
                };
                let (Some(sealed), Some(tokens)) = (
                    self.store.sealed_tokens(provider)?,
                    self.store.tokens(provider)?,
                ) else {
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
                            Value::Text(log.provider.id().to_string()),
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
                Value::Text(record.provider.id().to_string()),
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
    super::settings::uuid_text(&to_hex(&bytes))
}

/// An enum's serde name (`needs_reauth`), as the web app's columns hold it.
fn json_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Json::String(name)) => name,
        _ => String::new(),
    }
}

/// Postgres keeps microseconds: what goes is cut to them, so both sides compare equal.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

fn local_micros(t: NaiveDateTime) -> NaiveDateTime {
    micros(t.and_utc()).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_writes_its_columns_in_one_order() {
        let sql = TRANSACTIONS.upsert_sql();
        assert!(sql.starts_with(
            "INSERT INTO transactions AS t (user_id, key, source, occurred_at, amount,"
        ));
        assert!(sql.contains("ON CONFLICT (user_id, key) DO UPDATE SET source = EXCLUDED.source"));
        assert!(sql.ends_with("WHERE t.hub_version < EXCLUDED.hub_version"));
        let digest = TRANSACTIONS.digest_sql();
        assert!(!digest.contains("details"), "JSON is not in the checksum");
        assert!(
            INTEGRATIONS
                .delete_sql()
                .contains("provider::text = ANY($2::text[])")
        );
    }

    #[test]
    fn a_row_written_straight_is_the_row_built() {
        let row = Row {
            values: vec![
                Value::Text("mindbody:sale:1:\"2\"".into()),
                Value::Text("mindbody".into()),
                Value::Timestamp(NaiveDateTime::default()),
                Value::Numeric(Decimal::new(1250, 2)),
                Value::Numeric(Decimal::ZERO),
                Value::Numeric(Decimal::new(-5, 1)),
                Value::Text("EUR".into()),
                Value::Text("Drop-in ✓\n".into()),
                Value::Int(22),
                Value::Null,
                Value::Null,
                Value::Bool(true),
                Value::Int(-3),
                Value::Null,
                Value::Null,
                Value::Json(serde_json::json!({"settlement": null, "at": [1, "x"]})),
            ],
        };
        let mut out = Vec::new();
        row.write_json(&TRANSACTIONS, &mut out);
        let written: Json = serde_json::from_slice(&out).unwrap();
        assert_eq!(written, row.to_json(&TRANSACTIONS));
    }

    #[test]
    fn a_runs_id_is_stable_per_studio() {
        let a = sync_log_id("s1", b"mindbody/\0\0\0\0\0\0\0\x01");
        assert_eq!(a, sync_log_id("s1", b"mindbody/\0\0\0\0\0\0\0\x01"));
        assert_ne!(a, sync_log_id("s2", b"mindbody/\0\0\0\0\0\0\0\x01"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }

    #[test]
    fn the_checksum_text_is_postgres_own() {
        let t =
            NaiveDateTime::parse_from_str("2026-11-03 09:15:00.1234567", "%Y-%m-%d %H:%M:%S%.f")
                .unwrap();
        assert_eq!(
            Value::Timestamp(local_micros(t)).digest_text(),
            "2026-11-03T09:15:00.123456"
        );
        assert_eq!(Value::Numeric(Decimal::new(1250, 2)).digest_text(), "12.50");
        assert_eq!(Value::Null.digest_text(), "\\N");
    }
}
