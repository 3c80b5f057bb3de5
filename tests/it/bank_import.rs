//! Importing bank statements on a real sled directory, from statements built by hand (as the
//! readers make them): all or nothing, idempotent across the same file and overlapping
//! exports, balances checked, gaps shown, files of another account or currency refused.

use chrono::{DateTime, NaiveDate, Utc};
use legion_hub::books::bank::account::Gap;
use legion_hub::books::bank::import::{
    ImportError, ImportOptions, ImportSummary, ImportedFile, import_statements,
};
use legion_hub::books::bank::{ParsedLine, ParsedStatement, StatedBalance, StatementFormat};
use legion_hub::config::Paths;
use legion_hub::store::Store;
use rust_decimal::Decimal;

fn day(month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, d).unwrap()
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn when(hour: u32) -> DateTime<Utc> {
    day(12, 1).and_hms_opt(hour, 0, 0).unwrap().and_utc()
}

fn options(hour: u32) -> ImportOptions {
    ImportOptions {
        currency: None,
        now: Some(when(hour)),
    }
}

fn line(
    file_line: usize,
    date: NaiveDate,
    cents: i64,
    payee: &str,
    bank_id: Option<&str>,
) -> ParsedLine {
    ParsedLine {
        file_line,
        date,
        value_date: None,
        amount: money(cents),
        currency: None,
        payee: payee.into(),
        memo: String::new(),
        bank_id: bank_id.map(str::to_string),
        kind: None,
        balance_after: None,
        parts: Vec::new(),
    }
}

/// A statement of the bank's account `DE89…` in EUR, its balances stated around its lines.
fn statement(
    from: NaiveDate,
    to: NaiveDate,
    opening_cents: i64,
    lines: Vec<ParsedLine>,
) -> ParsedStatement {
    let sum: Decimal = lines.iter().map(|l| l.amount).sum();
    ParsedStatement {
        format: StatementFormat::Camt053,
        account_id: Some("DE89 3704 0044 0532 0130 00".into()),
        currency: Some("EUR".into()),
        opening: Some(StatedBalance {
            amount: money(opening_cents),
            date: from,
        }),
        closing: Some(StatedBalance {
            amount: money(opening_cents) + sum,
            date: to,
        }),
        period: Some((from, to)),
        lines,
    }
}

fn file(name: &str, fill: char) -> ImportedFile {
    ImportedFile {
        name: name.into(),
        sha256: fill.to_string().repeat(64),
        size: 4_096,
        format: StatementFormat::Camt053,
    }
}

fn store_in(dir: &std::path::Path) -> Store {
    Store::open(&Paths::in_dir(dir), "test").unwrap()
}

/// The first half of November: rent, two identical coffees on the 3rd (no bank id), a deposit.
fn early_november() -> ParsedStatement {
    statement(
        day(11, 1),
        day(11, 15),
        100_000,
        vec![
            line(10, day(11, 2), -150_000, "Landlord", Some("R-1")),
            line(20, day(11, 3), -450, "Blue Bottle Coffee", None),
            line(30, day(11, 3), -450, "Blue Bottle Coffee", None),
            line(40, day(11, 12), 281_739, "STRIPE PAYOUT", Some("D-1")),
        ],
    )
}

fn import(
    store: &Store,
    name: &str,
    f: &ImportedFile,
    statements: &[ParsedStatement],
    hour: u32,
) -> Result<ImportSummary, ImportError> {
    import_statements(store, name, f, statements, &options(hour))
}

fn all_lines(store: &Store, account: &str) -> Vec<legion_hub::books::bank::account::BankLine> {
    store
        .bank_lines_between(account, day(1, 1), day(12, 31))
        .unwrap()
}

