//! The lines a studio's account has besides its takings: rent on the first, the software it
//! runs on, utilities and the telephone, the cleaner's cheque, a monthly transfer to savings,
//! the bank's service fee on the month's last business day, and payroll every other Friday (net
//! pay and taxes, two lines). A date that is not a business day moves to the next one; a payday
//! moves to the business day before, as payroll pays ahead of a holiday. Rent, payroll, the
//! cleaner, utilities and savings grow with the studio ([`scale`]); subscriptions and the
//! bank's fee do not.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use super::descriptions::{self, Ach};
use super::{Draft, LineKind, Pays};
use crate::books::calendar;
use crate::sandbox::studio::cards::mix;

/// A bill paid every month.
struct Monthly {
    day: u32,
    what: &'static str,
    kind: LineKind,
    /// The amount (negative) for a month (1 to 12), for a studio of the reference size.
    amount: fn(u32) -> Decimal,
    /// Whether it grows with the studio (rent does; a subscription's price does not).
    scales: bool,
    payee: Payee,
}

/// The studio `legion-hub sandbox` makes by default (2,000 sales in 30 days) pays the amounts
/// written here; others pay in proportion to their sales a day.
const REFERENCE: (i64, i64) = (2_000, 30);

/// How the studio's size compares with the reference, to the hundredth (between 0.05 and 50:
/// a studio has rent to pay, and a bank statement stays human-sized).
pub fn scale(studio: &crate::sandbox::studio::Studio) -> Decimal {
    let days = (studio.now - studio.first_sale).num_days().max(1);
    let (sales, in_days) = REFERENCE;
    let ratio = Decimal::from(studio.sales) * Decimal::from(in_days)
        / (Decimal::from(days) * Decimal::from(sales));
    ratio
        .clamp(Decimal::new(5, 2), Decimal::from(50))
        .round_dp(2)
}

/// How the bank prints who was paid.
enum Payee {
    Ach {
        company: &'static str,
        company_id: &'static str,
        entry: &'static str,
        individual_id: &'static str,
    },
    Card(&'static str),
    Transfer,
    Cheque,
    Bank(&'static str),
}

fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// Austin's bills: the summer's air conditioning.
const UTILITIES: [i64; 12] = [
    112_044, 104_318, 99_860, 101_237, 118_792, 143_605, 161_833, 170_291, 149_926, 121_480,
    106_649, 113_175,
];

const MONTHLY: &[Monthly] = &[
    Monthly {
        day: 1,
        what: "rent",
        kind: LineKind::AchDebit,
        amount: |_| dollars(-685_000),
        scales: true,
        payee: Payee::Ach {
            company: "CONGRESS AVE PROPERTIES",
            company_id: "9741203385",
            entry: "RENT",
            individual_id: "LEGION-DT-104",
        },
    },
    Monthly {
        day: 3,
        what: "software",
        kind: LineKind::AchDebit,
        amount: |_| dollars(-45_900),
        scales: false,
        payee: Payee::Ach {
            company: "MINDBODY INC",
            company_id: "1461415098",
            entry: "SOFTWARE",
            individual_id: "SITE-99",
        },
    },
    Monthly {
        day: 6,
        what: "cleaning",
        kind: LineKind::ChequePaid,
        amount: |_| dollars(-48_000),
        scales: true,
        payee: Payee::Cheque,
    },
    Monthly {
        day: 12,
        what: "utilities",
        kind: LineKind::AchDebit,
        amount: |month| {
            let index = month.saturating_sub(1) as usize % UTILITIES.len();
            dollars(-UTILITIES.get(index).copied().unwrap_or(110_000))
        },
        scales: true,
        payee: Payee::Ach {
            company: "CITY OF AUSTIN",
            company_id: "1746000085",
            entry: "UTIL PYMT",
            individual_id: "0041727733",
        },
    },
    Monthly {
        day: 14,
        what: "software",
        kind: LineKind::CardPurchase,
        amount: |_| dollars(-8_999),
        scales: false,
        payee: Payee::Card("ADOBE *CREATIVE CLD 800-833"),
    },
    Monthly {
        day: 18,
        what: "telephone",
        kind: LineKind::AchDebit,
        amount: |_| dollars(-21_437),
        scales: false,
        payee: Payee::Ach {
            company: "AT&T SERVICES",
            company_id: "9864031005",
            entry: "PAYMENT",
            individual_id: "512448109377",
        },
    },
    Monthly {
        day: 20,
        what: "transfer to savings",
        kind: LineKind::Transfer,
        amount: |_| dollars(-500_000),
        scales: true,
        payee: Payee::Transfer,
    },
    Monthly {
        day: 31,
        what: "bank fee",
        kind: LineKind::ServiceFee,
        amount: |_| dollars(-1_500),
        scales: false,
        payee: Payee::Bank("MONTHLY SERVICE FEE"),
    },
];

/// A payday, from which every other Friday is one.
fn first_payday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 9).unwrap_or(NaiveDate::MIN)
}

