//! Cash deposits: which days of undeposited cash a bank credit carried. A studio takes its cash
//! to the bank every few days, so a run of consecutive days is tried first; when no run adds up,
//! any set of the window's days is searched for one that does, within a budget of steps (an
//! exact subset sum is hard in general; a deposit that equals no subset must not hang the hub).
//! When nothing adds up exactly, the run that comes closest is offered, with the difference.

use rust_decimal::Decimal;

use super::clearing::Undeposited;
use super::inputs::BankEntry;

/// Days before the deposit whose cash it may carry.
pub const WINDOW_DAYS: i64 = 21;

/// One subset search stops after this many steps.
const SUBSET_BUDGET: u32 = 200_000;

/// All the subset searches of one matching run stop after this many steps in all.
pub const RUN_BUDGET: u32 = 5_000_000;

/// The deposits that carry the pile in order, oldest cash first: a studio takes all the cash on
/// hand to the bank, so each deposit should start at the oldest day no earlier deposit carried
/// and run up to a day before it. Walks `lines` (index, line) in date order with a pointer into
/// the pile; a line whose run from the pointer comes to its amount (or within `tolerance` short
/// or over: the envelope miscounted) takes those days and moves the pointer on. This is what
/// tells apart weeks whose cash happens to add up the same.
pub fn in_order(
    pile: &Undeposited,
    lines: &[(usize, &BankEntry)],
    tolerance: impl Fn(&BankEntry) -> Decimal,
) -> Vec<(usize, CashFit)> {
    let mut next = 0usize;
    let mut found = Vec::new();
    for &(index, line) in lines {
        if line.amount <= Decimal::ZERO || next >= pile.days.len() {
            continue;
        }
        let mut sum = Decimal::ZERO;
        let mut best: Option<(usize, Decimal)> = None;
        for (end, taking) in pile.days.iter().enumerate().skip(next) {
            if taking.day >= line.date {
                break;
            }
            sum += taking.amount;
            let gap = (line.amount - sum).abs();
            if best.is_none_or(|(_, g)| gap < g) {
                best = Some((end, gap));
            }
            if sum > line.amount + tolerance(line) {
                break;
            }
        }
        if let Some((end, _)) = best.filter(|(_, gap)| *gap <= tolerance(line)) {
            let days: Vec<usize> = (next..=end).collect();
            let amount = days.iter().map(|&d| pile.days[d].amount).sum();
            found.push((
                index,
                CashFit {
                    days,
                    amount,
                    consecutive: true,
                },
            ));
            next = end + 1;
        }
    }
    found
}

/// Days of one cash deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashFit {
    /// Indexes into `Undeposited::days`, in day order.
    pub days: Vec<usize>,
    pub amount: Decimal,
    /// Consecutive days (one trip to the bank), not a scattered subset.
    pub consecutive: bool,
}

impl CashFit {
    pub fn gap(&self, amount: Decimal) -> Decimal {
        amount - self.amount
    }
}

/// Exact runs; else an exact subset and the closest run within `tolerance`.
pub fn fits(
    pile: &Undeposited,
    line: &BankEntry,
    tolerance: Decimal,
    run_budget: &mut u32,
) -> Vec<CashFit> {
    if line.amount <= Decimal::ZERO {
        return Vec::new();
    }
    // What is taken on the day of a deposit goes with the next one: the envelope was closed.
    let window = pile.between(
        line.date - chrono::Duration::days(WINDOW_DAYS),
        line.date - chrono::Duration::days(1),
    );
    let days = &pile.days[window.clone()];
    let mut exact = Vec::new();
    let mut closest: Option<CashFit> = None;
    for start in 0..days.len() {
        let mut sum = Decimal::ZERO;
        for (end, taking) in days.iter().enumerate().skip(start) {
            sum += taking.amount;
            let fit = CashFit {
                days: (window.start + start..window.start + end + 1).collect(),
                amount: sum,
                consecutive: true,
            };
            if sum == line.amount {
                exact.push(fit);
            } else if (line.amount - sum).abs() <= tolerance
                && closest
                    .as_ref()
                    .is_none_or(|c| (line.amount - sum).abs() < c.gap(line.amount).abs())
            {
                closest = Some(fit);
            }
        }
    }
    if !exact.is_empty() {
        return exact;
    }
    let amounts: Vec<Decimal> = days.iter().map(|d| d.amount).collect();
    // A scattered set that adds up, and the run that comes closest: the first may be taken by
    // another deposit, and an envelope a few dollars short is the commoner story.
    let mut found: Vec<CashFit> = subset_summing_to(&amounts, line.amount, run_budget)
        .map(|chosen| CashFit {
            days: chosen.into_iter().map(|i| window.start + i).collect(),
            amount: line.amount,
            consecutive: false,
        })
        .into_iter()
        .collect();
    found.extend(closest);
    found
}