#[test]
fn a_first_import_makes_the_account_and_keeps_every_line_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let summary = import(
        &store,
        "Chase Business",
        &file("nov-1.xml", 'a'),
        &[early_november()],
        9,
    )
    .unwrap();
    assert!(summary.account_created);
    assert_eq!(summary.account.key, "chase-business");
    assert_eq!(summary.account.name, "Chase Business");
    assert_eq!(summary.account.currency, "EUR");
    assert_eq!(
        summary.account.bank_account_id.as_deref(),
        Some("DE89370400440532013000")
    );
    assert_eq!(
        (summary.import.lines_new, summary.import.lines_already_there),
        (4, 0)
    );
    assert_eq!(summary.imported_before, None);
    let stated = &summary.import.statements[0];
    assert_eq!(stated.period, Some((day(11, 1), day(11, 15))));
    assert_eq!(
        stated.closing.as_ref().unwrap().amount,
        money(100_000 - 150_000 - 900 + 281_739)
    );
    assert!(stated.gaps.is_empty(), "nothing before it to miss");

    let lines = all_lines(&store, "chase-business");
    assert_eq!(lines.len(), 4, "the two identical coffees are two lines");
    assert!(lines.windows(2).all(|w| w[0].date <= w[1].date), "by day");
    let rent = lines
        .iter()
        .find(|l| l.bank_id.as_deref() == Some("R-1"))
        .unwrap();
    assert_eq!(rent.key, "chase-business:id:R-1");
    assert_eq!((rent.file_line, rent.currency.as_str()), (10, "EUR"));
    let coffees: Vec<_> = lines
        .iter()
        .filter(|l| l.payee == "Blue Bottle Coffee")
        .collect();
    assert_ne!(coffees[0].key, coffees[1].key);
    assert!(
        coffees
            .iter()
            .all(|c| c.key.starts_with("chase-business:fp:"))
    );
    assert_eq!(
        store
            .bank_lines_between("chase-business", day(11, 3), day(11, 3))
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .bank_lines_between("other", day(1, 1), day(12, 31))
            .unwrap()
            .is_empty()
    );

    let kept = store.bank_import(&"a".repeat(64)).unwrap().unwrap();
    assert_eq!(
        (
            kept.file_name.as_str(),
            kept.file_size,
            kept.account.as_str()
        ),
        ("nov-1.xml", 4_096, "chase-business")
    );
    assert_eq!(kept.imported_at, when(9));
    drop(store);
    let store = store_in(dir.path());
    assert_eq!(all_lines(&store, "chase-business").len(), 4, "kept on disk");
    assert_eq!(store.bank_accounts().unwrap().len(), 1);
}

#[test]
fn the_same_file_twice_and_an_overlapping_export_store_every_line_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    import(
        &store,
        "Chase Business",
        &file("nov-1.xml", 'a'),
        &[early_november()],
        9,
    )
    .unwrap();

    let again = import(
        &store,
        "chase business",
        &file("nov-1 (1).xml", 'a'),
        &[early_november()],
        10,
    )
    .unwrap();
    assert!(!again.account_created);
    assert_eq!(
        (again.import.lines_new, again.import.lines_already_there),
        (0, 4)
    );
    assert_eq!(again.imported_before, Some(when(9)));
    assert_eq!(all_lines(&store, "chase-business").len(), 4);
    let kept = store.bank_import(&"a".repeat(64)).unwrap().unwrap();
    assert_eq!(
        (kept.imported_at, kept.file_name.as_str()),
        (when(9), "nov-1.xml"),
        "the first import's record stays"
    );

    // The 3rd to the 30th, exported later: the 3rd's two coffees and the deposit are there
    // already (the coffees found by their place among the day's identical lines); a third
    // coffee on the 3rd and a refund are new.
    let mut overlapping = statement(
        day(11, 3),
        day(11, 30),
        100_000 - 150_000,
        vec![
            line(5, day(11, 3), -450, "BLUE BOTTLE  coffee", None),
            line(6, day(11, 3), -450, "Blue Bottle Coffee", None),
            line(7, day(11, 3), -450, "Blue Bottle Coffee", None),
            line(8, day(11, 12), 281_739, "Stripe Payout", Some("D-1")),
            line(9, day(11, 20), -2_500, "Refund", Some("F-9")),
        ],
    );
    overlapping.opening = None;
    let summary = import(
        &store,
        "Chase Business",
        &file("nov-2.xml", 'b'),
        &[overlapping],
        11,
    )
    .unwrap();
    assert_eq!(
        (summary.import.lines_new, summary.import.lines_already_there),
        (2, 3)
    );
    assert!(
        summary.import.statements[0].opening_implied,
        "no opening stated: the lines' own"
    );
    let lines = all_lines(&store, "chase-business");
    assert_eq!(lines.len(), 6);
    assert_eq!(lines.iter().filter(|l| l.amount == money(-450)).count(), 3);
    assert_eq!(store.bank_imports_of("chase-business").unwrap().len(), 2);
}