/// The lines dated `from..=to` of a studio `scale` times the reference's size.
pub(crate) fn lines(from: NaiveDate, to: NaiveDate, scale: Decimal) -> Vec<Draft> {
    let mut drafts = Vec::new();
    // Start a month early: a bill of the 31st may land on the 1st.
    let mut month = from
        .with_day(1)
        .and_then(|first| first.checked_sub_days(Days::new(1)))
        .and_then(|last| last.with_day(1));
    while let Some(first) = month {
        if first > to {
            break;
        }
        for bill in MONTHLY {
            let due = first
                .with_day(bill.day)
                .or_else(|| next_month(first).and_then(|n| n.pred_opt()))
                .unwrap_or(first);
            let booked = if bill.kind == LineKind::ServiceFee {
                // The month's last business day.
                back_to_business_day(due)
            } else {
                calendar::settlement_day(due)
            };
            if (from..=to).contains(&booked) {
                drafts.push(monthly(bill, first, booked, scale));
            }
        }
        month = next_month(first);
    }
    drafts.extend(payroll(from, to, scale));
    drafts
}

fn monthly(bill: &Monthly, month: NaiveDate, booked: NaiveDate, scale: Decimal) -> Draft {
    let seed = u64::try_from(month.num_days_from_ce()).unwrap_or(0);
    let amount = if bill.scales {
        ((bill.amount)(month.month()) * scale).round_dp(2)
    } else {
        (bill.amount)(month.month())
    };
    let mut check_or_slip = None;
    let (description, party) = match bill.payee {
        Payee::Ach {
            company,
            company_id,
            entry,
            individual_id,
        } => {
            let ach = Ach {
                company,
                company_id,
                entry,
                individual_id,
            };
            (
                descriptions::ach(&ach, booked, booked, seed ^ u64::from(bill.day)),
                company.to_string(),
            )
        }
        Payee::Card(merchant) => (
            descriptions::card_purchase(merchant),
            merchant.split(" *").next().unwrap_or(merchant).to_string(),
        ),
        Payee::Transfer => (
            descriptions::transfer_to_savings(10_000_000_000 + mix(seed, 0x5a) % 9_000_000_000),
            "LEGION FITNESS LLC SAVINGS".to_string(),
        ),
        Payee::Cheque => {
            let number = 1_000 + (month.year().rem_euclid(100) as u32 * 12 + month.month()) % 9_000;
            check_or_slip = Some(number);
            (
                descriptions::cheque(number),
                "BRIGHT SPACE CLEANING".to_string(),
            )
        }
        Payee::Bank(text) => (text.to_string(), "CHASE".to_string()),
    };
    Draft {
        date: booked,
        amount,
        kind: bill.kind,
        description,
        party,
        check_or_slip,
        batch: None,
        pays: Pays::Other {
            what: bill.what.to_string(),
        },
    }
}

