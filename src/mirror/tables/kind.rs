//! A column's Postgres type and a value of it: how each is named in SQL, sent as JSON, and
//! written as the checksum's text (the same text Postgres makes of its own copy).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value as Json;

/// A column's Postgres type, as far as the mirror needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Numeric,
    BigInt,
    Int,
    Bool,
    /// A day (`date`).
    Date,
    /// A studio-local time (`timestamp`).
    Timestamp,
    /// A moment (`timestamptz`).
    TimestampTz,
    Uuid,
    /// Not part of the checksum: Postgres rewrites JSON in its own order.
    Jsonb,
}

impl Kind {
    pub(super) fn pg(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Numeric => "numeric",
            Kind::BigInt => "bigint",
            Kind::Int => "integer",
            Kind::Bool => "boolean",
            Kind::Date => "date",
            Kind::Timestamp => "timestamp",
            Kind::TimestampTz => "timestamptz",
            Kind::Uuid => "uuid",
            Kind::Jsonb => "jsonb",
        }
    }

    /// The column as the checksum's text, in SQL; [`Value::digest_text`] is its twin in Rust.
    pub(super) fn digest_sql(self, column: &str) -> Option<String> {
        let text = match self {
            Kind::Text => column.to_string(),
            Kind::Numeric | Kind::BigInt | Kind::Int | Kind::Uuid => format!("{column}::text"),
            Kind::Bool => format!("CASE WHEN {column} THEN 't' ELSE 'f' END"),
            Kind::Date => format!("to_char({column}, '{PG_DAY}')"),
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
const PG_DAY: &str = "YYYY-MM-DD";
const RUST_DAY: &str = "%Y-%m-%d";
const NULL_TEXT: &str = "\\N";

/// One value of a row, typed as its column is.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Numeric(Decimal),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
    TimestampTz(DateTime<Utc>),
    Json(Json),
}

impl Value {
    pub(super) fn opt_text(text: Option<&str>) -> Value {
        text.map_or(Value::Null, |t| Value::Text(t.to_string()))
    }

    pub(super) fn opt<T>(value: Option<T>, kind: impl FnOnce(T) -> Value) -> Value {
        value.map_or(Value::Null, kind)
    }

    pub(super) fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Text(t) => Json::String(t.clone()),
            Value::Numeric(d) => Json::String(numeric_text(d)),
            Value::Int(n) => Json::from(*n),
            Value::Bool(b) => Json::Bool(*b),
            Value::Date(d) => Json::String(d.format(RUST_DAY).to_string()),
            Value::Timestamp(t) => Json::String(t.format(RUST_TIME).to_string()),
            Value::TimestampTz(t) => Json::String(format!("{}Z", t.format(RUST_TIME))),
            Value::Json(j) => j.clone(),
        }
    }

    /// The value as JSON written straight onto `out`: what [`Value::to_json`] would print.
    pub(super) fn write_json(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        let _ = match self {
            Value::Null => out.write_all(b"null"),
            Value::Text(t) => serde_json::to_writer(&mut *out, t).map_err(Into::into),
            Value::Numeric(d) => write!(out, "\"{}\"", numeric_text(d)),
            Value::Int(n) => write!(out, "{n}"),
            Value::Bool(b) => write!(out, "{b}"),
            Value::Date(d) => write!(out, "\"{}\"", d.format(RUST_DAY)),
            Value::Timestamp(t) => write!(out, "\"{}\"", t.format(RUST_TIME)),
            Value::TimestampTz(t) => write!(out, "\"{}Z\"", t.format(RUST_TIME)),
            Value::Json(j) => serde_json::to_writer(&mut *out, j).map_err(Into::into),
        };
    }

    pub(super) fn digest_text(&self) -> String {
        match self {
            Value::Null => NULL_TEXT.into(),
            Value::Text(t) => t.clone(),
            Value::Numeric(d) => numeric_text(d),
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => if *b { "t" } else { "f" }.into(),
            Value::Date(d) => d.format(RUST_DAY).to_string(),
            Value::Timestamp(t) => t.format(RUST_TIME).to_string(),
            Value::TimestampTz(t) => t.naive_utc().format(RUST_TIME).to_string(),
            Value::Json(_) => String::new(),
        }
    }
}

/// An amount as Postgres writes it back: a zero without its sign (a sum that came back to zero
/// through a negation is `-0.00` to `Decimal`, `0.00` to Postgres).
fn numeric_text(d: &Decimal) -> String {
    if d.is_zero() && d.is_sign_negative() {
        let mut unsigned = *d;
        unsigned.set_sign_positive(true);
        unsigned.to_string()
    } else {
        d.to_string()
    }
}

/// Postgres keeps microseconds: what goes is cut to them, so both sides compare equal.
pub(super) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

pub(super) fn local_micros(t: NaiveDateTime) -> NaiveDateTime {
    micros(t.and_utc()).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_text_is_postgres_own() {
        let t =
            NaiveDateTime::parse_from_str("2026-11-03 09:15:00.1234567", "%Y-%m-%d %H:%M:%S%.f")
                .unwrap();
        assert_eq!(
            Value::Timestamp(local_micros(t)).digest_text(),
            "2026-11-03T09:15:00.123456"
        );
        assert_eq!(Value::Date(t.date()).digest_text(), "2026-11-03");
        assert_eq!(Value::Numeric(Decimal::new(1250, 2)).digest_text(), "12.50");
        let back_to_zero = -(Decimal::new(1250, 2) - Decimal::new(1250, 2));
        assert_eq!(Value::Numeric(back_to_zero).digest_text(), "0.00");
        let mut out = Vec::new();
        Value::Numeric(back_to_zero).write_json(&mut out);
        assert_eq!(out, b"\"0.00\"");
        assert_eq!(Value::Null.digest_text(), "\\N");
    }
}
