//! The cash flow: the members' autopays expected over the next days, week by week and by payment
//! method, beside what arrived over as many days before (net synced sales from the daily totals,
//! and the bank credits reconciliation matched), with the contracts at risk (autopay suspended or
//! inactive) listed apart and not counted on.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Local, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{autopay_method, week_start};
use crate::api::cashflow::{AutopayRisk, CashFlow, CashFlowWeek, LONGEST_HORIZON_DAYS, MethodFlow};
use crate::books::reports::groups::method_label;
use crate::engine::host::{Core, EngineError};
use crate::store::Store;
use crate::store::daily_totals::{Dimension, Granularity, TotalsGroup};
use crate::store::expected_inflows::ExpectedInflow;

/// The books' currency when nothing says otherwise.
const DEFAULT_CURRENCY: &str = "USD";

impl Core {
    /// The cash flow of the next `days` days (1 to [`LONGEST_HORIZON_DAYS`]) from today.
    pub async fn cash_flow(&self, days: u32) -> Result<CashFlow, EngineError> {
        cash_flow(&self.inner.store, Local::now().date_naive(), days)
    }
}

fn week(weeks: &mut BTreeMap<NaiveDate, CashFlowWeek>, day: NaiveDate) -> &mut CashFlowWeek {
    let start = week_start(day);
    weeks.entry(start).or_insert(CashFlowWeek {
        start,
        expected: Decimal::ZERO,
        at_risk: Decimal::ZERO,
        autopays: 0,
        sales: Decimal::ZERO,
        deposits: Decimal::ZERO,
    })
}

/// The row of a payment method, by the books' key for it (`card`, `split`; none when the sale
/// did not say), shown by its label (`Card`, `Split`, `Not said`) as the revenue report does.
fn method<'a>(
    methods: &'a mut BTreeMap<String, MethodFlow>,
    name: Option<&str>,
) -> &'a mut MethodFlow {
    methods
        .entry(name.unwrap_or("").to_string())
        .or_insert(MethodFlow {
            method: method_label(name),
            expected: Decimal::ZERO,
            autopays: 0,
            sales: Decimal::ZERO,
        })
}

/// `a + b`, saturating: no studio's cash comes near `Decimal`'s limit, but outside data must not
/// make the books panic.
fn plus(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(Decimal::MAX)
}

pub fn cash_flow(store: &Store, today: NaiveDate, days: u32) -> Result<CashFlow, EngineError> {
    if !(1..=LONGEST_HORIZON_DAYS).contains(&days) {
        return Err(EngineError::Invalid(format!(
            "a cash flow looks 1 to {LONGEST_HORIZON_DAYS} days ahead, not {days}"
        )));
    }
    let span = Duration::days(days as i64);
    let until = today + span - Duration::days(1);
    let since = today - span;
    let inflows: Vec<ExpectedInflow> = store
        .expected_inflows()?
        .into_iter()
        .filter(|i| (today..=until).contains(&i.date.date()))
        .collect();
    let currency = inflows
        .first()
        .map_or(DEFAULT_CURRENCY.to_string(), |i| i.currency.clone());
    let mut weeks = BTreeMap::new();
    let mut methods = BTreeMap::new();
    // Every week of the range, empty ones too, so the columns line up.
    let mut day = week_start(since);
    while day <= until {
        week(&mut weeks, day);
        day += Duration::days(7);
    }
    let mut flow = CashFlow {
        today,
        days,
        until,
        since,
        currency: currency.clone(),
        expected: Decimal::ZERO,
        expected_autopays: 0,
        at_risk: Decimal::ZERO,
        sales: Decimal::ZERO,
        deposits: Decimal::ZERO,
        weeks: Vec::new(),
        methods: Vec::new(),
        risks: Vec::new(),
        contracts_read_at: None,
    };
    let mut oldest_read: Option<DateTime<Utc>> = None;
    // Contract → (the client's key, the contract's soonest autopay at risk).
    let mut risky: BTreeMap<String, (String, AutopayRisk)> = BTreeMap::new();
    for inflow in inflows.iter().filter(|i| i.currency == currency) {
        oldest_read = Some(oldest_read.map_or(inflow.read_at, |o| o.min(inflow.read_at)));
        let date = inflow.date.date();
        let cell = week(&mut weeks, date);
        if inflow.at_risk() {
            cell.at_risk = plus(cell.at_risk, inflow.amount);
            flow.at_risk = plus(flow.at_risk, inflow.amount);
            // The soonest autopay of each contract at risk.
            risky.entry(inflow.contract.clone()).or_insert_with(|| {
                let risk = AutopayRisk {
                    client: crate::books::account_key::visible(&inflow.client),
                    name: None,
                    contract_name: inflow.contract_name.clone(),
                    status: inflow.status.clone(),
                    next_date: date,
                    amount: inflow.amount,
                    payment_method: method_label(Some(autopay_method(&inflow.payment_method))),
                };
                (inflow.client.clone(), risk)
            });
            continue;
        }
        cell.expected = plus(cell.expected, inflow.amount);
        cell.autopays += 1;
        flow.expected = plus(flow.expected, inflow.amount);
        flow.expected_autopays += 1;
        let by = method(&mut methods, Some(autopay_method(&inflow.payment_method)));
        by.expected = plus(by.expected, inflow.amount);
        by.autopays += 1;
    }
    // What arrived: net sales by day and method, from the daily totals.
    if let Some(yesterday) = today.pred_opt() {
        for (key, totals) in
            store.daily_totals(Granularity::Day, Dimension::Method, since, yesterday)?
        {
            if key.currency != currency {
                continue;
            }
            let net = totals.net();
            let cell = week(&mut weeks, key.date);
            cell.sales = plus(cell.sales, net);
            flow.sales = plus(flow.sales, net);
            let name = match &key.group {
                TotalsGroup::Method(name) => name.as_deref(),
                _ => None,
            };
            let by = method(&mut methods, name);
            by.sales = plus(by.sales, net);
        }
        // Deposits: the bank credits of accepted matches, on their bank dates.
        for accepted in store.matches()? {
            if accepted.currency != currency {
                continue;
            }
            for line in &accepted.lines {
                let Some(line) = store.bank_line(line)? else {
                    continue;
                };
                if line.amount > Decimal::ZERO && (since..=yesterday).contains(&line.date) {
                    let cell = week(&mut weeks, line.date);
                    cell.deposits = plus(cell.deposits, line.amount);
                    flow.deposits = plus(flow.deposits, line.amount);
                }
            }
        }
    }
    let mut risks = Vec::with_capacity(risky.len());
    for (client, mut risk) in risky.into_values() {
        if let Some(customer) = store.customer(&client)? {
            risk.name = Some(crate::text::one_line_within(
                format!("{} {}", customer.first_name, customer.last_name).trim(),
                80,
            ));
        }
        risks.push(risk);
    }
    risks.sort_by(|a, b| a.next_date.cmp(&b.next_date).then(a.client.cmp(&b.client)));
    flow.risks = risks;
    flow.weeks = weeks.into_values().collect();
    flow.methods = methods.into_values().collect();
    flow.contracts_read_at = oldest_read;
    Ok(flow)
}
