//! The month-end report of a bank account, as a bookkeeper closes the month: the opening and
//! closing balance (from the bank's running balances), money in and out, what was matched and
//! the fees it posted, and what is left unmatched on either side, card sales in no deposit
//! included.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::inputs::CardPayment;
use super::service::{Loaded, not_yet_deposited};
use crate::api::reconcile::MonthReport;
use crate::books::bank::account::BankLine;
use crate::engine::host::{Core, EngineError};

impl Core {
    /// The month-end report of the account (or the only one) for the month of `day`.
    pub async fn reconcile_month(
        &self,
        account: Option<String>,
        day: NaiveDate,
    ) -> Result<MonthReport, EngineError> {
        let _one_at_a_time = self.reconciling();
        let loaded = self.load_reconciliation(account.as_deref())?;
        self.keep_standing_of(&loaded);
        Ok(month_report(&loaded, day))
    }
}

/// The month of `day`: the bank lines booked in it, read against the matches and the card sales
/// of the same days.
fn month_report(loaded: &Loaded, day: NaiveDate) -> MonthReport {
    use chrono::Datelike;
    let from = day.with_day(1).unwrap_or(day);
    let to = from
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(day);
    let month: Vec<&BankLine> = loaded
        .lines
        .iter()
        .filter(|l| (from..=to).contains(&l.date))
        .collect();
    let sum = |lines: &[&&BankLine]| lines.iter().map(|l| l.amount).sum::<Decimal>();
    let matched: Vec<&&BankLine> = month
        .iter()
        .filter(|l| loaded.claims.contains_key(&l.key))
        .collect();
    let open_credits: Vec<&&BankLine> = month
        .iter()
        .filter(|l| !loaded.claims.contains_key(&l.key) && l.amount > Decimal::ZERO)
        .collect();
    let open_debits: Vec<&&BankLine> = month
        .iter()
        .filter(|l| !loaded.claims.contains_key(&l.key) && l.amount < Decimal::ZERO)
        .collect();
    let fees = loaded
        .matches
        .values()
        .filter(|m| {
            m.lines
                .iter()
                .any(|key| matched.iter().any(|l| &l.key == key))
        })
        .map(|m| m.fee)
        .sum();
    let waiting: Vec<&CardPayment> = not_yet_deposited(loaded)
        .filter(|p| (from..=to).contains(&p.at.date()))
        .collect();
    MonthReport {
        account: loaded.account.key.clone(),
        currency: loaded.account.currency.clone(),
        from,
        to,
        opening: month.first().and_then(|first| {
            day_ends(month.iter().filter(|l| l.date == first.date).copied()).map(|(o, _)| o)
        }),
        closing: month.last().and_then(|last| {
            day_ends(month.iter().filter(|l| l.date == last.date).copied()).map(|(_, c)| c)
        }),
        credits: month
            .iter()
            .map(|l| l.amount)
            .filter(|a| *a > Decimal::ZERO)
            .sum(),
        debits: month
            .iter()
            .map(|l| l.amount)
            .filter(|a| *a < Decimal::ZERO)
            .sum(),
        matched: matched.len() as u64,
        matched_sum: sum(&matched),
        fees,
        unmatched_credits: open_credits.len() as u64,
        unmatched_credits_sum: sum(&open_credits),
        unmatched_debits: open_debits.len() as u64,
        unmatched_debits_sum: sum(&open_debits),
        sales_not_deposited: waiting.len() as u64,
        sales_not_deposited_sum: waiting.iter().map(|p| p.amount).sum(),
    }
}

/// A day's balance before its first line and after its last, from the running balances the bank
/// printed: lines of a day are stored by key, not in the bank's order, so the ends are the
/// balances no other line of the day leads to or from. None when a line has no balance.
fn day_ends<'a>(lines: impl Iterator<Item = &'a BankLine>) -> Option<(Decimal, Decimal)> {
    let mut befores = Vec::new();
    let mut afters = Vec::new();
    for line in lines {
        let after = line.balance_after?;
        afters.push(after);
        befores.push(after - line.amount);
    }
    let opening = befores.iter().find(|b| !afters.contains(b)).copied()?;
    let closing = afters.iter().find(|a| !befores.contains(a)).copied()?;
    Some((opening, closing))
}
