//! Groups a person puts together (`e` on the Reconcile screen): what one bank line could pay
//! (the open batches and cash days of its window, a few days wider than the matcher's), and a
//! chosen group resolved, its figures worked out and put in words, and checked before it is
//! posted. The matcher only offers runs of consecutive batches; a person may pick any days, so a
//! group here is a list of batches or cash days, never mixed, and bounded in size.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::cash::WINDOW_DAYS;
use super::fees::{self, CEILING};
use super::inputs::BankEntry;
use super::suggest::{Paid, Suggestions};
use crate::api::reconcile::{CandidateRef, GroupChoice};
use crate::books::{calendar, currency};

/// Days beyond the matcher's window, either side, that a person may still pick from: a batch the
/// cut-off put a day late, cash carried a week after it was taken.
pub const MORE_DAYS: i64 = 5;

/// The most days one group may hold: two weeks of batches or cash is already more than any
/// deposit the sandbox or a studio's processor makes.
pub const MAX_DAYS: usize = 14;

/// The most choices one line is offered: the window holds a few weeks of days, but a studio with
/// many merchant accounts must not make the list (or its answer over the socket) grow unbounded.
pub const MAX_CHOICES: usize = 400;

/// A cash deposit may miss the days it carries by this fraction of it (or [`OVER_SHORT_FLOOR`],
/// the larger): an envelope miscounted, a note short. More is a day too many or too few.
const OVER_SHORT_RATE: Decimal = Decimal::from_parts(5, 0, 0, false, 2);
const OVER_SHORT_FLOOR: Decimal = Decimal::from_parts(1_000, 0, 0, false, 2);

/// Why a group cannot be matched to the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupRefused {
    #[error("the group is empty: tick at least one day (Space in the `e` list, or --days)")]
    Empty,
    #[error(
        "{days} days is more than one deposit pays ({most} at most): pick the days this deposit carries"
    )]
    TooManyDays { days: usize, most: usize },
    #[error("{what} is matched already ({by}): undo that match first (u on its line)")]
    Held { what: String, by: String },
    #[error(
        "there is no open {what}: nothing was taken that day or it is not synced yet; the `e` list shows the days open"
    )]
    NotOpen { what: String },
    #[error(
        "the bank line is a debit: it pays no group of sales; accept a chargeback candidate or leave it"
    )]
    Debit,
    #[error(
        "{line}, the other half of a batch paid in two, is not an open credit of this account: pick the group without it"
    )]
    OtherLine { line: String },
    #[error(
        "the deposit ({banked}) is {more} more than the group's sales ({gross}), and a processor never adds money: a day is missing from the group"
    )]
    MoreThanSales {
        banked: String,
        gross: String,
        more: String,
    },
    #[error(
        "the bank kept {kept} of {gross}, more than any processor takes ({ceiling} at {words} a charge): a day too many is in the group, or the deposit pays something else"
    )]
    FeeTooHigh {
        kept: String,
        gross: String,
        ceiling: String,
        words: String,
    },
    #[error(
        "the deposit is {off} {side} the cash of its days ({gross}), more than a miscounted envelope ({most} at most): a day is missing or one too many"
    )]
    OverShortTooLarge {
        off: String,
        side: &'static str,
        gross: String,
        most: String,
    },
    #[error(
        "a chargeback is one charge taken back, not a group: accept the chargeback the line offers, or pick days of card or cash sales"
    )]
    NotAGroup,
    #[error("that bank line is not open in this account: read the account again")]
    NoSuchLine,
}

/// What a group is made of, as indexes into the matcher's clearing, pile and lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    Card {
        merchant: String,
        /// Into `Suggestions::clearing.deposits`, in day order.
        batches: Vec<usize>,
        /// The other open line of a batch paid in two.
        with: Option<usize>,
    },
    /// Into `Suggestions::pile.days`, in day order.
    Cash { days: Vec<usize> },
}

/// A group's figures against its line, and its reason in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub group: Group,
    /// What the payments add up to, the fee the model expects (zero for cash), and the rest.
    pub gross: Decimal,
    pub fee: Decimal,
    pub net: Decimal,
    /// What the bank lines add up to.
    pub banked: Decimal,
    /// `banked - net`: zero (or a rounding cent per extra batch) when exact.
    pub gap: Decimal,
    pub exact: bool,
    pub payments: u32,
    pub reason: String,
    /// Why it cannot be posted (the bank kept a negative or implausible fee, the cash is too far
    /// off); None when it can.
    pub refused: Option<GroupRefused>,
}

