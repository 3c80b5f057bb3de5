//! The bank-statement readers on files written as real banks write them (tests/fixtures/bank/,
//! its README says which export each imitates): what each reads, the CSV guess against the
//! hand-written rules, errors that name the line, the adversarial statements of issue 14 (10,000
//! lines of one amount, huge amounts, odd encodings), and generated hostile input (proptest:
//! arbitrary bytes and mutated fixtures), which the fuzz targets in fuzz/ also run through
//! `properties`. The kept fuzz corpus (fuzz/corpus/bank_*) is replayed here.

mod generate;
mod properties;

use std::str::FromStr;

use chrono::NaiveDate;
use legion_hub::books::bank::csv::{self, Field};
use legion_hub::books::bank::{
    CsvRules, ParsedStatement, Reading, StatedBalance, StatementFormat, camt, format_of, ofx,
    read_statement,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bank")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rules(name: &str) -> CsvRules {
    CsvRules::parse(&String::from_utf8(fixture(name)).unwrap()).unwrap()
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn balance(amount: &str, date: NaiveDate) -> Option<StatedBalance> {
    Some(StatedBalance {
        amount: d(amount),
        date,
    })
}

/// The statement's lines sum from its opening to its closing balance.
fn assert_balances(statement: &ParsedStatement) {
    let opening = statement.opening.as_ref().unwrap().amount;
    let sum: Decimal = statement.lines.iter().map(|l| l.amount).sum();
    assert_eq!(opening + sum, statement.closing.as_ref().unwrap().amount);
}

fn statements(bytes: &[u8], rules: Option<&CsvRules>) -> Vec<ParsedStatement> {
    match read_statement(bytes, rules).unwrap() {
        Reading::Statements(statements) => statements,
        Reading::NeedsRules(guess) => panic!("a guess where statements were expected: {guess:?}"),
    }
}

#[test]
fn an_ofx_102_file_from_a_credit_union_in_cp1252() {
    let bytes = fixture("creditunion-ofx102-cp1252.ofx");
    assert_eq!(format_of(&bytes), Some(StatementFormat::Ofx1));
    let [statement] = ofx::read(&bytes).unwrap().try_into().unwrap();
    assert_eq!(statement.format, StatementFormat::Ofx1);
    assert_eq!(statement.account_id.as_deref(), Some("0001234567-S10"));
    assert_eq!(statement.currency.as_deref(), Some("USD"));
    assert_eq!(statement.opening, None);
    assert_eq!(statement.closing, balance("5321.84", day(2026, 11, 30)));
    assert_eq!(
        statement.period,
        Some((day(2026, 11, 1), day(2026, 11, 30)))
    );
    assert_eq!(statement.lines.len(), 6);
    let first = &statement.lines[0];
    assert_eq!(first.file_line, 43, "the line of its <STMTTRN>");
    assert_eq!(first.date, day(2026, 11, 2));
    assert_eq!(first.amount, d("2817.39"));
    assert_eq!(first.payee, "SQUARE INC");
    assert_eq!(first.memo, "SQ261102 DEP 8Z4K");
    assert_eq!(first.bank_id.as_deref(), Some("202611020001"));
    assert_eq!(first.kind.as_deref(), Some("CREDIT"));
    assert_eq!(
        statement.lines[1].payee, "CAFÉ LUMIÈRE",
        "Windows-1252, decoded"
    );
    assert_eq!(statement.lines[1].amount, d("-18.75"));
    assert_eq!(
        statement.lines[2].payee, "AT&T *WIRELESS",
        "a bare & in SGML"
    );
    assert_eq!(statement.lines[3].memo, "check 1042");
    assert_eq!(
        statement.lines[5].date,
        day(2026, 11, 16),
        "a date with no time"
    );
    let sum: Decimal = statement.lines.iter().map(|l| l.amount).sum();
    assert_eq!(sum, d("-301.35"));
}

#[test]
fn a_qfx_credit_card_statement() {
    let bytes = fixture("card-web-connect.qfx");
    let [statement] = statements(&bytes, None).try_into().unwrap();
    assert_eq!(statement.format, StatementFormat::Ofx1);
    assert_eq!(statement.account_id.as_deref(), Some("4111111111111111"));
    assert_eq!(statement.closing, balance("-746.40", day(2026, 11, 30)));
    let amounts: Vec<Decimal> = statement.lines.iter().map(|l| l.amount).collect();
    assert_eq!(
        amounts,
        [d("-212.40"), d("-49.00"), d("15.00"), d("500.00")]
    );
    assert_eq!(statement.lines[3].kind.as_deref(), Some("PAYMENT"));
    assert_eq!(statement.lines[0].memo, "MATS AND BLOCKS");
    assert_eq!(
        statement.lines[0].file_line, 15,
        "the SGML's lines are the file's"
    );
}

#[test]
fn an_ofx_220_xml_file_with_two_accounts() {
    let bytes = fixture("bank-ofx220.ofx");
    assert_eq!(format_of(&bytes), Some(StatementFormat::Ofx2));
    let [checking, savings] = ofx::read(&bytes).unwrap().try_into().unwrap();
    assert_eq!(checking.format, StatementFormat::Ofx2);
    assert_eq!(checking.account_id.as_deref(), Some("8877665544"));
    assert_eq!(savings.account_id.as_deref(), Some("8877665599"));
    assert_eq!(checking.closing, balance("10291.37", day(2026, 11, 30)));
    assert_eq!(savings.closing, balance("25002.71", day(2026, 11, 30)));
    assert_eq!(checking.lines[1].payee, "PACIFIC GAS & ELECTRIC");
    assert_eq!(checking.lines[0].file_line, 21);
    assert_eq!(savings.lines[0].file_line, 37);
    assert_eq!(savings.lines.len(), 2);
}

#[test]
fn a_german_banks_camt_053_001_02() {
    let bytes = fixture("germanbank-camt053-001-02.xml");
    assert_eq!(format_of(&bytes), Some(StatementFormat::Camt053));
    let [statement] = camt::read(&bytes).unwrap().try_into().unwrap();
    assert_eq!(
        statement.account_id.as_deref(),
        Some("DE02120300000000202051")
    );
    assert_eq!(statement.currency.as_deref(), Some("EUR"));
    assert_eq!(
        statement.opening,
        balance("12480.50", day(2026, 11, 1)),
        "OPBD, not the previous statement's PRCD"
    );
    assert_eq!(statement.closing, balance("10935.39", day(2026, 11, 30)));
    assert_eq!(
        statement.period,
        Some((day(2026, 11, 1), day(2026, 11, 30)))
    );
    assert_balances(&statement);
    let [payout, salaries, direct_debit, returned, fee] =
        statement.lines.clone().try_into().unwrap();

    assert_eq!(payout.amount, d("2817.39"));
    assert_eq!(
        payout.payee, "Stripe Payments Europe Ltd",
        "the debtor of a credit"
    );
    assert_eq!(
        payout.memo,
        "STRIPE PAYOUT po_1Q2W3E4R 2026-10-30 GUTSCHR. UEBERWEISUNG"
    );
    assert_eq!(payout.bank_id.as_deref(), Some("2026110200001234"));
    assert_eq!(payout.kind.as_deref(), Some("PMNT/RCDT/ESCT"));
    assert_eq!(payout.value_date, Some(day(2026, 11, 2)));
    assert!(
        payout.parts.is_empty(),
        "one TxDtls is folded into the line"
    );

    assert_eq!(salaries.amount, d("-4350.00"));
    assert_eq!(salaries.memo, "SAMMEL-UEBERWEISUNG 3 POSTEN");
    let parts: Vec<(Decimal, &str, Option<&str>)> = salaries
        .parts
        .iter()
        .map(|p| (p.amount, p.payee.as_str(), p.reference.as_deref()))
        .collect();
    assert_eq!(
        parts,
        [
            (d("-1450.00"), "Anna Müller", Some("LOHN-2026-11-001")),
            (d("-1650.00"), "Jörg Weiß", Some("LOHN-2026-11-002")),
            (d("-1250.00"), "Sofía García", Some("2026112700004411-3")),
        ]
    );
    assert_eq!(
        salaries.parts.iter().map(|p| p.amount).sum::<Decimal>(),
        salaries.amount
    );

    assert_eq!(direct_debit.amount, d("-89.90"));
    assert_eq!(
        direct_debit.payee, "Stadtwerke München GmbH",
        "the creditor of a debit"
    );
    assert_eq!(
        direct_debit.memo,
        "Abschlag Strom November Kd-Nr 4711 FOLGELASTSCHRIFT"
    );

    assert_eq!(
        returned.amount,
        d("89.90"),
        "a reversal keeps its CdtDbtInd's sign"
    );
    assert!(returned.memo.starts_with("Reversal"), "{}", returned.memo);
    assert_eq!(
        returned.payee, "Stadtwerke München GmbH",
        "the party of the undone debit"
    );
    assert_eq!(returned.value_date, Some(day(2026, 11, 15)));

    assert_eq!(
        fee.bank_id.as_deref(),
        Some("NREF-20261130"),
        "NtryRef without AcctSvcrRef"
    );
    assert_eq!(fee.memo, "Kontoführungsentgelt November");
    assert_eq!(fee.payee, "");
}

#[test]
fn a_camt_053_001_08_with_an_other_account_id() {
    let bytes = fixture("nordicbank-camt053-001-08.xml");
    let [statement] = statements(&bytes, None).try_into().unwrap();
    assert_eq!(statement.format, StatementFormat::Camt053);
    assert_eq!(statement.account_id.as_deref(), Some("15030012345"));
    assert_eq!(statement.currency.as_deref(), Some("NOK"));
    assert_eq!(statement.lines.len(), 3, "the pending entry is not a line");
    assert_balances(&statement);
    assert_eq!(statement.lines[0].date, day(2026, 11, 3), "BookgDt/DtTm");
    assert_eq!(
        statement.lines[0].payee, "Nets Branch Norway",
        "Dbtr/Pty/Nm"
    );
    assert_eq!(statement.lines[0].memo, "Oppgjør kort 2026-11-02");
    assert_eq!(statement.lines[1].payee, "Bjørnstad Eiendom AS");
    let batch = &statement.lines[2];
    assert_eq!(batch.memo, "Vipps samlet oppgjør");
    let payees: Vec<&str> = batch.parts.iter().map(|p| p.payee.as_str()).collect();
    assert_eq!(payees, ["Kari Nordmann", "Ola Hansen"]);
    assert_eq!(
        batch.parts.iter().map(|p| p.amount).sum::<Decimal>(),
        d("750.00")
    );
}

#[test]
fn the_csv_fixtures_read_with_their_rules() {
    let us = csv::read(
        &fixture("usbank-checking.csv"),
        &rules("usbank-checking.csv.rules"),
    )
    .unwrap();
    assert_eq!(us.format, StatementFormat::Csv);
    assert_eq!(us.currency.as_deref(), Some("USD"));
    assert_eq!(us.lines.len(), 6);
    assert_eq!(
        us.lines[0].date,
        day(2026, 11, 2),
        "newest-first is put in date order"
    );
    assert_eq!(us.lines[0].file_line, 7);
    assert_eq!(us.lines[5].amount, d("1045.10"));
    assert_eq!(us.opening, balance("7819.78", day(2026, 11, 1)));
    assert_eq!(us.closing, balance("8190.35", day(2026, 11, 30)));
    assert_balances(&us);
    assert_eq!(
        us.lines[1].payee,
        "SQUARE INC SQ261113 8Z4KQ1 CCD ID: 9424300002"
    );

    let de = csv::read(
        &fixture("germanbank-latin1.csv"),
        &rules("germanbank-latin1.csv.rules"),
    )
    .unwrap();
    let amounts: Vec<Decimal> = de.lines.iter().map(|l| l.amount).collect();
    assert_eq!(
        amounts,
        [
            d("2817.39"),
            d("-89.90"),
            d("89.90"),
            d("-4350.00"),
            d("-12.50")
        ],
        "Soll subtracted whatever its sign, Kontostand left out"
    );
    assert_eq!(
        de.lines[1].payee, "Stadtwerke München GmbH",
        "Latin-1, decoded"
    );
    assert_eq!(de.lines[1].memo, "Abschlag Strom November Kd-Nr 4711");
    assert_eq!(de.lines[2].value_date, Some(day(2026, 11, 15)));
    assert_eq!(de.lines[0].currency.as_deref(), Some("EUR"));
    assert_eq!(de.lines[0].file_line, 6);

    let uk = csv::read(
        &fixture("ukbank-paidout-paidin.csv"),
        &rules("ukbank-paidout-paidin.csv.rules"),
    )
    .unwrap();
    let amounts: Vec<Decimal> = uk.lines.iter().map(|l| l.amount).collect();
    assert_eq!(
        amounts,
        [
            d("1210.60"),
            d("-86.20"),
            d("-1450.00"),
            d("-6.45"),
            d("250.45")
        ]
    );
    assert_eq!(uk.lines[2].date, day(2026, 11, 14));
    assert_eq!(uk.closing, balance("3118.40", day(2026, 11, 28)));
    assert_balances(&uk);

    let fr = csv::read(
        &fixture("frenchbank-solde.csv"),
        &rules("frenchbank-solde.csv.rules"),
    )
    .unwrap();
    assert_eq!(
        fr.lines[3].amount,
        d("-1250.00"),
        "a space groups thousands"
    );
    assert_eq!(
        fr.lines[0].payee,
        "VIR SEPA RECU /DE STRIPE PAYMENTS /MOTIF PAYOUT"
    );
    assert_eq!(fr.closing, balance("5755.65", day(2026, 11, 30)));
    assert_balances(&fr);
}

#[test]
fn a_csv_without_rules_comes_back_as_a_guess_that_reads_like_the_rules() {
    for (file, rules_file) in [
        ("usbank-checking.csv", "usbank-checking.csv.rules"),
        ("germanbank-latin1.csv", "germanbank-latin1.csv.rules"),
        (
            "ukbank-paidout-paidin.csv",
            "ukbank-paidout-paidin.csv.rules",
        ),
        ("frenchbank-solde.csv", "frenchbank-solde.csv.rules"),
    ] {
        let bytes = fixture(file);
        let Reading::NeedsRules(guess) = read_statement(&bytes, None).unwrap() else {
            panic!("{file}: a CSV without rules is guessed");
        };
        let expected = rules(rules_file);
        assert_eq!(guess.rules.separator, expected.separator, "{file}");
        assert_eq!(guess.rules.skip, expected.skip, "{file}");
        assert_eq!(guess.rules.date_format, expected.date_format, "{file}");
        assert_eq!(guess.rules.decimal_mark, expected.decimal_mark, "{file}");
        assert_eq!(guess.rules.newest_first, expected.newest_first, "{file}");
        assert_eq!(guess.rules.skip_if, expected.skip_if, "{file}");
        let read = csv::read(&bytes, &expected).unwrap();
        let by_hand: Vec<_> = read
            .lines
            .iter()
            .map(|l| (l.date, l.amount, l.balance_after))
            .collect();
        let guessed: Vec<_> = guess
            .preview
            .iter()
            .map(|l| (l.date, l.amount, l.balance_after))
            .collect();
        assert_eq!(
            guessed, by_hand,
            "{file}: the preview reads what the rules read"
        );
        assert!(
            guess.preview.iter().any(|l| !l.payee.is_empty()),
            "{file}: a payee column"
        );
    }
}

#[test]
fn the_guess_names_its_doubts() {
    let german = csv::guess(&fixture("germanbank-latin1.csv")).unwrap();
    let doubts = german.doubts.join("\n");
    assert!(doubts.contains("Windows-1252"), "{doubts}");
    assert!(doubts.contains("Kontostand"), "{doubts}");
    assert_eq!(
        german.rules.encoding,
        Some(legion_hub::books::bank::text::Charset::Windows1252)
    );
    assert!(
        german.rules.fields.contains(&Field::AmountOut)
            && german.rules.fields.contains(&Field::AmountIn)
    );

    let ambiguous =
        b"Date,Description,Amount\n01/02/2026,Rent,-1200.00\n03/04/2026,Payout,310.25\n";
    let guess = csv::guess(ambiguous).unwrap();
    let doubts = guess.doubts.join("\n");
    assert!(
        doubts.contains("%d/%m/%Y") && doubts.contains("%m/%d/%Y"),
        "{doubts}"
    );
    assert!(doubts.contains("currency"), "{doubts}");
    let clear = b"Date,Description,Amount\n13/02/2026,Rent,-1200.00\n03/04/2026,Payout,310.25\n";
    let guess = csv::guess(clear).unwrap();
    assert_eq!(guess.rules.date_format.as_deref(), Some("%d/%m/%Y"));
    assert!(!guess.doubts.join("\n").contains("%m/%d/%Y"));
}

#[test]
fn a_csv_of_more_columns_than_rules_may_name_is_refused() {
    let wide = format!("2026-11-02,{}-1.00\n", "x,".repeat(400));
    let error = csv::guess(wide.as_bytes()).unwrap_err();
    assert!(error.what.contains("402 columns"), "{error}");
}

#[test]
fn the_rules_files_read_back_as_themselves() {
    for name in [
        "usbank-checking.csv.rules",
        "germanbank-latin1.csv.rules",
        "ukbank-paidout-paidin.csv.rules",
        "frenchbank-solde.csv.rules",
    ] {
        let rules = rules(name);
        assert_eq!(CsvRules::parse(&rules.to_text()).unwrap(), rules, "{name}");
    }
}

#[test]
fn bad_lines_are_refused_with_their_line() {
    let us = rules("usbank-checking.csv.rules");
    let bad_amount = b"Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #\n\
        DEBIT,11/02/2026,A,-1.00,X,1,,\nDEBIT,11/03/2026,B,12;50,X,1,,\n";
    let error = csv::read(bad_amount, &us).unwrap_err();
    assert_eq!(error.line, 3);
    assert!(error.what.contains("12;50"), "{error}");
    let bad_date = b"Details,Posting Date,Description,Amount\nDEBIT,2026-11-02,A,-1.00\n";
    let error = csv::read(bad_date, &us).unwrap_err();
    assert_eq!(error.line, 2);
    assert!(error.hint.contains("date-format"), "{error}");

    let ofx_text = String::from_utf8(fixture("bank-ofx220.ofx")).unwrap();
    let error = ofx::read(ofx_text.replacen("-132.18", "-132.1.8", 1).as_bytes()).unwrap_err();
    assert_eq!(error.line, 22);
    let error = ofx::read(ofx_text.replacen("20261106", "2026-11-06", 1).as_bytes()).unwrap_err();
    assert_eq!(error.line, 22);

    let camt_text = String::from_utf8(fixture("germanbank-camt053-001-02.xml")).unwrap();
    let bad = camt_text.replacen(
        "<CdtDbtInd>DBIT</CdtDbtInd>",
        "<CdtDbtInd>DEBIT</CdtDbtInd>",
        1,
    );
    let error = camt::read(bad.as_bytes()).unwrap_err();
    let line = 1 + camt_text[..camt_text.find("<CdtDbtInd>DBIT").unwrap()]
        .matches('\n')
        .count();
    assert_eq!(error.line, line);
    let cut = &camt_text.as_bytes()[..camt_text.len() / 2];
    let error = camt::read(cut).unwrap_err();
    assert!(error.line > 1, "{error}");
}

#[test]
fn what_is_not_a_statement_is_refused_with_what_to_do() {
    for (bytes, words) in [
        (&b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n\0\0"[..], "PDF"),
        (&b"PK\x03\x04\x14\0\x06\0"[..], "XLSX"),
        (&b"just some words"[..], "not a bank statement"),
        (&b"   \n"[..], "empty"),
    ] {
        let error = read_statement(bytes, None).unwrap_err();
        assert!(error.what.contains(words), "{error}");
        assert!(!error.hint.is_empty());
    }
    let camt_052 = b"<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02\"><x/></Document>";
    assert_eq!(
        format_of(camt_052),
        None,
        "an intraday report is not a statement"
    );
}

#[test]
fn ten_thousand_lines_of_one_amount_read_in_every_format() {
    let rules = CsvRules::parse(generate::CSV_RULES).unwrap();
    let csv_statement = csv::read(&generate::csv(10_000, generate::same), &rules).unwrap();
    let [camt_statement] = camt::read(&generate::camt(10_000, generate::same))
        .unwrap()
        .try_into()
        .unwrap();
    let [ofx_statement] = ofx::read(&generate::ofx(10_000, generate::same))
        .unwrap()
        .try_into()
        .unwrap();
    for statement in [&csv_statement, &camt_statement, &ofx_statement] {
        assert_eq!(statement.lines.len(), 10_000, "{:?}", statement.format);
        assert!(statement.lines.iter().all(|l| l.amount == d("12.50")));
    }
    assert_balances(&camt_statement);
    assert_balances(&csv_statement);
}

#[test]
fn huge_amounts_are_refused_and_large_ones_kept_exact() {
    let rules = CsvRules::parse("skip 1\nfields date, description, amount\n").unwrap();
    let huge = b"date,description,amount\n2026-11-02,A,123456789012345678901234567890.00\n";
    let error = csv::read(huge, &rules).unwrap_err();
    assert_eq!(error.line, 2);
    assert!(error.what.contains("digits"), "{error}");
    let large = b"date,description,amount\n2026-11-02,A,999999999999999999.9999999999\n";
    let statement = csv::read(large, &rules).unwrap();
    assert_eq!(
        statement.lines[0].amount.to_string(),
        "999999999999999999.9999999999"
    );
    let camt_text = String::from_utf8(fixture("germanbank-camt053-001-02.xml")).unwrap();
    let error = camt::read(camt_text.replacen("2817.39", "1e308", 1).as_bytes()).unwrap_err();
    assert!(error.what.contains("1e308"), "{error}");
}

#[test]
fn odd_encodings_are_read_or_refused_never_garbled() {
    // UTF-16 with its byte-order mark, as some Windows tools save XML.
    let camt_text = String::from_utf8(fixture("nordicbank-camt053-001-08.xml")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(camt_text.encode_utf16().flat_map(u16::to_le_bytes));
    let [statement] = statements(&utf16, None).try_into().unwrap();
    assert_eq!(statement.lines[1].payee, "Bjørnstad Eiendom AS");

    // A file whose rules say UTF-8 but which is Latin-1 is refused at its first such line.
    let mut german = rules("germanbank-latin1.csv.rules");
    german.encoding = Some(legion_hub::books::bank::text::Charset::Utf8);
    let error = csv::read(&fixture("germanbank-latin1.csv"), &german).unwrap_err();
    assert_eq!(error.line, 1, "Umsätze, in the preamble");
    assert!(error.hint.contains("encoding latin1"), "{error}");

    // An OFX file in a character set nobody can read is refused by name.
    let ofx_text = fixture("creditunion-ofx102-cp1252.ofx");
    let odd = String::from_utf8_lossy(&ofx_text).replace("CHARSET:1252", "CHARSET:EBCDIC-037");
    let mut odd = odd.into_bytes();
    odd.extend_from_slice(b"<!-- \xE9 -->");
    let error = ofx::read(&odd).unwrap_err();
    assert!(error.what.contains("EBCDIC-037"), "{error}");
}

#[test]
fn ofx_statuses_that_are_errors_are_reported() {
    let refused = b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR<MESSAGE>Signon invalid</STATUS></SONRS></SIGNONMSGSRSV1></OFX>";
    let error = ofx::read(refused).unwrap_err();
    assert!(
        error.what.contains("15500") && error.what.contains("Signon invalid"),
        "{error}"
    );
}

/// Where the fixtures are mutated: markup and separators a reader turns on.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&amp;",
    b"&#x0;",
    b"\"",
    b";",
    b",",
    b"\t",
    b"\n",
    b"\r\n",
    b"-",
    b"(",
    b"\xC9",
    b"\xFF\xFE",
    b"<STMTTRN>",
    b"</STMTTRN>",
    b"<TRNAMT>",
    b"<Ntry>",
    b"</Ntry>",
    b"<TxDtls>",
    b"<Amt Ccy=\"EUR\">",
    b"<!DOCTYPE x [<!ENTITY e \"ee\">]>",
    b"&e;",
    b"99999999999999999999",
    b"2026-02-30",
    b"13/13/2026",
    b"\0",
];

const FIXTURES: &[&str] = &[
    "creditunion-ofx102-cp1252.ofx",
    "card-web-connect.qfx",
    "bank-ofx220.ofx",
    "germanbank-camt053-001-02.xml",
    "nordicbank-camt053-001-08.xml",
    "usbank-checking.csv",
    "germanbank-latin1.csv",
    "ukbank-paidout-paidin.csv",
    "frenchbank-solde.csv",
];

/// A fixture with tokens spliced in, bytes cut out and the end cut off.
fn mutated_fixture() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(FIXTURES),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::sample::select(TOKENS),
                0u8..3,
            ),
            1..6,
        ),
    )
        .prop_map(|(name, edits)| {
            let mut bytes = fixture(name);
            for (at, token, how) in edits {
                let at = at.index(bytes.len().max(1)).min(bytes.len());
                match how {
                    0 => {
                        let tail = bytes.split_off(at);
                        bytes.extend_from_slice(token);
                        bytes.extend_from_slice(&tail);
                    }
                    1 => {
                        let end = (at + token.len()).min(bytes.len());
                        bytes.drain(at..end);
                    }
                    _ => bytes.truncate(at.max(1)),
                }
            }
            bytes
        })
}