#[test]
fn a_running_balance_tells_identical_lines_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let with_balance = |file_line, balance: i64| ParsedLine {
        balance_after: Some(money(balance)),
        ..line(file_line, day(11, 3), -450, "Coffee", None)
    };
    let mut csv = statement(
        day(11, 3),
        day(11, 3),
        1_000,
        vec![with_balance(2, 550), with_balance(3, 100)],
    );
    csv.format = StatementFormat::Csv;
    csv.account_id = None;
    csv.currency = None;
    let options = ImportOptions {
        currency: Some("usd".into()),
        now: Some(when(9)),
    };
    let summary = import_statements(
        &store,
        "Cash Box",
        &file("a.csv", 'c'),
        &[csv.clone()],
        &options,
    )
    .unwrap();
    assert_eq!(
        summary.account.currency, "USD",
        "the options' currency for a file that names none"
    );
    assert_eq!(summary.import.lines_new, 2);
    // The same lines in a file listed newest first: the balances find them all the same.
    csv.lines.reverse();
    let again =
        import_statements(&store, "Cash Box", &file("b.csv", 'd'), &[csv], &options).unwrap();
    assert_eq!(
        (again.import.lines_new, again.import.lines_already_there),
        (0, 2)
    );
}

#[test]
fn a_statement_whose_numbers_do_not_add_up_is_refused_with_the_difference_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let good = early_november();
    let mut bad = statement(
        day(11, 16),
        day(11, 30),
        0,
        vec![line(50, day(11, 20), -1_000, "Utility", Some("U-1"))],
    );
    bad.opening = good.closing.clone().map(|mut b| {
        b.date = day(11, 16);
        b
    });
    bad.closing = Some(StatedBalance {
        amount: money(1_000),
        date: day(11, 30),
    });
    let err = import(
        &store,
        "Chase Business",
        &file("nov.xml", 'a'),
        &[good, bad],
        9,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ImportError::DoesNotAddUp(_)), "{text}");
    assert!(
        text.contains("nov.xml") && text.contains("do not add up"),
        "{text}"
    );
    assert!(text.contains("nothing was imported"), "{text}");
    // It opens at 2,308.39, takes 10.00 out and says it closes at 10.00: 2,288.39 short.
    assert!(
        text.contains("2298.39 EUR") && text.contains("-2288.39 EUR apart"),
        "{text}"
    );
    // The first statement was good, but it is one file: none of it is stored.
    assert_eq!(store.bank_account("chase-business").unwrap(), None);
    assert!(all_lines(&store, "chase-business").is_empty());
    assert_eq!(store.bank_import(&"a".repeat(64)).unwrap(), None);
}

#[test]
fn a_file_of_another_account_or_currency_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    import(
        &store,
        "Chase Business",
        &file("nov-1.xml", 'a'),
        &[early_november()],
        9,
    )
    .unwrap();

    let mut savings = early_november();
    savings.account_id = Some("DE02 1203 0000 0000 2020 51".into());
    let err = import(
        &store,
        "Chase Business",
        &file("savings.xml", 'b'),
        &[savings],
        10,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::OtherAccount { .. }), "{err}");
    assert!(err.to_string().contains("--account"), "{err}");

    let mut dollars = early_november();
    dollars.account_id = None;
    dollars.currency = Some("USD".into());
    let err = import(
        &store,
        "Chase Business",
        &file("usd.xml", 'c'),
        &[dollars.clone()],
        10,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Currency { .. }), "{err}");
    assert!(
        err.to_string().contains("USD") && err.to_string().contains("EUR"),
        "{err}"
    );

    dollars.currency = None;
    dollars.lines[2].currency = Some("GBP".into());
    let err = import(
        &store,
        "Chase Business",
        &file("gbp.xml", 'd'),
        &[dollars],
        10,
    )
    .unwrap_err();
    assert!(err.to_string().contains("line 30"), "names the line: {err}");

    let err = import(
        &store,
        "Savings",
        &file("nov-1.xml", 'a'),
        &[early_november()],
        10,
    )
    .unwrap_err();
    assert!(
        matches!(err, ImportError::ImportedElsewhere { .. }),
        "{err}"
    );

    let mut two = early_november();
    two.account_id = Some("GB33BUKB20201555555555".into());
    let err = import(
        &store,
        "New",
        &file("two.xml", 'e'),
        &[early_november(), two],
        10,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::MixedAccounts { .. }), "{err}");

    let mut no_currency = early_november();
    no_currency.currency = None;
    let err = import(&store, "Brand New", &file("x.csv", 'f'), &[no_currency], 10).unwrap_err();
    assert!(err.to_string().contains("--currency"), "{err}");

    // Every refusal left the books as the first import made them.
    assert_eq!(all_lines(&store, "chase-business").len(), 4);
    assert_eq!(store.bank_accounts().unwrap().len(), 1);
    assert_eq!(store.bank_imports_of("chase-business").unwrap().len(), 1);
}