impl Evaluated {
    /// A person's group is as sure as its figures: 1 when they agree to the cent, else a half.
    pub fn confidence(&self) -> f64 {
        if self.exact { 1.0 } else { 0.5 }
    }

    /// What the bank kept of the sales: the fee a card group posts.
    pub fn kept(&self) -> Decimal {
        self.gross - self.banked
    }
}

/// Who holds a batch (a merchant) or a cash day (None) in an accepted match: its id.
pub type HeldBy<'a> = dyn Fn(Option<&str>, NaiveDate) -> Option<String> + 'a;

/// The open batches and cash days line `index` (into `lines`) could pay, by merchant then cash,
/// each in day order, at most [`MAX_CHOICES`]. A debit pays no group: none.
pub fn choices(
    suggestions: &Suggestions,
    lines: &[BankEntry],
    index: usize,
    max_lag: u32,
    currency: &str,
) -> Vec<GroupChoice> {
    let Some(line) = lines.get(index) else {
        return Vec::new();
    };
    if line.amount <= Decimal::ZERO {
        return Vec::new();
    }
    let (picked_batches, picked_days) =
        match suggestions.lines.get(index).and_then(|s| s.best.as_ref()) {
            Some(best) => parts_of(&best.paid),
            None => (Vec::new(), Vec::new()),
        };
    let (batch_holder, day_holder) = holders(suggestions, index);
    let name_of = |holder: Option<&usize>| {
        holder.and_then(|&l| lines.get(l)).map(|other| {
            format!(
                "{} deposit {}",
                other.date.format("%b %-d"),
                currency::exact(other.amount, currency)
            )
        })
    };
    let mut found = Vec::new();
    let from = calendar::business_days_back(line.date, max_lag) - Duration::days(MORE_DAYS);
    let to = line.date + Duration::days(MORE_DAYS);
    for (merchant, model) in &suggestions.fees {
        for batch in suggestions.clearing.settled_between(merchant, from, to) {
            let deposit = &suggestions.clearing.deposits[batch];
            let fee = model.fee_of(deposit);
            found.push(GroupChoice {
                merchant: Some(merchant.clone()),
                day: deposit.day,
                payments: deposit.payments.len() as u32,
                gross: deposit.gross,
                fee,
                net: deposit.gross - fee,
                picked: picked_batches.contains(&batch),
                suggested_for: name_of(batch_holder.get(&batch)),
            });
        }
    }
    let pile = &suggestions.pile;
    for day in pile.between(
        line.date - Duration::days(WINDOW_DAYS + MORE_DAYS),
        line.date + Duration::days(MORE_DAYS),
    ) {
        let taking = &pile.days[day];
        found.push(GroupChoice {
            merchant: None,
            day: taking.day,
            payments: taking.count,
            gross: taking.amount,
            fee: Decimal::ZERO,
            net: taking.amount,
            picked: picked_days.contains(&day),
            suggested_for: name_of(day_holder.get(&day)),
        });
    }
    found.truncate(MAX_CHOICES);
    found
}

/// The batches and cash days a candidate takes.
fn parts_of(paid: &Paid) -> (Vec<usize>, Vec<usize>) {
    match paid {
        Paid::Card { batches, .. } => (batches.clone().collect(), Vec::new()),
        Paid::Cash { days, .. } => (Vec::new(), days.clone()),
        Paid::Chargeback { .. } => (Vec::new(), Vec::new()),
    }
}

/// The other lines whose best suggestion holds each batch and each cash day (not line `index`'s
/// own, nor the other half of its batch paid in two).
fn holders(
    suggestions: &Suggestions,
    index: usize,
) -> (HashMap<usize, usize>, HashMap<usize, usize>) {
    let (mut batches, mut days) = (HashMap::new(), HashMap::new());
    for suggestion in &suggestions.lines {
        let Some(best) = &suggestion.best else {
            continue;
        };
        let ours = suggestion.line == index
            || suggestions.other_half(suggestion.line, &best.paid) == Some(index);
        if ours {
            continue;
        }
        let (held_batches, held_days) = parts_of(&best.paid);
        for batch in held_batches {
            batches.entry(batch).or_insert(suggestion.line);
        }
        for day in held_days {
            days.entry(day).or_insert(suggestion.line);
        }
    }
    (batches, days)
}

