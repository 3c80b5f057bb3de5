//! What reconciliation shows and takes: a bank account's lines with their state (matched,
//! suggested, unmatched), each suggestion's reason and confidence, the requests that accept,
//! reject or undo, and the choices a person puts a line's group together from. A candidate is
//! named by what it pays ([`CandidateRef`]), not by its place in a list, so a request still means
//! the same thing after the books moved.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a candidate pays, as a name that survives a re-computation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CandidateRef {
    /// Settlement batches of a merchant account (by their settlement days); `with` is the other
    /// bank line of a batch paid in two.
    Card {
        merchant: String,
        days: Vec<NaiveDate>,
        #[serde(default)]
        with: Option<String>,
    },
    /// Days of undeposited cash.
    Cash { days: Vec<NaiveDate> },
    /// A card transaction charged back.
    Chargeback { payment: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateView {
    pub id: CandidateRef,
    /// 0 to 1.
    pub confidence: f64,
    pub exact: bool,
    /// What the payments add up to, the fee taken, and what should have reached the bank.
    pub gross: Decimal,
    pub fee: Decimal,
    pub net: Decimal,
    /// The line's amount less `net` (zero when exact).
    pub gap: Decimal,
    /// How many payments it covers.
    pub payments: u32,
    pub reason: String,
    /// Why a group a person put together cannot be accepted as it is (the bank would have kept
    /// a negative or implausible fee, the cash is too far off); None when it can, and for the
    /// matcher's own candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum LineState {
    /// Accepted; frozen until undone.
    Matched {
        match_id: String,
        reason: String,
        fee: Decimal,
        /// A cash deposit's difference from its days, posted as over (more) or short (less).
        #[serde(default)]
        over_short: Decimal,
    },
    /// The best candidate nobody has decided on.
    Suggested { best: CandidateView },
    /// Nothing fits (rent, payroll, a transfer: lines that pay no sale).
    Unmatched,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineView {
    pub key: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub payee: String,
    pub memo: String,
    #[serde(flatten)]
    pub state: LineState,
    /// Other candidates, for the user to pick instead.
    #[serde(default)]
    pub others: Vec<CandidateView>,
}

/// Card sales not yet seen in any deposit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    /// Older than `[books] deposit_overdue_days` business days.
    pub count: u64,
    pub sum: Decimal,
    pub oldest: Option<NaiveDate>,
    pub after_days: u32,
}

/// A fee model in use, in words ("2.75% + 0.15, fits 212 deposits").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeView {
    pub merchant: String,
    pub words: String,
    /// How many deposits it fits to the cent (0: the default, nothing learned).
    pub fits: u32,
}

/// One bank account, reconciled as far as it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileView {
    pub account: String,
    /// The Mindbody site of a chain whose sales this account's lines are matched to (None: every
    /// site's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub currency: String,
    /// Unmatched first (suggested, then with nothing), newest first within each; matched last.
    pub lines: Vec<LineView>,
    pub fees: Vec<FeeView>,
    /// When the processor's batches close, as the deposits show it ("22:00", "midnight").
    pub batches_close: String,
    pub overdue: Overdue,
    /// Credits not matched: how many, their sum, the oldest.
    pub unreconciled: u64,
    pub unreconciled_sum: Decimal,
    pub unreconciled_oldest: Option<NaiveDate>,
}

/// A month of one bank account, as a bookkeeper closes it: the balances, what was matched and
/// what its fees were, and what is left unmatched on either side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthReport {
    pub account: String,
    pub currency: String,
    /// The first and last day of the month.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The balance before the month's first line and after its last, when the bank printed
    /// running balances (CSV exports do; OFX and CAMT state only their statement's ends).
    pub opening: Option<Decimal>,
    pub closing: Option<Decimal>,
    pub credits: Decimal,
    pub debits: Decimal,
    /// Bank lines matched, and what they came to.
    pub matched: u64,
    pub matched_sum: Decimal,
    /// The processor's fees those matches posted.
    pub fees: Decimal,
    /// Bank lines of the month no match holds (credits and debits apart).
    pub unmatched_credits: u64,
    pub unmatched_credits_sum: Decimal,
    pub unmatched_debits: u64,
    pub unmatched_debits_sum: Decimal,
    /// Card sales charged that month that no deposit has been found for (accepted or exact).
    pub sales_not_deposited: u64,
    pub sales_not_deposited_sum: Decimal,
}