#[test]
fn bad_lines_and_names_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let mut misread = early_november();
    misread.lines[1].date = NaiveDate::from_ymd_opt(26, 11, 3).unwrap();
    let err = import(&store, "Chase", &file("nov.xml", 'a'), &[misread], 9).unwrap_err();
    assert!(err.to_string().contains("line 20"), "{err}");

    let mut huge = early_november();
    huge.lines[0].amount = Decimal::MAX;
    huge.lines[1].amount = Decimal::MAX;
    let err = import(&store, "Chase", &file("nov.xml", 'a'), &[huge], 9).unwrap_err();
    assert!(matches!(err, ImportError::Line { line: 20, .. }), "{err}");

    let mut long_id = early_november();
    long_id.lines[0].bank_id = Some("x".repeat(300));
    assert!(import(&store, "Chase", &file("nov.xml", 'a'), &[long_id], 9).is_err());

    for name in ["", "  --  ", "!!!"] {
        let err = import(&store, name, &file("nov.xml", 'a'), &[early_november()], 9).unwrap_err();
        assert!(
            matches!(err, ImportError::AccountName { .. }),
            "{name:?}: {err}"
        );
    }
    let err = import(&store, "Chase", &file("empty.xml", 'a'), &[], 9).unwrap_err();
    assert!(matches!(err, ImportError::Empty { .. }), "{err}");
    let unhashed = ImportedFile {
        sha256: "not a hash".into(),
        ..file("nov.xml", 'a')
    };
    let err = import_statements(&store, "Chase", &unhashed, &[early_november()], &options(9))
        .unwrap_err();
    assert!(matches!(err, ImportError::FileHash { .. }), "{err}");
    assert!(
        store.bank_accounts().unwrap().is_empty(),
        "nothing of any of them stored"
    );
}

#[test]
fn gaps_between_statements_are_shown_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let november = import(
        &store,
        "Chase",
        &file("nov-1.xml", 'a'),
        &[early_november()],
        9,
    )
    .unwrap();
    let closing = november.import.statements[0]
        .closing
        .clone()
        .unwrap()
        .amount;

    // December from the 5th: the 16th of November to the 4th of December are missing.
    let december = statement(
        day(12, 5),
        day(12, 31),
        0,
        vec![line(3, day(12, 6), 10_000, "Deposit", Some("D-2"))],
    );
    let summary = import(&store, "Chase", &file("dec.xml", 'b'), &[december], 10).unwrap();
    assert_eq!(summary.import.lines_new, 1, "shown, not refused");
    assert_eq!(
        summary.import.statements[0].gaps,
        [Gap::Days {
            from: day(11, 16),
            to: day(12, 4)
        }]
    );

    // The second half of November, imported last: it meets both, but starts from a balance
    // 5.00 short of where the first half ended.
    let opening = closing - money(500);
    let second_half = statement(
        day(11, 16),
        day(11, 30),
        (opening * Decimal::from(100)).try_into().unwrap(),
        vec![line(4, day(11, 20), -100, "Fee", Some("F-1"))],
    );
    let summary = import(&store, "Chase", &file("nov-2.xml", 'c'), &[second_half], 11).unwrap();
    let gaps = &summary.import.statements[0].gaps;
    assert_eq!(
        *gaps,
        [
            Gap::Balance {
                before: day(11, 15),
                closing,
                after: day(11, 16),
                opening,
                difference: money(-500),
            },
            Gap::Days {
                from: day(12, 1),
                to: day(12, 4)
            },
        ]
    );
    assert_eq!(all_lines(&store, "chase").len(), 6);
}

#[test]
fn a_bank_id_reused_for_different_lines_keeps_both() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let reused = statement(
        day(11, 1),
        day(11, 2),
        0,
        vec![
            line(1, day(11, 1), 1_000, "Deposit", Some("0")),
            line(2, day(11, 2), -300, "Fee", Some("0")),
            line(3, day(11, 2), 700, "Same line listed twice", Some("7")),
            line(3, day(11, 2), 700, "Same line listed twice", Some("7")),
        ],
    );
    let summary = import(
        &store,
        "Chase",
        &file("odd.ofx", 'a'),
        std::slice::from_ref(&reused),
        9,
    )
    .unwrap();
    assert_eq!(
        (summary.import.lines_new, summary.import.lines_already_there),
        (3, 1)
    );
    let keys: Vec<String> = all_lines(&store, "chase")
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert!(
        keys.iter()
            .filter(|k| k.starts_with("chase:id:0:fp:"))
            .count()
            == 2,
        "{keys:?}"
    );
    assert!(keys.contains(&"chase:id:7".to_string()), "{keys:?}");
    let again = import(&store, "Chase", &file("odd again.ofx", 'b'), &[reused], 10).unwrap();
    assert_eq!(again.import.lines_new, 0);
}
