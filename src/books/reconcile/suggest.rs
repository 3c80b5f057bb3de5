//! Suggestions: for every bank line, its candidates ranked, and the best one no better-placed line
//! has claimed. Candidates are claimed greedily from the most confident down, so one batch, one
//! day of cash or one charge is never offered as paid by two lines at once.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::card::{self, CardFit};
use super::cash::{self, CashFit};
use super::clearing::{CUTOFFS, Clearing, Undeposited};
use super::debits::{ChargeIndex, ChargebackFit};
use super::fees::{self, FeeModel};
use super::inputs::{BankEntry, CardPayment, CashTaking};
use crate::books::{calendar, currency};

#[derive(Debug, Clone)]
pub struct Settings {
    /// Business days a processor may take to pay a batch.
    pub max_lag: u32,
    /// The account's currency, for the words.
    pub currency: String,
    /// The fee assumed where none can be learned.
    pub default_fee: FeeModel,
    /// A near miss is offered when it is within this fraction of the line (or 1.00).
    pub near_miss: Decimal,
    /// Other lines scanned for the second half of a split deposit.
    pub split_scan: usize,
    /// Every card payment and bank line of the account, matched ones too, to learn the batches'
    /// cut-off and the fees from: once the sure deposits are accepted, the few lines left are
    /// too few to learn from, and would fall back to the default fee and a wrong cut-off.
    pub learn_from: Option<History>,
}

/// The whole history of an account, for learning (see [`Settings::learn_from`]).
#[derive(Debug, Clone, Default)]
pub struct History {
    pub payments: Vec<CardPayment>,
    pub lines: Vec<BankEntry>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_lag: 5,
            currency: "USD".into(),
            default_fee: fees::DEFAULT,
            near_miss: Decimal::new(2, 2),
            split_scan: 64,
            learn_from: None,
        }
    }
}

/// What a bank line is taken to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paid {
    /// Consecutive settlement batches of one merchant account, net of the fee; `with` is the other
    /// bank line when the processor paid the batch in two.
    Card {
        merchant: String,
        /// Indexes into [`Suggestions::clearing`]'s deposits.
        batches: Range<usize>,
        gross: Decimal,
        charges: u32,
        fee: Decimal,
        net: Decimal,
        with: Option<usize>,
    },
    /// Days of undeposited cash (indexes into [`Suggestions::pile`]).
    Cash { days: Vec<usize>, amount: Decimal },
    /// One charge taken back (index into the payments), with the dispute fee.
    Chargeback { payment: usize, fee: Decimal },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub paid: Paid,
    /// 0 to 1; only an exact, unambiguous fit reaches the default threshold for accepting
    /// without a look.
    pub confidence: f64,
    /// The amounts agree to the cent under the fee model.
    pub exact: bool,
    /// The line's amount less what the candidate explains (zero when exact).
    pub gap: Decimal,
    /// In words, with the arithmetic.
    pub reason: String,
}

/// What one bank line is offered.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Index into the lines given.
    pub line: usize,
    pub best: Option<Candidate>,
    /// The next best, for the user to pick instead (at most three).
    pub others: Vec<Candidate>,
}

#[derive(Debug)]
pub struct Suggestions {
    /// One per line given, in the same order.
    pub lines: Vec<Suggestion>,
    /// The fee model used for each merchant account.
    pub fees: Vec<(String, FeeModel)>,
    pub clearing: Clearing,
    pub pile: Undeposited,
}