/// Resolves `group` for line `index` and works out its figures. Refused outright when it is
/// empty, too long, names something not open (or held by an accepted match: `held_by` says
/// which), or the line is a debit; a group that resolves but cannot be posted says why in
/// [`Evaluated::refused`].
pub fn evaluate(
    suggestions: &Suggestions,
    lines: &[BankEntry],
    index: usize,
    group: &CandidateRef,
    currency: &str,
    held_by: &HeldBy<'_>,
) -> Result<Evaluated, GroupRefused> {
    let line = lines.get(index).ok_or(GroupRefused::NoSuchLine)?;
    if line.amount <= Decimal::ZERO {
        return Err(GroupRefused::Debit);
    }
    let days = match group {
        CandidateRef::Card { days, .. } | CandidateRef::Cash { days } => {
            let mut days = days.clone();
            days.sort_unstable();
            days.dedup();
            days
        }
        // A chargeback is one charge the matcher offers, never a group put together.
        CandidateRef::Chargeback { .. } => return Err(GroupRefused::NotAGroup),
    };
    if days.is_empty() {
        return Err(GroupRefused::Empty);
    }
    if days.len() > MAX_DAYS {
        return Err(GroupRefused::TooManyDays {
            days: days.len(),
            most: MAX_DAYS,
        });
    }
    let money = |amount: Decimal| currency::exact(amount, currency);
    let refuse_missing = |merchant: Option<&str>, day: NaiveDate| {
        let what = match merchant {
            Some(m) => format!("batch of merchant {m} settled {}", day.format("%b %-d")),
            None => format!("cash taken {}", day.format("%b %-d")),
        };
        match held_by(merchant, day) {
            Some(by) => GroupRefused::Held { what, by },
            None => GroupRefused::NotOpen { what },
        }
    };
    let day_list = day_list(&days);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match group {
        CandidateRef::Card { merchant, with, .. } => {
            let model = suggestions
                .fees
                .iter()
                .find(|(m, _)| m == merchant)
                .map(|(_, model)| *model);
            let mut batches = Vec::with_capacity(days.len());
            for &day in &days {
                let found = suggestions
                    .clearing
                    .settled_between(merchant, day, day)
                    .next();
                batches.push(found.ok_or_else(|| refuse_missing(Some(merchant), day))?);
            }
            let model = model.unwrap_or(fees::DEFAULT);
            let other = match with {
                Some(key) => {
                    let found = lines
                        .iter()
                        .position(|l| &l.key == key && l.amount > Decimal::ZERO);
                    // Seen from the later half, the matcher's name points at the line itself:
                    // the other half is the line sharing its suggestion.
                    let found = match found {
                        Some(o) if o == index => suggestions
                            .lines
                            .get(index)
                            .and_then(|s| s.best.as_ref())
                            .and_then(|best| suggestions.other_half(index, &best.paid)),
                        found => found,
                    };
                    Some(found.ok_or_else(|| GroupRefused::OtherLine { line: key.clone() })?)
                }
                None => None,
            };
            let (mut gross, mut fee, mut charges, mut payments) =
                (Decimal::ZERO, Decimal::ZERO, 0u32, 0u32);
            for &batch in &batches {
                let deposit = &suggestions.clearing.deposits[batch];
                gross += deposit.gross;
                fee += model.fee_of(deposit);
                charges += deposit.charges;
                payments += deposit.payments.len() as u32;
            }
            let banked = line.amount + other.map_or(Decimal::ZERO, |o| lines[o].amount);
            let net = gross - fee;
            let gap = banked - net;
            // The fee is rounded once per payout: a cent per extra batch or part, as the matcher
            // allows.
            let parts = i64::from(line.parts.max(1)) + i64::from(other.is_some());
            let exact = gap.abs() <= Decimal::new(batches.len() as i64 - 1 + parts - 1, 2);
            let kept = gross - banked;
            let verdict = if kept < Decimal::ZERO {
                format!(
                    "deposit {} is {} more than the sales",
                    money(banked),
                    money(-kept)
                )
            } else if kept == fee {
                format!("deposit {} says the same", money(banked))
            } else {
                format!(
                    "deposit {} says {} ({} off)",
                    money(banked),
                    money(kept),
                    money((kept - fee).abs())
                )
            };
            let reason = format!(
                "edited: {} day{} of merchant {merchant} sales ({day_list}), {payments} payment{}, {} gross, fee by the model {} × {charges} = {}, {verdict}",
                days.len(),
                plural(days.len()),
                plural(payments as usize),
                money(gross),
                model.words(),
                money(fee),
            );
            let refused = card_refusal(
                gross,
                banked,
                charged_of(suggestions, &batches),
                charges,
                currency,
            );
            Ok(Evaluated {
                group: Group::Card {
                    merchant: merchant.clone(),
                    batches,
                    with: other,
                },
                gross,
                fee,
                net,
                banked,
                gap,
                exact,
                payments,
                reason,
                refused,
            })
        }
        _ => {
            let pile = &suggestions.pile;
            let mut chosen = Vec::with_capacity(days.len());
            for &day in &days {
                let found = pile.between(day, day).next();
                chosen.push(found.ok_or_else(|| refuse_missing(None, day))?);
            }
            let gross: Decimal = chosen.iter().map(|&d| pile.days[d].amount).sum();
            let payments: u32 = chosen.iter().map(|&d| pile.days[d].count).sum();
            let banked = line.amount;
            let gap = banked - gross;
            let verdict = if gap.is_zero() {
                format!("= deposit {} exactly", money(banked))
            } else {
                format!(
                    "deposit {} is {} {} (posted to Cash over and short)",
                    money(banked),
                    money(gap.abs()),
                    if gap < Decimal::ZERO { "short" } else { "over" }
                )
            };
            let reason = format!(
                "edited: cash and cheques of {} day{} ({day_list}), {payments} payment{}, {} {verdict}",
                days.len(),
                plural(days.len()),
                plural(payments as usize),
                money(gross),
            );
            let most = (banked * OVER_SHORT_RATE).round_dp(2).max(OVER_SHORT_FLOOR);
            let refused = (gap.abs() > most).then(|| GroupRefused::OverShortTooLarge {
                off: money(gap.abs()),
                side: if gap < Decimal::ZERO {
                    "short of"
                } else {
                    "over"
                },
                gross: money(gross),
                most: money(most),
            });
            Ok(Evaluated {
                group: Group::Cash { days: chosen },
                gross,
                fee: Decimal::ZERO,
                net: gross,
                banked,
                gap,
                exact: gap.is_zero(),
                payments,
                reason,
                refused,
            })
        }
    }
}

