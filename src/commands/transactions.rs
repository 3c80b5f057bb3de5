//! `legion-hub transactions`: the synced transactions, newest first, as a bookkeeper reads them
//! (each amount with its currency's minor digits, right-aligned and grouped in thousands; the
//! customer and the financial class by name, as the dashboard shows them), or with `--json` for
//! scripts: amounts as exact decimal strings next to their currency, never numbers that a
//! float could bend.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::api::Role;
use crate::api::visible;
use crate::api::{Settlement, Transaction, currency};
use crate::config::Settings;

/// A transaction as `--json` writes it: the stored record with its amounts written exactly
/// ("21.60", "-129.00") and the customer's name beside its key; keys as people see them
/// (without their site).
#[derive(Serialize)]
struct TransactionJson<'a> {
    key: String,
    date: NaiveDateTime,
    amount: String,
    tax: String,
    discount: String,
    currency: &'a str,
    description: &'a str,
    category_id: Option<i64>,
    class: Option<&'a str>,
    customer: Option<String>,
    customer_name: Option<&'a str>,
    source: &'a str,
    returned: bool,
    settlement: Option<&'a Settlement>,
    synced_at: DateTime<Utc>,
}

impl<'a> TransactionJson<'a> {
    fn of(tx: &'a Transaction, names: &'a HashMap<String, String>) -> TransactionJson<'a> {
        let exact = |amount| currency::exact(amount, &tx.currency);
        TransactionJson {
            key: visible(&tx.key),
            date: tx.date,
            amount: exact(tx.amount),
            tax: exact(tx.tax),
            discount: exact(tx.discount),
            currency: &tx.currency,
            description: &tx.description,
            category_id: tx.category_id,
            class: tx.class.as_deref(),
            customer: tx.customer.as_deref().map(visible),
            customer_name: tx
                .customer
                .as_ref()
                .and_then(|key| names.get(key))
                .map(String::as_str),
            source: &tx.source,
            returned: tx.returned,
            settlement: tx.settlement.as_ref(),
            synced_at: tx.synced_at,
        }
    }
}

pub async fn run(settings: &Settings, since: Option<NaiveDate>, json: bool) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let from = since.map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default());
    let rows = engine.transactions_since(from).await?;
    let names: HashMap<String, String> = if rows.is_empty() {
        HashMap::new()
    } else {
        engine
            .customers()
            .await?
            .into_iter()
            .filter(|c| !c.full_name().is_empty())
            .map(|c| (c.key.clone(), c.full_name()))
            .collect()
    };
    if json {
        let out: Vec<TransactionJson> = rows
            .iter()
            .map(|tx| TransactionJson::of(tx, &names))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if rows.is_empty() {
        match since {
            Some(day) => println!("No transactions dated {day} or later."),
            None => println!("No transactions yet: sync Mindbody with `legion-hub sync mindbody`."),
        }
    } else {
        print!("{}", table(&rows, &names));
    }
    Ok(super::exit::OK)
}

/// The transactions as a table: the dashboard's columns, amounts right-aligned. With one
/// currency it is named once in the header; with several, after every amount.
fn table(rows: &[Transaction], names: &HashMap<String, String>) -> String {
    let currencies: BTreeSet<&str> = rows.iter().map(|t| t.currency.as_str()).collect();
    let one_currency = match currencies.len() {
        1 => currencies.first().copied(),
        _ => None,
    };
    let header: [String; 6] = [
        "DATE".into(),
        "DESCRIPTION".into(),
        "CUSTOMER".into(),
        "CLASS".into(),
        one_currency.map_or("AMOUNT".into(), |c| format!("AMOUNT {c}")),
        "SOURCE".into(),
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|tx| {
            let customer = tx
                .customer
                .as_ref()
                .map(|key| names.get(key).cloned().unwrap_or_else(|| visible(key)));
            let mut amount = crate::format::money(tx.amount, &tx.currency);
            if one_currency.is_none() {
                amount = format!("{amount} {}", tx.currency);
            }
            [
                tx.date.format("%Y-%m-%d %H:%M").to_string(),
                clip(&tx.description, 28),
                clip(customer.as_deref().unwrap_or("-"), 24),
                clip(tx.class.as_deref().unwrap_or("(unmapped)"), 20),
                amount,
                crate::text::one_line(&tx.source),
            ]
        })
        .collect();
    let width = |col: usize| {
        cells
            .iter()
            .chain([&header])
            .map(|row| row[col].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..6).map(width).collect();
    let mut out = String::new();
    for row in [&header].into_iter().chain(&cells) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(col, (cell, &w))| match col {
                4 => format!("{cell:>w$}"),
                _ => format!("{cell:<w$}"),
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Outside text on one line, at most `max` characters (the cut marked with "…").
fn clip(text: &str, max: usize) -> String {
    let text = crate::text::one_line(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
