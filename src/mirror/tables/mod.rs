//! The mirrored tables: each one's columns (from which its upsert, its delete and its checksum
//! are written, so the three cannot disagree), and how a row of it is read from the hub.
//!
//! - [`kind`]: a column's type and a value of it (SQL, JSON and checksum text alike);
//! - [`specs`]: each table's columns;
//! - [`hub_rows`]: the seed's tables, customers and transactions, read from the hub;
//! - [`book_rows`]: the books' other tables (classes, bank, matches, daily totals).
//!
//! A batch of rows crosses as one JSON array (`jsonb_to_recordset`), one statement per table
//! and batch; amounts as decimal strings, so Postgres' `numeric` holds them exactly.

mod book_rows;
mod hub_rows;
pub mod kind;
pub mod specs;

use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

use crate::store::Store;
use crate::store::outbox::MirroredTable;
use crate::store::seal::to_hex;

pub use hub_rows::sync_log_id;
pub use kind::{Kind, Value};
pub use specs::spec;

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
            value.write_json(out);
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

#[cfg(test)]
mod tests {
    use super::specs::{INTEGRATIONS, TRANSACTIONS};
    use super::*;
    use chrono::NaiveDateTime;
    use rust_decimal::Decimal;

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
}