impl Suggestions {
    /// The payments (indexes into the slice given) a card candidate covers.
    pub fn payments_of(&self, batches: &Range<usize>) -> impl Iterator<Item = usize> + '_ {
        self.clearing.deposits[batches.clone()]
            .iter()
            .flat_map(|batch| batch.payments.iter().copied())
    }

    /// The card payments (indexes) of every batch some line fits to the cent: its best
    /// candidate, or an equally exact one the line must be checked against. An ambiguous line's
    /// best may be a run of cash days that happens to add up to a payout's round net; the
    /// payout is still in the statement, so its sales are not waiting for a deposit.
    pub fn payments_found_exactly(&self) -> HashSet<usize> {
        self.lines
            .iter()
            .flat_map(|s| s.best.iter().chain(s.others.iter()))
            .filter(|candidate| candidate.exact)
            .flat_map(|candidate| match &candidate.paid {
                Paid::Card { batches, .. } => self.payments_of(batches).collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// The other line of a batch paid in two, seen from `line`. A split is found from its
    /// earlier line, whose index `with` holds; the later line is given the same candidate, so
    /// from there `with` is the line itself and the other half is the line that shares it.
    pub fn other_half(&self, line: usize, paid: &Paid) -> Option<usize> {
        let Paid::Card {
            with: Some(with), ..
        } = paid
        else {
            return None;
        };
        if *with != line {
            return Some(*with);
        }
        self.lines
            .iter()
            .find(|s| s.line != line && s.best.as_ref().is_some_and(|b| &b.paid == paid))
            .map(|s| s.line)
    }
}

/// What a candidate takes for itself: no two accepted candidates share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Claim {
    Line(usize),
    Batch(usize),
    CashDay(usize),
    Charge(usize),
}

struct Scored {
    line: usize,
    candidate: Candidate,
    claims: Vec<Claim>,
    /// Days from the newest money it covers to the line: among equals, the most recent money is
    /// the likeliest (a deposit carries the latest batch, the latest week of cash).
    age: i64,
}

/// Whether the user rejected this candidate for this line (an index into the lines).
pub type Rejected<'a> = dyn Fn(usize, &Paid, &Clearing, &Undeposited) -> bool + 'a;

/// Suggests what each line pays. `payments` are the settled card and ACH payments not yet in an
/// accepted match; `cash` the takings not yet deposited; `lines` the bank lines not yet matched.
pub fn suggest(
    payments: &[CardPayment],
    cash: &[CashTaking],
    lines: &[BankEntry],
    settings: &Settings,
    rejected: &Rejected<'_>,
) -> Suggestions {
    let (clearing, fees) = match &settings.learn_from {
        Some(history) => {
            let (learned, fees) = batches_and_fees(&history.payments, &history.lines, settings);
            (Clearing::of(payments, learned.cutoff), fees)
        }
        None => batches_and_fees(payments, lines, settings),
    };
    let pile = Undeposited::of(cash);
    let charges = ChargeIndex::of(payments);
    let words = Words {
        currency: &settings.currency,
        payments,
        clearing: &clearing,
        pile: &pile,
    };
    let by_date = dated_order(lines);
    // The subset searches of all lines share one budget: a statement of many deposits equal to
    // no set of cash days must not multiply the search by its length.
    let mut subset_budget = cash::RUN_BUDGET;

    let mut scored: Vec<Scored> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let tolerance = (line.amount.abs() * settings.near_miss).max(Decimal::ONE);
        let mut found: Vec<Scored> = Vec::new();
        for (merchant, model) in &fees {
            let no_fee = FeeModel {
                rate: Decimal::ZERO,
                fixed: Decimal::ZERO,
                fits: 0,
            };
            for fit in card::fits(
                &clearing,
                merchant,
                model,
                line,
                line.amount,
                settings.max_lag,
                tolerance,
            ) {
                found.push(card_candidate(index, line, fit, model, None, &words));
            }
            // Paid gross, the fees billed apart once a month: exact only.
            for fit in card::fits(
                &clearing,
                merchant,
                &no_fee,
                line,
                line.amount,
                settings.max_lag,
                Decimal::ZERO,
            ) {
                found.push(card_candidate(index, line, fit, &no_fee, None, &words));
            }
            if line.amount > Decimal::ZERO {
                found.extend(splits(
                    index, lines, &by_date, &clearing, merchant, model, settings, &words,
                ));
            }
        }
        for fit in cash::fits(&pile, line, tolerance, &mut subset_budget) {
            found.push(cash_candidate(index, line, fit, &pile, &words));
        }
        for fit in charges.fits(payments, line) {
            found.push(chargeback_candidate(index, line, fit, payments, &words));
        }
        found.retain(|s| !rejected(index, &s.candidate.paid, &clearing, &pile));
        mark_ambiguity(&mut found);
        scored.extend(found);
    }
    // The cash in order, over the lines no card batch fits exactly: the run each takes from
    // the oldest undeposited day is the likeliest, above any other set of days that adds up.
    let card_paid: HashSet<usize> = scored
        .iter()
        .filter(|s| s.candidate.exact && matches!(s.candidate.paid, Paid::Card { .. }))
        .map(|s| s.line)
        .collect();
    let mut dated: Vec<(usize, &BankEntry)> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !card_paid.contains(i))
        .collect();
    dated.sort_by_key(|(i, l)| (l.date, *i));
    let near = |line: &BankEntry| (line.amount.abs() * Decimal::new(1, 2)).max(Decimal::ONE);
    for (index, fit) in cash::in_order(&pile, &dated, near) {
        let mut ordered = cash_candidate(index, &lines[index], fit, &pile, &words);
        if !rejected(index, &ordered.candidate.paid, &clearing, &pile) {
            ordered.candidate.confidence = if ordered.candidate.exact { 0.96 } else { 0.6 };
            ordered
                .candidate
                .reason
                .push_str(", the oldest cash not yet deposited");
            scored.push(ordered);
        }
    }
    mark_shared_batches(&mut scored);
    assign(scored, lines.len(), fees, clearing, pile)
}

