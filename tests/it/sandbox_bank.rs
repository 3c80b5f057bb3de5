//! The sandbox's bank: the statement of the fake studio's account agrees with the studio's card
//! transactions to the cent (payouts net of their fees, each settled transaction paid once),
//! books on business days only, and is written in each format as banks write it, with running
//! balances that end at the stated closing balance. The same studio writes the same bytes.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use legion_hub::books::calendar;
use legion_hub::sandbox::bank::processor::{CHARGEBACK_FEE, FeeSchedule};
use legion_hub::sandbox::bank::{BankFormat, Pays, Statement, cash};
use legion_hub::sandbox::studio::{CardTransaction, Studio};
use rust_decimal::Decimal;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A studio of about 65 sales a day over the three months to the end of November 2026.
fn studio() -> Studio {
    let tonight = day(2026, 11, 30).and_hms_opt(23, 59, 59).unwrap();
    Studio::new(6_000, 400, tonight, 90)
}

const FROM: (i32, u32, u32) = (2026, 9, 14);

fn statement(studio: &Studio) -> Statement {
    Statement::of(studio, day(FROM.0, FROM.1, FROM.2), day(2026, 11, 30)).unwrap()
}

fn transactions(studio: &Studio) -> HashMap<i64, CardTransaction> {
    studio
        .card_transactions_between(NaiveDateTime::MIN, studio.now)
        .into_iter()
        .map(|t| (t.id, t))
        .collect()
}

fn amount(text: &str) -> Decimal {
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is not an amount"))
}

#[test]
fn every_payout_is_its_transactions_gross_less_the_fee_to_the_cent() {
    let studio = studio();
    let statement = statement(&studio);
    let transactions = transactions(&studio);
    let mut payouts = 0;
    let mut with_refunds = 0;
    let mut per_batch: HashMap<(NaiveDate, String), usize> = HashMap::new();
    for line in &statement.lines {
        let Pays::Card {
            merchant,
            transaction_ids,
            gross,
            fee,
        } = &line.pays
        else {
            continue;
        };
        payouts += 1;
        let paid: Vec<&CardTransaction> = transaction_ids
            .iter()
            .map(|id| transactions.get(id).expect("a transaction of the studio's"))
            .collect();
        let amounts: Vec<Decimal> = paid.iter().map(|t| t.amount).collect();
        assert_eq!(*gross, amounts.iter().sum::<Decimal>(), "{}", line.id);
        assert_eq!(
            *fee,
            FeeSchedule::of(*merchant).fee(&amounts),
            "{}",
            line.id
        );
        assert_eq!(line.amount, gross - fee, "{}", line.id);
        assert_eq!(line.amount, line.amount.round_dp(2));
        with_refunds += usize::from(amounts.iter().any(|a| a.is_sign_negative()));
        let settled_on = paid[0].settlement_day();
        for transaction in &paid {
            assert_eq!(transaction.merchant(), *merchant);
            assert_eq!(
                transaction.settlement_day(),
                settled_on,
                "one settlement day"
            );
            assert!(studio.is_settled(transaction));
        }
        assert!(
            (1..=3).any(|n| calendar::add_business_days(settled_on, n) == line.date),
            "{} paid {} business days after {settled_on}?",
            line.id,
            line.date
        );
        *per_batch
            .entry((settled_on, format!("{merchant:?}")))
            .or_default() += 1;
    }
    assert!(payouts > 100, "{payouts}");
    assert!(with_refunds > 0, "refunds are netted in payouts");
    assert!(
        per_batch.values().any(|n| *n == 2),
        "some days are paid in two parts"
    );
    assert!(per_batch.values().all(|n| *n <= 2));
}

