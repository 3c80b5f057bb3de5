//! The studio's cash at the bank: each week's cash and cheques (Monday to Sunday, less the cash
//! given back for returns) paid in at the branch with a deposit slip on the Monday after (the
//! next business day when that Monday is a holiday). Now and then the envelope is a few
//! dollars short of the till, as happens.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use super::{Draft, LineKind, Pays, descriptions};
use crate::books::calendar;
use crate::sandbox::studio::Studio;
use crate::sandbox::studio::cards::mix;

/// The branch deposits dated `from..=to`.
pub(crate) fn lines(studio: &Studio, from: NaiveDate, to: NaiveDate) -> Vec<Draft> {
    // The Monday starting the week whose deposit could be the first in range.
    let back = Days::new(u64::from(from.weekday().num_days_from_monday()) + 14);
    let Some(mut monday) = from.checked_sub_days(back) else {
        return Vec::new();
    };
    let mut drafts = Vec::new();
    while let Some(next_monday) = monday.checked_add_days(Days::new(7)) {
        let paid_in = calendar::settlement_day(next_monday);
        if paid_in > to {
            break;
        }
        if paid_in >= from
            && let Some(draft) = week(studio, monday, paid_in)
        {
            drafts.push(draft);
        }
        monday = next_monday;
    }
    drafts
}

/// The deposit of the week starting `monday`, paid in on `paid_in`; none when the till was empty.
fn week(studio: &Studio, monday: NaiveDate, paid_in: NaiveDate) -> Option<Draft> {
    let takings: Vec<(NaiveDate, Decimal)> = monday
        .iter_days()
        .take(7)
        .map(|day| (day, takings(studio, day)))
        .filter(|(_, amount)| !amount.is_zero())
        .collect();
    let counted: Decimal = takings.iter().map(|(_, amount)| *amount).sum();
    if counted <= Decimal::ZERO {
        return None;
    }
    let week_number = u64::try_from(monday.num_days_from_ce() / 7).unwrap_or(0);
    let hash = mix(week_number, 0xca54);
    let short = if hash % 5 == 2 && counted > Decimal::from(100) {
        Decimal::from(1 + (hash / 5) % 9)
    } else {
        Decimal::ZERO
    };
    let slip = 40_000 + (week_number % 60_000) as u32;
    Some(Draft {
        date: paid_in,
        amount: counted - short,
        kind: LineKind::BranchDeposit,
        description: descriptions::branch_deposit(slip),
        party: descriptions::HOLDER.to_string(),
        check_or_slip: Some(slip),
        batch: None,
        pays: Pays::Cash {
            days: takings.into_iter().map(|(day, _)| day).collect(),
            short,
        },
    })
}

/// The cash and cheques taken at the desk on `day`, less the cash given back for returns.
pub fn takings(studio: &Studio, day: NaiveDate) -> Decimal {
    let (Some(start), Some(end)) = (day.and_hms_opt(0, 0, 0), day.and_hms_opt(23, 59, 59)) else {
        return Decimal::ZERO;
    };
    let taken: Decimal = studio
        .generated_between(start, end)
        .map(|i| {
            let paid = studio.paid(i);
            paid.cash + paid.cheque
        })
        .sum();
    // Refunds of the day are of sales a little earlier; look at the sales that could have one.
    let earlier = start.checked_sub_days(Days::new(7)).unwrap_or(start);
    let given_back: Decimal = studio
        .generated_between(earlier, end)
        .filter(|i| Studio::has_return(*i))
        .filter_map(|i| studio.refund(i))
        .filter(|refund| refund.at.date() == day)
        .map(|refund| refund.in_cash)
        .sum();
    taken - given_back
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn weeks_are_paid_in_on_the_monday_after_or_the_next_business_day() {
        let anchor = NaiveDate::from_ymd_opt(2026, 9, 30)
            .unwrap()
            .and_hms_opt(23, 0, 0)
            .unwrap();
        let studio = Studio::new(3_000, 100, anchor, 60);
        let from = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
        let drafts = lines(&studio, from, anchor.date());
        assert!(drafts.len() >= 7, "{}", drafts.len());
        for draft in &drafts {
            assert!(calendar::is_business_day(draft.date));
            let Pays::Cash { days, short } = &draft.pays else {
                panic!("{draft:?}");
            };
            let counted: Decimal = days.iter().map(|d| takings(&studio, *d)).sum();
            assert_eq!(draft.amount, counted - short);
            assert!(days.iter().all(|d| *d < draft.date));
            let monday = days[0] - Days::new(u64::from(days[0].weekday().num_days_from_monday()));
            assert_eq!(draft.date, calendar::settlement_day(monday + Days::new(7)));
        }
        // Labor Day (Monday 7 September): that week's deposit is on the Tuesday.
        assert!(
            drafts
                .iter()
                .any(|d| d.date == NaiveDate::from_ymd_opt(2026, 9, 8).unwrap())
        );
        assert!(drafts.iter().all(|d| d.date.weekday() == Weekday::Mon
            || d.date == NaiveDate::from_ymd_opt(2026, 9, 8).unwrap()));
    }
}