/// The batches under the cut-off the deposits agree with best, and each merchant account's fee
/// learned under it (the default where nothing fits): every cut-off is tried, the one whose
/// fee models turn the most batches into deposits to the cent wins, the latest on a tie.
fn batches_and_fees(
    payments: &[CardPayment],
    lines: &[BankEntry],
    settings: &Settings,
) -> (Clearing, Vec<(String, FeeModel)>) {
    // (deposits fitted, the batches, the fees learned) of the best cut-off so far.
    type Tried = (u32, Clearing, Vec<(String, FeeModel)>);
    let mut best: Option<Tried> = None;
    for cutoff in CUTOFFS {
        let clearing = Clearing::of(payments, cutoff);
        let learned: Vec<(String, FeeModel)> = clearing
            .merchants()
            .map(|merchant| {
                let model = fees::learn(&clearing, merchant, lines, settings.max_lag);
                (merchant.to_string(), model)
            })
            .collect();
        let fits: u32 = learned.iter().map(|(_, m)| m.fits).sum();
        if best.as_ref().is_none_or(|(most, _, _)| fits > *most) {
            best = Some((fits, clearing, learned));
        }
        // A cut-off every deposit agrees with cannot be beaten.
        if fits > 0 && fits as usize >= lines.iter().filter(|l| l.amount > Decimal::ZERO).count() {
            break;
        }
    }
    let (_, clearing, learned) = best.unwrap_or_default();
    let fees = learned
        .into_iter()
        .map(|(merchant, model)| {
            let model = if model.learned() {
                model
            } else {
                settings.default_fee
            };
            (merchant, model)
        })
        .collect();
    (clearing, fees)
}

/// Line indexes in date order, to find a split deposit's other half near a line.
fn dated_order(lines: &[BankEntry]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].date);
    order
}

