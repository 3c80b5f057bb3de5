//! Descriptions as a US bank prints them: an ACH entry's NACHA fields run together with their
//! fixed widths ("CO ENTRY DESCR:SETTLEMENTSEC:CCD"), a branch deposit's slip, an online
//! transfer, a debit-card purchase.

use chrono::NaiveDate;

use crate::sandbox::studio::cards::mix;

/// The account holder, as ACH entries name the receiver.
pub(super) const HOLDER: &str = "LEGION FITNESS LLC";

/// The company side of an ACH entry.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ach<'a> {
    /// NACHA's company name: 16 characters at most.
    pub company: &'a str,
    pub company_id: &'a str,
    /// NACHA's entry description: 10 characters at most.
    pub entry: &'a str,
    /// The receiver's id at the company (a merchant id, an employee id).
    pub individual_id: &'a str,
}

/// An ACH entry's description, field by field as the bank prints it. `seed` makes the trace and
/// reference numbers, which only have to be the same every time.
pub(super) fn ach(
    entry: &Ach<'_>,
    described: NaiveDate,
    effective: NaiveDate,
    seed: u64,
) -> String {
    let hash = mix(seed, 0xac4);
    format!(
        "ORIG CO NAME:{company:<16} ORIG ID:{id} DESC DATE:{described} CO ENTRY DESCR:{what:<10}SEC:CCD    TRACE#:0210000{trace:08} EED:{effective}   IND ID:{individual:<15} IND NAME:{HOLDER} TRN: {trn:010}TC",
        company = cut(entry.company, 16),
        id = entry.company_id,
        described = described.format("%y%m%d"),
        what = cut(entry.entry, 10),
        trace = hash % 100_000_000,
        effective = effective.format("%y%m%d"),
        individual = cut(entry.individual_id, 15),
        trn = (hash / 100_000_000) % 10_000_000_000,
    )
}

/// A branch deposit of cash and cheques, by its slip number.
pub(super) fn branch_deposit(slip: u32) -> String {
    format!("DEPOSIT  ID NUMBER {slip}")
}

/// A purchase with the business debit card (last four 4821).
pub(super) fn card_purchase(merchant: &str) -> String {
    format!("POS 4821 {merchant}")
}

/// An online transfer to the studio's savings account.
pub(super) fn transfer_to_savings(reference: u64) -> String {
    format!("Online Transfer to SAV ...7731 transaction#: {reference}")
}

pub(super) fn cheque(number: u32) -> String {
    format!("CHECK {number}")
}

fn cut(text: &str, chars: usize) -> &str {
    text.char_indices()
        .nth(chars)
        .map_or(text, |(at, _)| &text[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ach_fields_keep_their_nacha_widths() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let text = ach(
            &Ach {
                company: "AMERICAN EXPRESS CO",
                company_id: "1134992250",
                entry: "SETTLEMENT",
                individual_id: "4445098765432",
            },
            day,
            day,
            7,
        );
        assert!(
            text.starts_with("ORIG CO NAME:AMERICAN EXPRESS ORIG ID:1134992250 DESC DATE:261130 CO ENTRY DESCR:SETTLEMENTSEC:CCD    TRACE#:0210000"),
            "{text}"
        );
        assert!(
            text.contains(" EED:261130   IND ID:4445098765432   IND NAME:LEGION FITNESS LLC TRN: "),
            "{text}"
        );
        assert!(text.ends_with("TC"));
        assert_eq!(
            text,
            ach(
                &Ach {
                    company: "AMERICAN EXPRESS CO",
                    company_id: "1134992250",
                    entry: "SETTLEMENT",
                    individual_id: "4445098765432"
                },
                day,
                day,
                7
            )
        );
    }
}
