//! How a row of the books' own tables is read from the hub: the financial classes (each revenue
//! category and the class it maps to), the bank's accounts and lines (a line with the class
//! accepted for it), the accepted matches and the daily totals.

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::kind::{Value, micros};
use super::{Found, Reading, Row};
use crate::books::reconcile::matched::{AcceptedBy, Match, MatchKind};
use crate::store::StoreError;
use crate::store::daily_totals::{DayTotals, Granularity, TotalsGroup, TotalsKey};
use crate::store::outbox::MirroredTable;
use crate::store::seal::to_hex;

impl Reading<'_> {
    /// The row of one of the books' tables under `key` (a key of the hub's tree), as it is now.
    pub(super) fn read_books(&self, table: MirroredTable, key: &[u8]) -> Result<Found, StoreError> {
        if table == MirroredTable::DailyTotals {
            return self.daily_total(key);
        }
        let text_key = String::from_utf8_lossy(key).into_owned();
        let store = self.store;
        let row = match table {
            MirroredTable::FinancialClasses => store.category_by_key(&text_key)?.map(|c| {
                vec![
                    Value::Text(text_key.clone()),
                    Value::Text(c.source),
                    Value::Int(c.id),
                    Value::Text(c.name),
                    Value::Bool(c.service),
                    Value::opt_text(c.class.as_deref()),
                ]
            }),
            MirroredTable::BankAccounts => store.bank_account(&text_key)?.map(|a| {
                vec![
                    Value::Text(a.key),
                    Value::Text(a.name),
                    Value::opt_text(a.bank_account_id.as_deref()),
                    Value::Text(a.currency),
                    Value::TimestampTz(micros(a.created_at)),
                ]
            }),
            MirroredTable::BankLines => match store.bank_line(&text_key)? {
                Some(line) => {
                    let class = store.bank_line_class(&text_key)?;
                    Some(vec![
                        Value::Text(line.key),
                        Value::Text(line.account),
                        Value::Date(line.date),
                        Value::opt(line.value_date, Value::Date),
                        Value::Numeric(line.amount),
                        Value::Text(line.currency),
                        Value::Text(line.payee),
                        Value::Text(line.memo),
                        Value::opt_text(line.kind.as_deref()),
                        Value::opt_text(line.bank_id.as_deref()),
                        Value::Text(line.fingerprint),
                        Value::opt(line.balance_after, Value::Numeric),
                        Value::opt_text(class.as_deref()),
                        Value::Text(line.import),
                        Value::Int(i64::try_from(line.file_line).unwrap_or(i64::MAX)),
                        Value::Json(serde_json::to_value(&line.parts).unwrap_or_default()),
                    ])
                }
                None => None,
            },
            MirroredTable::Matches => store.match_by_id(&text_key)?.map(match_row),
            _ => unreachable!("read_books is asked for the books' tables only"),
        };
        Ok(match row {
            Some(values) => Found::Row(Row { values }),
            None => Found::Gone(text_key),
        })
    }

    fn daily_total(&self, key: &[u8]) -> Result<Found, StoreError> {
        // A key this layout did not write has no row there: its hex names nothing to delete.
        let Some(entry) = TotalsKey::decode(key) else {
            return Ok(Found::Gone(to_hex(key)));
        };
        let text_key = daily_total_key(&entry);
        Ok(match self.store.daily_total_as_written(key)? {
            Some(totals) => Found::Row(Row {
                values: daily_total_row(text_key, entry, &totals),
            }),
            None => Found::Gone(text_key),
        })
    }
}

