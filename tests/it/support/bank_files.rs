//! Bank files: the studio's statement as its bank writes it, imported; and files made wrong on
//! purpose, the way a bad export is.

use legion_hub::books::bank::import::{ImportSummary, ImportedFile};
use legion_hub::books::bank::{Reading, read_statement};
use legion_hub::engine::Engine;
use legion_hub::sandbox::bank::{BankFormat, Statement};
use legion_hub::sandbox::studio::Studio;

/// The studio's statement from its first sale to `to`, written as an OFX file named `name`,
/// imported into the account "Chase business".
pub async fn import_ofx(
    engine: &Engine,
    studio: &Studio,
    to: chrono::NaiveDate,
    name: &str,
) -> ImportSummary {
    let statement = Statement::of(studio, studio.first_sale.date(), to).expect("statement");
    import_statement(engine, &statement, "Chase business", name).await
}

/// `statement` written as an OFX file named `name`, imported into the account `account`.
pub async fn import_statement(
    engine: &Engine,
    statement: &Statement,
    account: &str,
    name: &str,
) -> ImportSummary {
    let file = statement.write(BankFormat::Ofx1);
    let Reading::Statements(statements) = read_statement(&file, None).expect("read") else {
        panic!("an OFX file needs no rules");
    };
    let imported = ImportedFile {
        name: name.into(),
        sha256: format!("{:064x}", file.len()),
        size: file.len() as u64,
        format: statements[0].format,
    };
    engine
        .import_bank(Some(account.into()), None, imported, statements)
        .await
        .expect("imported")
}

/// `text` with the month of its fourth line's November date made 19 (a date that is no date),
/// each line ended with `eol`; fails the test if there was no such date to break.
pub fn with_fourth_date_broken(text: &str, eol: &str) -> String {
    let broken: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = if i == 3 {
                l.replacen(",11/", ",19/", 1)
            } else {
                l.to_string()
            };
            l + eol
        })
        .collect();
    assert_ne!(broken, text, "the fourth line has a November date to break");
    broken
}