/// What the batches charged (refunds left out): what a processor's rate is taken on.
fn charged_of(suggestions: &Suggestions, batches: &[usize]) -> Decimal {
    batches
        .iter()
        .map(|&b| suggestions.clearing.deposits[b].charged)
        .sum()
}

/// A card group posts what the bank kept as its fee: refused when that is negative (the deposit
/// is more than the sales) or more than any processor takes.
fn card_refusal(
    gross: Decimal,
    banked: Decimal,
    charged: Decimal,
    charges: u32,
    currency: &str,
) -> Option<GroupRefused> {
    let money = |amount: Decimal| currency::exact(amount, currency);
    let kept = gross - banked;
    let most = CEILING.fee(charged.max(Decimal::ZERO), charges);
    if kept < Decimal::ZERO {
        Some(GroupRefused::MoreThanSales {
            banked: money(banked),
            gross: money(gross),
            more: money(-kept),
        })
    } else if kept > most {
        Some(GroupRefused::FeeTooHigh {
            kept: money(kept),
            gross: money(gross),
            ceiling: money(most),
            words: CEILING.words(),
        })
    } else {
        None
    }
}

/// Days as a person lists them: "Nov 3, Nov 4, Nov 6".
pub(super) fn day_list(days: &[NaiveDate]) -> String {
    days.iter()
        .map(|d| d.format("%b %-d").to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