/// One group a bank line could pay, for a person to put a deposit together by hand: a merchant
/// account's settlement batch of one day, or one day of undeposited cash and cheques.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupChoice {
    /// The merchant account whose batch it is; None for a day of cash and cheques.
    pub merchant: Option<String>,
    /// The settlement day (card) or the day the cash was taken.
    pub day: NaiveDate,
    /// How many payments make it up.
    pub payments: u32,
    pub gross: Decimal,
    /// The fee the merchant's model expects on this batch (zero for cash), and what is left.
    pub fee: Decimal,
    pub net: Decimal,
    /// In the line's best suggestion.
    pub picked: bool,
    /// Another open line whose best suggestion holds it ("Nov 14 deposit 1,204.18"): taking it
    /// here is allowed, and that line is offered something else next time.
    pub suggested_for: Option<String>,
}

/// What one open bank line could pay that no accepted match holds: the open batches of each
/// merchant account in the line's window (the days the matcher considers, and a few more either
/// side) and the open days of cash, in day order within each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupChoices {
    pub line: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub currency: String,
    pub choices: Vec<GroupChoice>,
    /// The line's best suggestion, when there is one: picking the same days keeps its name (a
    /// batch paid in two keeps its other line).
    pub best: Option<CandidateRef>,
    /// The other line's amount when the best suggestion is a batch paid in two: its days are
    /// paid by both lines together.
    #[serde(default)]
    pub best_with_amount: Option<Decimal>,
    /// Each merchant's fee model in words, for the overlay.
    pub fees: Vec<FeeView>,
}

/// The running figures of the choices ticked so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFigures {
    pub payments: u32,
    pub gross: Decimal,
    /// The models' fee (zero for cash).
    pub fee: Decimal,
    pub net: Decimal,
    /// The line's amount less `net`.
    pub gap: Decimal,
    /// What the bank kept, `gross - amount`: the fee a card group posts when accepted.
    pub kept: Decimal,
}

/// Why ticked choices make no group a line can be matched to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupMixed {
    #[error("nothing is ticked: Space ticks a day")]
    Empty,
    #[error(
        "a deposit pays one merchant account's batches or cash, not both: untick the cash days or the card days"
    )]
    CardAndCash,
    #[error(
        "a deposit pays one merchant account's batches: {0} and {1} are both ticked; untick one account's days"
    )]
    TwoMerchants(String, String),
}

impl GroupChoices {
    /// The figures of the choices at `ticked` (indexes into `choices`; others are ignored),
    /// against the line (and the other line of a batch paid in two, when they are its days).
    pub fn figures(&self, ticked: &[usize]) -> GroupFigures {
        let mut figures = GroupFigures::default();
        for choice in ticked.iter().filter_map(|&i| self.choices.get(i)) {
            figures.payments += choice.payments;
            figures.gross += choice.gross;
            figures.fee += choice.fee;
            figures.net += choice.net;
        }
        let banked = self.banked_by(ticked);
        figures.gap = banked - figures.net;
        figures.kept = figures.gross - banked;
        figures
    }

    /// What the bank lines that would pay the ticked group add up to: this line, and the other
    /// half of the best suggestion's payout when the ticks are its days.
    pub fn banked_by(&self, ticked: &[usize]) -> Decimal {
        let paid_in_two = matches!(
            self.candidate_of(ticked),
            Ok(CandidateRef::Card { with: Some(_), .. })
        );
        match self.best_with_amount {
            Some(other) if paid_in_two => self.amount + other,
            _ => self.amount,
        }
    }