/// 256 cases each in `cargo test`; `PROPTEST_CASES=100000` for a long run.
fn config() -> ProptestConfig {
    crate::support::cases::config(256)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_are_read_or_refused_with_a_line(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        properties::any_statement(&bytes);
        properties::csv_file(&bytes);
    }

    #[test]
    fn mutated_fixtures_are_read_or_refused_with_a_line(bytes in mutated_fixture()) {
        properties::ofx_file(&bytes);
        properties::camt_file(&bytes);
        properties::csv_file(&bytes);
    }

    #[test]
    fn amounts_are_read_exactly_or_refused(cents in any::<i64>(), comma in any::<bool>()) {
        let mark = if comma { legion_hub::books::bank::amount::DecimalMark::Comma } else { legion_hub::books::bank::amount::DecimalMark::Point };
        let magnitude = cents.unsigned_abs();
        let written = format!("{}{}{}{:02}", if cents < 0 { "-" } else { "" }, magnitude / 100, mark.char(), magnitude % 100);
        let read = legion_hub::books::bank::amount::parse(&written, mark).unwrap();
        prop_assert_eq!(read, Decimal::new(cents, 2));
    }
}

/// The kept corpus of the bank fuzz targets (fuzz/corpus/bank_*/), each input through its reader.
#[test]
fn the_kept_bank_corpus_is_read_or_refused() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut seen = 0;
    for (folder, read) in [
        ("bank_ofx", properties::ofx_file as fn(&[u8])),
        ("bank_camt", properties::camt_file as fn(&[u8])),
        ("bank_csv", properties::csv_file as fn(&[u8])),
    ] {
        for entry in std::fs::read_dir(corpus.join(folder)).unwrap() {
            read(&std::fs::read(entry.unwrap().path()).unwrap());
            seen += 1;
        }
    }
    assert!(seen >= 9, "the corpus is there ({seen} files)");
}