/// Payroll's two lines for each payday in `from..=to`.
fn payroll(from: NaiveDate, to: NaiveDate, scale: Decimal) -> Vec<Draft> {
    let mut drafts = Vec::new();
    // A payday moves back at most a few days, so look a week past the range's end.
    let mut day = from;
    let end = to.checked_add_days(Days::new(7)).unwrap_or(to);
    while day <= end {
        let period = (day - first_payday()).num_days();
        if period.rem_euclid(14) == 0 {
            let booked = back_to_business_day(day);
            if (from..=to).contains(&booked) {
                drafts.extend(payday(period.div_euclid(14), booked, scale));
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    drafts
}

fn payday(period: i64, booked: NaiveDate, scale: Decimal) -> [Draft; 2] {
    let hash = mix(period.unsigned_abs(), 0x9a7);
    let net = (dollars(1_340_000 + (hash % 160_000) as i64) * scale).round_dp(2);
    let taxes = (net * Decimal::new(3142, 4)).round_dp(2);
    let run = format!("{:06X}", hash % 0x100_0000);
    let line = |entry: String, amount: Decimal, what: &str| {
        let ach = Ach {
            company: "GUSTO",
            company_id: "9138864001",
            entry: &entry,
            individual_id: "LEGIONFIT01",
        };
        Draft {
            date: booked,
            amount: -amount,
            kind: LineKind::AchDebit,
            description: descriptions::ach(&ach, booked, booked, hash ^ amount.mantissa() as u64),
            party: "GUSTO".to_string(),
            check_or_slip: None,
            batch: None,
            pays: Pays::Other {
                what: what.to_string(),
            },
        }
    };
    [
        line(format!("NET {run}"), net, "payroll"),
        line(format!("TAX {run}"), taxes, "payroll taxes"),
    ]
}

/// The first day of the month after `day`'s.
fn next_month(day: NaiveDate) -> Option<NaiveDate> {
    let (year, month) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// `day`, or the business day before it.
fn back_to_business_day(day: NaiveDate) -> NaiveDate {
    let mut day = day;
    while !calendar::is_business_day(day) {
        match day.pred_opt() {
            Some(before) => day = before,
            None => break,
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_month_has_its_bills_on_business_days_and_payroll_comes_every_other_friday() {
        let drafts = lines(day(2026, 1, 1), day(2026, 12, 31), Decimal::ONE);
        let count = |what: &str| {
            drafts
                .iter()
                .filter(|d| matches!(&d.pays, Pays::Other { what: w } if w == what))
                .count()
        };
        assert_eq!(count("rent"), 12);
        assert_eq!(count("bank fee"), 12);
        assert_eq!(count("utilities"), 12);
        assert_eq!(count("payroll"), 26);
        assert_eq!(count("payroll taxes"), 26);
        assert!(drafts.iter().all(|d| calendar::is_business_day(d.date)));
        assert!(drafts.iter().all(|d| d.amount < Decimal::ZERO));
        // 1 January 2026 is a holiday: the rent goes on the 2nd. Christmas (a payday Friday)
        // pays on the 24th.
        let rent: Vec<NaiveDate> = drafts
            .iter()
            .filter(|d| matches!(&d.pays, Pays::Other { what } if what == "rent"))
            .map(|d| d.date)
            .collect();
        assert_eq!(rent[0], day(2026, 1, 2));
        assert!(
            drafts
                .iter()
                .any(|d| d.date == day(2026, 12, 24) && d.party == "GUSTO")
        );
        // The last business day of October 2026 is Friday the 30th.
        assert!(
            drafts
                .iter()
                .any(|d| d.date == day(2026, 10, 30) && d.kind == LineKind::ServiceFee)
        );
    }

    #[test]
    fn bills_grow_with_the_studio() {
        let tonight = day(2026, 11, 30).and_hms_opt(23, 59, 59).unwrap();
        let studio = |sales| crate::sandbox::studio::Studio::new(sales, 50, tonight, 30);
        assert_eq!(scale(&studio(2_000)), Decimal::ONE);
        assert_eq!(scale(&studio(600)), Decimal::new(3, 1));
        assert_eq!(scale(&studio(1)), Decimal::new(5, 2));
        let rent = |scale| {
            lines(day(2026, 11, 1), day(2026, 11, 30), scale)
                .into_iter()
                .find(|d| matches!(&d.pays, Pays::Other { what } if what == "rent"))
                .map(|d| d.amount)
        };
        assert_eq!(rent(Decimal::ONE), Some(Decimal::new(-685_000, 2)));
        assert_eq!(rent(Decimal::new(3, 1)), Some(Decimal::new(-205_500, 2)));
    }

    #[test]
    fn a_days_lines_do_not_depend_on_the_range_asked() {
        let half = Decimal::new(5, 1);
        let whole = lines(day(2026, 3, 1), day(2026, 4, 30), half);
        let april = lines(day(2026, 4, 1), day(2026, 4, 30), half);
        let whole_april: Vec<_> = whole
            .iter()
            .filter(|d| d.date >= day(2026, 4, 1))
            .map(|d| (d.date, d.amount, d.description.clone()))
            .collect();
        let april: Vec<_> = april
            .iter()
            .map(|d| (d.date, d.amount, d.description.clone()))
            .collect();
        assert_eq!(whole_april, april);
    }
}