    /// The group the ticked choices make, named as the engine takes it: the best suggestion's
    /// own name when they are its days.
    pub fn candidate_of(&self, ticked: &[usize]) -> Result<CandidateRef, GroupMixed> {
        let chosen: Vec<&GroupChoice> =
            ticked.iter().filter_map(|&i| self.choices.get(i)).collect();
        let first = chosen.first().ok_or(GroupMixed::Empty)?;
        let mut days: Vec<NaiveDate> = chosen.iter().map(|c| c.day).collect();
        days.sort_unstable();
        days.dedup();
        let named = match &first.merchant {
            None => {
                if chosen.iter().any(|c| c.merchant.is_some()) {
                    return Err(GroupMixed::CardAndCash);
                }
                CandidateRef::Cash { days }
            }
            Some(merchant) => {
                for other in &chosen {
                    match &other.merchant {
                        None => return Err(GroupMixed::CardAndCash),
                        Some(m) if m != merchant => {
                            return Err(GroupMixed::TwoMerchants(merchant.clone(), m.clone()));
                        }
                        Some(_) => {}
                    }
                }
                CandidateRef::Card {
                    merchant: merchant.clone(),
                    days,
                    with: None,
                }
            }
        };
        Ok(match &self.best {
            Some(best) if same_group(best, &named) => best.clone(),
            _ => named,
        })
    }
}

/// The same days of the same source, whatever other line a batch paid in two names.
fn same_group(a: &CandidateRef, b: &CandidateRef) -> bool {
    match (a, b) {
        (
            CandidateRef::Card {
                merchant: m1,
                days: d1,
                ..
            },
            CandidateRef::Card {
                merchant: m2,
                days: d2,
                ..
            },
        ) => m1 == m2 && d1 == d2,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("a November day")
    }

    fn choice(merchant: Option<&str>, d: u32, gross: i64, fee: i64) -> GroupChoice {
        GroupChoice {
            merchant: merchant.map(str::to_string),
            day: day(d),
            payments: 3,
            gross: Decimal::new(gross, 2),
            fee: Decimal::new(fee, 2),
            net: Decimal::new(gross - fee, 2),
            picked: false,
            suggested_for: None,
        }
    }

    fn choices() -> GroupChoices {
        GroupChoices {
            line: "chase:1".into(),
            date: day(6),
            amount: Decimal::new(28_000, 2),
            currency: "USD".into(),
            choices: vec![
                choice(Some("visa"), 3, 10_000, 300),
                choice(Some("visa"), 4, 20_000, 600),
                choice(Some("amex"), 4, 5_000, 200),
                choice(None, 2, 7_000, 0),
            ],
            best: Some(CandidateRef::Card {
                merchant: "visa".into(),
                days: vec![day(3), day(4)],
                with: Some("chase:2".into()),
            }),
            best_with_amount: Some(Decimal::new(1_000, 2)),
            fees: Vec::new(),
        }
    }

    #[test]
    fn ticked_choices_add_up_against_the_line() {
        // The best suggestion's days are paid by its two lines: 280.00 + 10.00.
        let best = choices().figures(&[0, 1]);
        assert_eq!(
            (best.gap, best.kept),
            (Decimal::new(-100, 2), Decimal::new(1_000, 2))
        );
        let figures = choices().figures(&[1, 3, 99]);
        assert_eq!(
            figures,
            GroupFigures {
                payments: 6,
                gross: Decimal::new(27_000, 2),
                fee: Decimal::new(600, 2),
                net: Decimal::new(26_400, 2),
                gap: Decimal::new(1_600, 2),
                kept: Decimal::new(-1_000, 2),
            }
        );
    }

    #[test]
    fn ticked_choices_name_one_group_or_say_why_not() {
        let group = choices();
        // The best suggestion's own days keep its name, the other half of its payout with it.
        assert_eq!(
            group.candidate_of(&[1, 0]),
            Ok(group.best.clone().expect("best"))
        );
        assert_eq!(
            group.candidate_of(&[1]),
            Ok(CandidateRef::Card {
                merchant: "visa".into(),
                days: vec![day(4)],
                with: None,
            })
        );
        assert_eq!(
            group.candidate_of(&[3]),
            Ok(CandidateRef::Cash { days: vec![day(2)] })
        );
        assert_eq!(group.candidate_of(&[]), Err(GroupMixed::Empty));
        assert_eq!(group.candidate_of(&[0, 3]), Err(GroupMixed::CardAndCash));
        assert_eq!(group.candidate_of(&[3, 0]), Err(GroupMixed::CardAndCash));
        assert_eq!(
            group.candidate_of(&[0, 2]),
            Err(GroupMixed::TwoMerchants("visa".into(), "amex".into()))
        );
    }
}