/// A batch the processor paid in two: this line and another credit near it add up to the batch's
/// net. Only `split_scan` neighbours are looked at on each side.
#[allow(clippy::too_many_arguments)]
fn splits(
    index: usize,
    lines: &[BankEntry],
    by_date: &[usize],
    clearing: &Clearing,
    merchant: &str,
    model: &FeeModel,
    settings: &Settings,
    words: &Words,
) -> Vec<Scored> {
    let line = &lines[index];
    let from = calendar::business_days_back(line.date, settings.max_lag);
    let window = clearing.settled_between(merchant, from, line.date);
    let near_from = line.date - chrono::Duration::days(3);
    let near_to = line.date + chrono::Duration::days(3);
    let start = by_date.partition_point(|&i| lines[i].date < near_from);
    let neighbours: Vec<usize> = by_date[start..]
        .iter()
        .copied()
        .take_while(|&i| lines[i].date <= near_to)
        .filter(|&i| i != index && lines[i].amount > Decimal::ZERO)
        .take(settings.split_scan * 2)
        .collect();
    let mut found = Vec::new();
    for batch in window {
        let deposit = &clearing.deposits[batch];
        let fee = model.fee_of(deposit);
        let net = deposit.gross - fee;
        if net <= line.amount {
            continue;
        }
        for &other in &neighbours {
            // Each split is found from both halves; keep the one seen from the earlier line.
            // Each part's fee was rounded on its own: a cent either way.
            let apart = (line.amount + lines[other].amount - net).abs();
            if apart <= Decimal::new(1, 2) && index < other {
                let fit = CardFit {
                    merchant: merchant.to_string(),
                    batches: batch..batch + 1,
                    gross: deposit.gross,
                    charges: deposit.charges,
                    fee,
                    net,
                    lag: calendar::business_days_between(deposit.day, line.date),
                };
                found.push(card_candidate(
                    index,
                    line,
                    fit,
                    model,
                    Some((other, &lines[other])),
                    words,
                ));
            }
        }
    }
    found
}

fn card_candidate(
    index: usize,
    line: &BankEntry,
    fit: CardFit,
    model: &FeeModel,
    with: Option<(usize, &BankEntry)>,
    words: &Words,
) -> Scored {
    let paid_by_line = line.amount + with.map_or(Decimal::ZERO, |(_, other)| other.amount);
    let gap = fit.gap(paid_by_line);
    let runs = fit.batches.len();
    // The fee is rounded once per payout: a run of batches paid as one may be a cent per extra
    // batch off the sum of their fees, and a batch paid in parts a cent per extra part.
    let parts = line.parts.max(1) + u32::from(with.is_some());
    let rounding = runs as i64 - 1 + i64::from(parts) - 1;
    let exact = gap.abs() <= Decimal::new(rounding, 2);
    let mut confidence: f64 = if !exact {
        let tolerance = (paid_by_line.abs() * Decimal::new(2, 2)).max(Decimal::ONE);
        0.5 * (1.0 - ratio(gap.abs(), tolerance)).max(0.0)
    } else if model.rate.is_zero() && model.fixed.is_zero() {
        0.90
    } else if !model.learned() {
        0.85
    } else if with.is_some() {
        0.90
    } else if runs == 1 {
        0.97
    } else {
        0.95
    };
    if exact && !(1..=3).contains(&fit.lag) {
        confidence -= 0.05;
    }
    let mut claims = vec![Claim::Line(index)];
    claims.extend(fit.batches.clone().map(Claim::Batch));
    if let Some((other, _)) = with {
        claims.push(Claim::Line(other));
    }
    let reason = words.card(
        &fit,
        model,
        line.amount,
        with.map(|(_, other)| other.amount),
        gap,
    );
    Scored {
        age: fit.lag,
        line: index,
        candidate: Candidate {
            paid: Paid::Card {
                merchant: fit.merchant,
                batches: fit.batches,
                gross: fit.gross,
                charges: fit.charges,
                fee: fit.fee,
                net: fit.net,
                with: with.map(|(other, _)| other),
            },
            confidence,
            exact,
            gap,
            reason,
        },
        claims,
    }
}

fn cash_candidate(
    index: usize,
    line: &BankEntry,
    fit: CashFit,
    pile: &Undeposited,
    words: &Words,
) -> Scored {
    let newest = fit.days.last().map_or(line.date, |&d| pile.days[d].day);
    let gap = fit.gap(line.amount);
    let exact = gap.is_zero();
    let confidence = match (exact, fit.consecutive) {
        (true, true) => 0.95,
        (true, false) => 0.80,
        (false, _) => {
            let tolerance = (line.amount.abs() * Decimal::new(2, 2)).max(Decimal::ONE);
            0.5 * (1.0 - ratio(gap.abs(), tolerance)).max(0.0)
        }
    };
    let mut claims = vec![Claim::Line(index)];
    claims.extend(fit.days.iter().copied().map(Claim::CashDay));
    Scored {
        age: (line.date - newest).num_days(),
        line: index,
        candidate: Candidate {
            reason: words.cash(&fit, line.amount, gap),
            paid: Paid::Cash {
                days: fit.days,
                amount: fit.amount,
            },
            confidence,
            exact,
            gap,
        },
        claims,
    }
}