#[test]
fn every_settled_transaction_in_the_range_is_paid_once_or_its_payout_is_still_to_come() {
    let studio = studio();
    let statement = statement(&studio);
    let mut times_paid: HashMap<i64, usize> = HashMap::new();
    for line in &statement.lines {
        if let Pays::Card {
            transaction_ids, ..
        } = &line.pays
        {
            for id in transaction_ids {
                *times_paid.entry(*id).or_default() += 1;
            }
        }
    }
    assert!(times_paid.values().all(|n| *n == 1), "paid twice");
    let mut still_to_come = 0;
    for transaction in transactions(&studio).values() {
        let in_range = (statement.from..=statement.to).contains(&transaction.at.date());
        if !in_range || !transaction.moves_money() {
            assert!(transaction.moves_money() || !times_paid.contains_key(&transaction.id));
            continue;
        }
        if !studio.is_settled(transaction) {
            assert!(
                !times_paid.contains_key(&transaction.id),
                "unsettled but paid"
            );
            continue;
        }
        if !times_paid.contains_key(&transaction.id) {
            still_to_come += 1;
            let latest = calendar::add_business_days(transaction.settlement_day(), 3);
            assert!(
                latest > statement.to,
                "transaction {} settled {} and was never paid",
                transaction.id,
                transaction.settlement_day()
            );
        }
    }
    assert!(
        still_to_come > 0,
        "the last days' payouts come after the range"
    );
}

#[test]
fn the_bank_books_on_business_days_only() {
    let statement = statement(&studio());
    assert!(statement.lines.len() > 150, "{}", statement.lines.len());
    for line in &statement.lines {
        assert!(
            calendar::is_business_day(line.date),
            "{} on {}",
            line.description,
            line.date
        );
    }
    // Columbus Day, Veterans Day and Thanksgiving are in the range.
    for holiday in [day(2026, 10, 12), day(2026, 11, 11), day(2026, 11, 26)] {
        assert!(statement.lines.iter().all(|l| l.date != holiday));
    }
}

#[test]
fn chargebacks_and_cash_deposits_are_what_their_truth_says() {
    let studio = studio();
    let statement = statement(&studio);
    let transactions = transactions(&studio);
    let (mut chargebacks, mut cash_weeks, mut short_weeks) = (0, 0, 0);
    for line in &statement.lines {
        match &line.pays {
            Pays::Chargeback {
                transaction_id,
                fee,
            } => {
                chargebacks += 1;
                let disputed = &transactions[transaction_id];
                assert_eq!(*fee, CHARGEBACK_FEE);
                assert_eq!(line.amount, -(disputed.amount + fee));
                assert!(disputed.settlement_day() < line.date);
            }
            Pays::Cash { days, short } => {
                cash_weeks += 1;
                short_weeks += usize::from(!short.is_zero());
                let counted: Decimal = days.iter().map(|d| cash::takings(&studio, *d)).sum();
                assert_eq!(line.amount, counted - short);
                assert!(
                    days.iter()
                        .all(|d| *d < line.date && line.date - *d < chrono::Duration::days(12))
                );
            }
            _ => {}
        }
    }
    assert!(chargebacks > 0);
    assert!(cash_weeks >= 10, "{cash_weeks}");
    assert!(short_weeks > 0, "one week short by a few dollars");
}

/// A CSV row's fields (quoted fields may hold commas and doubled quotes).
fn csv_fields(row: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// The text of every `<TAG>` value in an OFX file (closed or not).
fn ofx_values<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    text.split(&open)
        .skip(1)
        .map(|rest| rest.split(['<', '\r', '\n']).next().unwrap_or(""))
        .collect()
}