/// A set of `amounts` (positive) adding up to `target`, found depth first with the largest
/// amounts first and two prunings (too much already; too little left to reach it), or `None`
/// when there is none or the budget ran out. The steps taken come off `run_budget` too.
pub fn subset_summing_to(
    amounts: &[Decimal],
    target: Decimal,
    run_budget: &mut u32,
) -> Option<Vec<usize>> {
    let mut order: Vec<usize> = (0..amounts.len())
        .filter(|&i| amounts[i] > Decimal::ZERO)
        .collect();
    order.sort_by(|&a, &b| amounts[b].cmp(&amounts[a]));
    // What all the amounts from position k onwards add up to.
    let mut left = vec![Decimal::ZERO; order.len() + 1];
    for k in (0..order.len()).rev() {
        left[k] = left[k + 1] + amounts[order[k]];
    }
    let mut budget = SUBSET_BUDGET.min(*run_budget);
    let mut chosen = Vec::new();
    let found = search(amounts, &order, &left, 0, target, &mut chosen, &mut budget);
    *run_budget -= SUBSET_BUDGET.min(*run_budget) - budget;
    if found {
        chosen.sort_unstable();
        Some(chosen)
    } else {
        None
    }
}

fn search(
    amounts: &[Decimal],
    order: &[usize],
    left: &[Decimal],
    k: usize,
    remaining: Decimal,
    chosen: &mut Vec<usize>,
    budget: &mut u32,
) -> bool {
    if remaining.is_zero() {
        return !chosen.is_empty();
    }
    // Amounts are in falling order: the last is the smallest left.
    let smallest = order.last().map_or(Decimal::ZERO, |&i| amounts[i]);
    if k == order.len() || remaining < smallest || left[k] < remaining || *budget == 0 {
        return false;
    }
    *budget -= 1;
    let index = order[k];
    chosen.push(index);
    if amounts[index] <= remaining
        && search(
            amounts,
            order,
            left,
            k + 1,
            remaining - amounts[index],
            chosen,
            budget,
        )
    {
        return true;
    }
    chosen.pop();
    search(amounts, order, left, k + 1, remaining, chosen, budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(cents: i64) -> Decimal {
        Decimal::new(cents, 2)
    }

    #[test]
    fn a_subset_is_found_when_one_adds_up_and_none_is_made_up_when_none_does() {
        let amounts = [d(12_000), d(4_550), d(2_000), d(9_925), d(3_100)];
        let mut run = RUN_BUDGET;
        let found = subset_summing_to(&amounts, d(17_100), &mut run).expect("120 + 20 + 31");
        let sum: Decimal = found.iter().map(|&i| amounts[i]).sum();
        assert_eq!(sum, d(17_100));
        assert_eq!(subset_summing_to(&amounts, d(1), &mut run), None);
    }

    #[test]
    fn a_deposit_equal_to_no_subset_of_many_days_stops_within_its_budget() {
        // Forty days of even cents and an odd target: no subset makes it, and there are 2^40.
        let amounts: Vec<Decimal> = (1..=40).map(|i| d(10_000 + 2 * i)).collect();
        let mut run = RUN_BUDGET;
        assert_eq!(subset_summing_to(&amounts, d(150_001), &mut run), None);
        assert_eq!(
            run,
            RUN_BUDGET - SUBSET_BUDGET,
            "the search spent its whole budget"
        );
        // And a reachable one among them is still found.
        let found = subset_summing_to(&amounts, d(10_002 + 10_004 + 10_006), &mut run);
        assert_eq!(found, Some(vec![0, 1, 2]));
        // Sixty equal days and a target none of their sums makes end at once.
        let equal = vec![d(10_000); 60];
        let before = run;
        assert_eq!(subset_summing_to(&equal, d(10_001), &mut run), None);
        assert!(before - run < 1_000, "{} steps", before - run);
    }
}