fn chargeback_candidate(
    index: usize,
    line: &BankEntry,
    fit: ChargebackFit,
    payments: &[CardPayment],
    words: &Words,
) -> Scored {
    let confidence = if fit.named { 0.90 } else { 0.55 };
    Scored {
        age: (line.date - payments[fit.payment].at.date()).num_days(),
        line: index,
        candidate: Candidate {
            reason: words.chargeback(&fit, line.amount),
            paid: Paid::Chargeback {
                payment: fit.payment,
                fee: fit.fee,
            },
            confidence,
            exact: true,
            gap: Decimal::ZERO,
        },
        claims: vec![Claim::Line(index), Claim::Charge(fit.payment)],
    }
}

/// Two exact candidates for one line that claim different things: a person must choose.
fn mark_ambiguity(found: &mut [Scored]) {
    let exact = found.iter().filter(|s| s.candidate.exact).count();
    if exact > 1 {
        for scored in found.iter_mut().filter(|s| s.candidate.exact) {
            scored.candidate.confidence = scored.candidate.confidence.min(0.6);
            scored.candidate.reason.push_str(&format!(
                "; {} candidates fit this line exactly, check which",
                exact
            ));
        }
    }
}

/// One batch paid exactly by two lines (two equal deposits in its window): neither is sure.
fn mark_shared_batches(scored: &mut [Scored]) {
    // Each claim → the first line seen claiming it exactly; a second line makes it shared.
    let mut first: HashMap<Claim, usize> = HashMap::new();
    let mut shared: HashSet<Claim> = HashSet::new();
    for s in scored.iter().filter(|s| s.candidate.exact) {
        for claim in s.claims.iter().filter(|c| !matches!(c, Claim::Line(_))) {
            match first.get(claim) {
                Some(&line) if line != s.line => {
                    shared.insert(*claim);
                }
                Some(_) => {}
                None => {
                    first.insert(*claim, s.line);
                }
            }
        }
    }
    if shared.is_empty() {
        return;
    }
    for s in scored.iter_mut().filter(|s| s.candidate.exact) {
        if s.claims.iter().any(|c| shared.contains(c)) {
            s.candidate.confidence = s.candidate.confidence.min(0.6);
            s.candidate
                .reason
                .push_str("; another line fits the same sales exactly, check which");
        }
    }
}

/// Most confident first, each candidate taken only if nothing it claims is taken.
fn assign(
    mut scored: Vec<Scored>,
    lines: usize,
    fees: Vec<(String, FeeModel)>,
    clearing: Clearing,
    pile: Undeposited,
) -> Suggestions {
    scored.sort_by(|a, b| {
        b.candidate
            .confidence
            .total_cmp(&a.candidate.confidence)
            .then(a.candidate.gap.abs().cmp(&b.candidate.gap.abs()))
            .then(a.age.cmp(&b.age))
            .then(a.line.cmp(&b.line))
    });
    let mut taken: HashSet<Claim> = HashSet::new();
    let mut suggestions: Vec<Suggestion> = (0..lines)
        .map(|line| Suggestion {
            line,
            best: None,
            others: Vec::new(),
        })
        .collect();
    for s in scored {
        if s.claims.iter().all(|c| !taken.contains(c)) {
            taken.extend(s.claims.iter().copied());
            for claim in &s.claims {
                if let Claim::Line(line) = claim {
                    suggestions[*line].best = Some(s.candidate.clone());
                }
            }
        } else if suggestions[s.line].others.len() < 3 {
            suggestions[s.line].others.push(s.candidate);
        }
    }
    Suggestions {
        lines: suggestions,
        fees,
        clearing,
        pile,
    }
}