/// A CAMT amount and its side, from the text after an element that holds `Amt` and `CdtDbtInd`.
fn camt_signed(block: &str) -> Decimal {
    let value = block
        .split("<Amt Ccy=\"USD\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("an amount");
    let side = block
        .split("<CdtDbtInd>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("a side");
    match side {
        "CRDT" => amount(value),
        "DBIT" => -amount(value),
        other => panic!("{other}"),
    }
}

#[test]
fn every_formats_running_balance_ends_at_its_stated_closing_balance() {
    let statement = statement(&studio());
    let opening = statement.opening;
    let closing = statement.closing;
    assert_eq!(
        opening + statement.lines.iter().map(|l| l.amount).sum::<Decimal>(),
        closing
    );

    // CSV: newest first, each row's balance after it.
    let csv = String::from_utf8(statement.write(BankFormat::Csv)).unwrap();
    let rows: Vec<Vec<String>> = csv
        .split_terminator("\r\n")
        .skip(1)
        .map(csv_fields)
        .collect();
    assert_eq!(rows.len(), statement.lines.len());
    assert!(
        rows.iter().all(|r| r.len() == 8 && r[7].is_empty()),
        "a trailing comma"
    );
    assert_eq!(amount(&rows[0][5]), closing);
    for pair in rows.windows(2) {
        assert_eq!(
            amount(&pair[0][5]) - amount(&pair[0][3]),
            amount(&pair[1][5]),
            "{:?}",
            pair[0]
        );
    }
    let oldest = rows.last().unwrap();
    assert_eq!(amount(&oldest[5]) - amount(&oldest[3]), opening);

    // OFX, both versions: the lines add up to LEDGERBAL from the truth's opening balance.
    for format in [BankFormat::Ofx1, BankFormat::Ofx2] {
        let bytes = statement.write(format);
        let text = String::from_utf8(bytes).expect("ASCII");
        let lines: Decimal = ofx_values(&text, "TRNAMT").iter().map(|a| amount(a)).sum();
        assert_eq!(ofx_values(&text, "TRNAMT").len(), statement.lines.len());
        let ledger = text.split("<LEDGERBAL>").nth(1).expect("LEDGERBAL");
        assert_eq!(
            opening + lines,
            amount(ofx_values(ledger, "BALAMT")[0]),
            "{format:?}"
        );
    }

    // CAMT.053: OPBD plus every entry is CLBD; a batch entry is the sum of its parts.
    let camt = String::from_utf8(statement.write(BankFormat::Camt053)).unwrap();
    let balance = |code: &str| {
        let at = camt.find(&format!("<Cd>{code}</Cd>")).expect("the balance");
        camt_signed(&camt[at..])
    };
    assert_eq!(balance("OPBD"), opening);
    assert_eq!(balance("CLBD"), closing);
    let entries: Vec<&str> = camt.split("<Ntry>").skip(1).collect();
    let booked: Decimal = entries.iter().map(|e| camt_signed(e)).sum();
    assert_eq!(opening + booked, closing);
    let batches: Vec<&&str> = entries
        .iter()
        .filter(|e| e.matches("<TxDtls>").count() > 1)
        .collect();
    assert!(!batches.is_empty(), "a split payout is one entry");
    for entry in batches {
        // A part's amount has no side of its own: a processor's batch is money in.
        let parts: Decimal = entry
            .split("<TxDtls>")
            .skip(1)
            .map(|part| {
                let value = part.split("<Amt Ccy=\"USD\">").nth(1).expect("an amount");
                amount(value.split('<').next().unwrap_or(""))
            })
            .sum();
        assert_eq!(parts, camt_signed(entry), "{entry}");
    }
    assert_eq!(
        entries.len() + count_parts_beyond_first(&camt),
        statement.lines.len()
    );
}

/// How many lines are booked inside another's entry (the second part of a batch, and on).
fn count_parts_beyond_first(camt: &str) -> usize {
    camt.split("<Ntry>")
        .skip(1)
        .map(|e| e.matches("<TxDtls>").count().saturating_sub(1))
        .sum()
}

#[test]
fn the_same_studio_writes_the_same_bytes_and_overlapping_exports_agree() {
    let first = statement(&studio());
    let again = statement(&studio());
    for format in [
        BankFormat::Ofx1,
        BankFormat::Ofx2,
        BankFormat::Camt053,
        BankFormat::Csv,
    ] {
        assert_eq!(first.write(format), again.write(format), "{format:?}");
    }
    let november = Statement::of(&studio(), day(2026, 11, 1), day(2026, 11, 30)).unwrap();
    let same_days: Vec<_> = first
        .lines
        .iter()
        .filter(|l| l.date >= day(2026, 11, 1))
        .cloned()
        .collect();
    assert_eq!(
        november.lines, same_days,
        "ids and balances do not depend on the range"
    );
    assert_eq!(november.closing, first.closing);
}

#[test]
fn a_statement_that_cannot_be_made_is_refused_with_what_to_do() {
    let studio = studio();
    let backwards = Statement::of(&studio, day(2026, 11, 2), day(2026, 11, 1)).unwrap_err();
    assert!(
        backwards.to_string().contains("--from on or before --to"),
        "{backwards}"
    );
    let future = Statement::of(&studio, day(2026, 12, 5), day(2026, 12, 9)).unwrap_err();
    assert!(future.to_string().contains("2026-11-30"), "{future}");
    let long = Statement::of(&studio, day(2000, 1, 1), day(2026, 11, 30)).unwrap_err();
    assert!(long.to_string().contains("shorter range"), "{long}");
    let huge = Studio::new(50_000_000, 10, studio.now, 30);
    let refused = Statement::of(&huge, day(2026, 11, 1), day(2026, 11, 30)).unwrap_err();
    assert!(refused.to_string().contains("fewer sales"), "{refused}");
    // A range past the present is cut at the present day.
    let cut = Statement::of(&studio, day(2026, 11, 20), day(2026, 12, 31)).unwrap();
    assert_eq!(cut.to, day(2026, 11, 30));
}

/// The first lines of a small studio's statement in `format`.
fn head(format: BankFormat, lines: usize) -> String {
    let tonight = day(2026, 11, 30).and_hms_opt(23, 59, 59).unwrap();
    let studio = Studio::new(600, 40, tonight, 30);
    let statement = Statement::of(&studio, day(2026, 11, 23), day(2026, 11, 30)).unwrap();
    let text = String::from_utf8(statement.write(format)).unwrap();
    text.split_inclusive('\n')
        .take(lines)
        .collect::<String>()
        .replace('\r', "\\r")
}

#[test]
fn the_csv_export_looks_like_the_banks() {
    insta::assert_snapshot!(head(BankFormat::Csv, 12));
}

#[test]
fn the_ofx_1_export_looks_like_the_banks() {
    insta::assert_snapshot!(head(BankFormat::Ofx1, 64));
}

#[test]
fn sandbox_bank_writes_the_statement_and_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let today = chrono::Local::now().date_naive();
    let from = (today - chrono::Duration::days(20)).to_string();
    let to = today.to_string();
    let out = dir.path().join("statement.csv");
    let truth = dir.path().join("truth.json");
    let run = crate::support::binary::in_dir(dir.path())
        .args([
            "sandbox", "bank", "--sales", "900", "--from", &from, "--to", &to,
        ])
        .args(["--format", "csv", "--out"])
        .arg(&out)
        .arg("--truth")
        .arg(&truth)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.stdout.is_empty());
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(
        csv.starts_with("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #\r\n")
    );
    let truth: legion_hub::sandbox::bank::Truth =
        serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), truth.lines.len() + 1);
    assert!(
        truth
            .lines
            .iter()
            .any(|l| matches!(l.pays, Pays::Card { .. }))
    );

    // Standard output when no --out; OFX 1 starts with its header.
    let run = crate::support::binary::in_dir(dir.path())
        .args([
            "sandbox", "bank", "--from", &from, "--to", &to, "--format", "ofx1",
        ])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(
        run.stdout
            .starts_with(b"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\n")
    );

    let backwards = crate::support::binary::in_dir(dir.path())
        .args([
            "sandbox", "bank", "--from", &to, "--to", &from, "--format", "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(backwards.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("--from on or before --to"));
}