fn match_row(m: Match) -> Vec<Value> {
    let (kind, merchant, days) = match &m.kind {
        MatchKind::Card { merchant, days } => ("card", Some(merchant.as_str()), days.as_slice()),
        MatchKind::Cash { days } => ("cash", None, days.as_slice()),
        MatchKind::Chargeback => ("chargeback", None, &[][..]),
    };
    let accepted_by = match m.accepted_by {
        AcceptedBy::Person => "person",
        AcceptedBy::Threshold { .. } => "threshold",
    };
    vec![
        Value::Text(m.id.clone()),
        Value::Text(m.account.clone()),
        Value::Text(kind.into()),
        Value::opt_text(merchant),
        Value::Numeric(m.gross),
        Value::Numeric(m.fee),
        Value::Numeric(m.banked),
        Value::Text(m.currency.clone()),
        Value::opt_text(m.fee_transaction.as_deref()),
        Value::Text(m.reason.clone()),
        // A score, not money: as many digits as it was kept with; none for a NaN.
        Value::opt(Decimal::try_from(m.confidence).ok(), Value::Numeric),
        Value::Text(accepted_by.into()),
        Value::TimestampTz(micros(m.accepted_at)),
        Value::Json(Json::from(m.lines.clone())),
        Value::Json(Json::from(m.payments.clone())),
        Value::Json(serde_json::to_value(days).unwrap_or_default()),
    ]
}

/// A daily total's natural key in Postgres: its parts as a JSON array (one text per entry,
/// whatever a class's name holds), e.g. `["day","2026-11-03","service","mindbody@5567",
/// "Class revenue",12,"USD"]`.
fn daily_total_key(entry: &TotalsKey) -> String {
    let (dimension, group): (&str, Vec<Json>) = match &entry.group {
        TotalsGroup::Service { class, category } => (
            "service",
            vec![Json::from(class.clone()), Json::from(*category)],
        ),
        TotalsGroup::Method(method) => ("method", vec![Json::from(method.clone())]),
        TotalsGroup::Location(location) => ("location", vec![Json::from(*location)]),
    };
    let mut parts = vec![
        Json::from(period(entry.granularity)),
        Json::from(entry.date.format("%Y-%m-%d").to_string()),
        Json::from(dimension),
        Json::from(entry.account.clone()),
    ];
    parts.extend(group);
    parts.push(Json::from(entry.currency.clone()));
    Json::Array(parts).to_string()
}

fn period(granularity: Granularity) -> &'static str {
    match granularity {
        Granularity::Day => "day",
        Granularity::Month => "month",
    }
}

fn daily_total_row(key: String, entry: TotalsKey, totals: &DayTotals) -> Vec<Value> {
    let (dimension, class, category, method, location) = match entry.group {
        TotalsGroup::Service { class, category } => ("service", class, category, None, None),
        TotalsGroup::Method(method) => ("method", None, None, method, None),
        TotalsGroup::Location(location) => ("location", None, None, None, location),
    };
    vec![
        Value::Text(key),
        Value::Text(period(entry.granularity).into()),
        Value::Text(dimension.into()),
        Value::Date(entry.date),
        Value::Text(entry.account),
        Value::opt(class, Value::Text),
        Value::opt(category, Value::Int),
        Value::opt(method, Value::Text),
        Value::opt(location, Value::Int),
        Value::Text(entry.currency),
        Value::Numeric(totals.sales),
        Value::Numeric(totals.refunds),
        Value::Numeric(totals.discounts),
        Value::Numeric(totals.tax),
        Value::Int(totals.count),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_daily_totals_key_names_each_part_once() {
        let entry = TotalsKey {
            granularity: Granularity::Month,
            date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            account: "mindbody@5567".into(),
            group: TotalsGroup::Service {
                class: Some("Class \"revenue\", 1".into()),
                category: None,
            },
            currency: "USD".into(),
        };
        assert_eq!(
            daily_total_key(&entry),
            r#"["month","2026-11-01","service","mindbody@5567","Class \"revenue\", 1",null,"USD"]"#
        );
        let row = daily_total_row(
            daily_total_key(&entry),
            entry,
            &DayTotals {
                sales: Decimal::new(12_50, 2),
                count: 1,
                ..DayTotals::default()
            },
        );
        assert_eq!(row.len(), super::super::specs::DAILY_TOTALS.columns.len());
        assert_eq!(row[10], Value::Numeric(Decimal::new(12_50, 2)));
    }
}