fn ratio(part: Decimal, whole: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    (part / whole).to_f64().unwrap_or(1.0)
}

/// The reasons, in words a bookkeeper reads: what was summed, the fee's arithmetic, the result.
struct Words<'a> {
    currency: &'a str,
    payments: &'a [CardPayment],
    clearing: &'a Clearing,
    pile: &'a Undeposited,
}

impl Words<'_> {
    fn money(&self, amount: Decimal) -> String {
        currency::exact(amount, self.currency)
    }

    fn card(
        &self,
        fit: &CardFit,
        model: &FeeModel,
        amount: Decimal,
        with: Option<Decimal>,
        gap: Decimal,
    ) -> String {
        let batches = &self.clearing.deposits[fit.batches.clone()];
        let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
        let mut types: Vec<&str> = Vec::new();
        for batch in batches {
            for &p in &batch.payments {
                let day = self.payments[p].at.date();
                first = Some(first.map_or(day, |f| f.min(day)));
                last = Some(last.map_or(day, |l| l.max(day)));
            }
            for t in &batch.card_types {
                if !types.contains(&t.as_str()) {
                    types.push(t);
                }
            }
        }
        let days = match (first, last) {
            (Some(f), Some(l)) => (l - f).num_days() + 1,
            _ => 0,
        };
        let span = match (first, last) {
            (Some(f), Some(l)) if f == l => f.format("%b %-d").to_string(),
            (Some(f), Some(l)) => format!("{}–{}", f.format("%b %-d"), l.format("%b %-d")),
            _ => String::new(),
        };
        let fee = if model.rate.is_zero() && model.fixed.is_zero() {
            "paid gross (no fee taken)".to_string()
        } else {
            format!(
                "fee {} × {} = {}",
                model.words(),
                fit.charges,
                self.money(fit.fee)
            )
        };
        let paid = match with {
            Some(other) => format!(
                "{} + {} (paid in two)",
                self.money(amount),
                self.money(other)
            ),
            None => self.money(amount),
        };
        let verdict = if gap.is_zero() {
            format!("= deposit {paid} exactly")
        } else {
            format!(
                "deposit {paid} is {} {}",
                self.money(gap.abs()),
                if gap > Decimal::ZERO { "more" } else { "less" }
            )
        };
        format!(
            "{days} day{} of {} sales ({span}), {} gross, {fee}, net {} {verdict}",
            if days == 1 { "" } else { "s" },
            types.join("/"),
            self.money(fit.gross),
            self.money(fit.net),
        )
    }

    fn cash(&self, fit: &CashFit, amount: Decimal, gap: Decimal) -> String {
        let days: Vec<String> = fit
            .days
            .iter()
            .map(|&d| self.pile.days[d].day.format("%b %-d").to_string())
            .collect();
        let which = if fit.consecutive && days.len() > 1 {
            format!("{}–{}", days[0], days[days.len() - 1])
        } else {
            days.join(", ")
        };
        let verdict = if gap.is_zero() {
            format!("= deposit {} exactly", self.money(amount))
        } else if gap > Decimal::ZERO {
            format!("deposit {} is {} more", self.money(amount), self.money(gap))
        } else {
            format!(
                "deposit {} is {} short",
                self.money(amount),
                self.money(-gap)
            )
        };
        format!(
            "cash and cheques taken {which} ({} day{}), {} {verdict}",
            days.len(),
            if days.len() == 1 { "" } else { "s" },
            self.money(fit.amount),
        )
    }

    fn chargeback(&self, fit: &ChargebackFit, amount: Decimal) -> String {
        let charge = &self.payments[fit.payment];
        let fee = if fit.fee.is_zero() {
            String::new()
        } else {
            format!(" + dispute fee {}", self.money(fit.fee))
        };
        format!(
            "chargeback of the {} {} charge of {}{fee} = {}{}",
            charge.card_type,
            self.money(charge.amount),
            charge.at.format("%b %-d"),
            self.money(-amount),
            if fit.named {
                ""
            } else {
                " (the bank's text does not say chargeback)"
            },
        )
    }
}
