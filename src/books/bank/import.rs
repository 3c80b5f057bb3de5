//! Importing a bank file's statements into an account, after a reader made them
//! ([`ParsedStatement`]). All or nothing: every check runs before anything is written, and the
//! writing is one transaction (see `store::bank`). Idempotent: a line is known again by the
//! bank's id, else by its fingerprint ([`super::fingerprint`]), so the same file twice or
//! overlapping exports store every line once, the rest counted as already there. Checked: a
//! statement whose closing balance is not its opening plus its lines is refused, as is a file
//! of another account or in another currency; a gap between statements (days no statement
//! covers, or a balance that does not carry over) is shown in the summary, never refused.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::account::{
    Balance, BankAccount, BankImport, BankLine, BankLinePart, Gap, LineId, MAX_ACCOUNT_KEY,
    StatementSummary, account_key, line_key,
};
use super::fingerprint::{Positions, Tiebreak, fingerprint, words};
use super::statement::{ParsedLine, ParsedStatement, StatementFormat, bounds};
use crate::books::currency;
use crate::store::bank::BankWrite;
use crate::store::{Store, StoreError};
use crate::text::one_line_within;

/// The file the statements were read from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportedFile {
    pub name: String,
    /// SHA-256 of the file's bytes, hex: the import's id.
    pub sha256: String,
    pub size: u64,
    pub format: StatementFormat,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ImportOptions {
    /// The currency of a new account whose file does not say (most CSV exports).
    pub currency: Option<String>,
    /// When the import happens; now when None.
    pub now: Option<DateTime<Utc>>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportSummary {
    /// The account as it is now.
    pub account: BankAccount,
    pub account_created: bool,
    /// This import: per statement its lines new and already there, period, balances, gaps.
    pub import: BankImport,
    /// This very file was imported before, at this time (the record of that import is kept).
    pub imported_before: Option<DateTime<Utc>>,
}

/// Why nothing of a file was imported, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "{name:?} cannot name a bank account: use letters or digits, at most {max} once spaces and punctuation become '-' (\"Chase Business\" is the account chase-business)",
        max = MAX_ACCOUNT_KEY
    )]
    AccountName { name: String },
    #[error(
        "{file}: its SHA-256 {sha256:?} is not 64 hex digits: nothing was imported\nthis is a fault in the caller of the import: report it"
    )]
    FileHash { file: String, sha256: String },
    #[error(
        "{file} holds no statement: nothing was imported\ncheck that it is the bank's export of the account (OFX, QFX, CAMT.053 or CSV)"
    )]
    Empty { file: String },
    #[error(
        "{file} holds {lines} lines, more than the {max} one import takes: nothing was imported\nexport a shorter period and import the parts one by one"
    )]
    TooManyLines {
        file: String,
        lines: usize,
        max: usize,
    },
    #[error(
        "{file} holds statements of {} bank accounts ({}): nothing was imported\none import fills one account: export each account on its own and import each with its own --account",
        .ids.len(), .ids.join(", ")
    )]
    MixedAccounts { file: String, ids: Vec<String> },
    #[error(
        "{file} is a statement of the bank's account {in_file}, but the account {account} is the bank's account {stored}: nothing was imported\nimport it into the account it belongs to with --account NAME (a name not used yet makes a new account)"
    )]
    OtherAccount {
        file: String,
        account: String,
        in_file: String,
        stored: String,
    },
    #[error(
        "{file} was imported into the account {other} on {at}: a file belongs to one account, so nothing was imported into {account}\nimport it with --account {other}, or check that this is the file you meant"
    )]
    ImportedElsewhere {
        file: String,
        account: String,
        other: String,
        at: String,
    },
    #[error(
        "{place} is in {found}, but the account {account} is kept in {expected}: nothing was imported\nimport it into an account kept in {found} (a name not used yet makes a new one)"
    )]
    Currency {
        /// The file, and the statement or the line in it.
        place: String,
        account: String,
        expected: String,
        found: String,
    },
    #[error(
        "{file} does not say its currency, and the account {account} is new: nothing was imported\ngive the account's currency with --currency (for example --currency USD)"
    )]
    NoCurrency { file: String, account: String },
    #[error("{file}{}: {what}: nothing was imported\n{hint}", at_line(.line))]
    Line {
        file: String,
        line: usize,
        what: String,
        hint: String,
    },
    #[error("{0}")]
    DoesNotAddUp(Box<Unbalanced>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A statement whose closing balance is not its opening plus its lines, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file}: the statement's own numbers do not add up: its opening balance {opening} on {opening_date} plus its {lines} lines ({sum}) makes {expected}, but it states a closing balance of {closing} on {closing_date}, {difference} apart: nothing was imported\nthe export may be cut short or hold lines of another period: export the statement again, or ask the bank"
)]
pub struct Unbalanced {
    pub file: String,
    pub opening: String,
    pub opening_date: NaiveDate,
    pub lines: usize,
    pub sum: String,
    pub expected: String,
    pub closing: String,
    pub closing_date: NaiveDate,
    pub difference: String,
}

fn at_line(line: &usize) -> String {
    if *line == 0 {
        String::new()
    } else {
        format!(", line {line}")
    }
}

/// The earliest and latest days a line may carry: anything outside is a misread date.
fn plausible(day: NaiveDate) -> bool {
    (1900..=2199).contains(&day.year())
}

/// Longest bank id, account id, kind or reference kept; a longer id is refused (cutting it
/// could make two lines one), a longer kind or reference is cut.
const MAX_ID: usize = 256;
/// Longest account name kept.
const MAX_NAME: usize = 128;

fn money(amount: Decimal, code: &str) -> String {
    format!("{} {code}", currency::exact(amount, code))
}

/// An ISO 4217 code as the books keep it (upper case), or None when it is not one.
fn currency_code(text: &str) -> Option<String> {
    let code = text.trim().to_ascii_uppercase();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// The bank's account id as compared: no spaces (IBANs are printed in groups), upper case.
fn account_id(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Imports `statements`, read from `file`, into the account the user calls `account_name`
/// (made on its first import). Nothing is written unless every statement passes.
pub fn import_statements(
    store: &Store,
    account_name: &str,
    file: &ImportedFile,
    statements: &[ParsedStatement],
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let now = options.now.unwrap_or_else(Utc::now);
    let shown = one_line_within(&file.name, MAX_NAME);
    let key = account_key(account_name).ok_or_else(|| ImportError::AccountName {
        name: one_line_within(account_name, MAX_NAME),
    })?;
    let id = file.sha256.trim().to_ascii_lowercase();
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ImportError::FileHash {
            file: shown,
            sha256: one_line_within(&file.sha256, 80),
        });
    }
    if statements.is_empty() {
        return Err(ImportError::Empty { file: shown });
    }
    let total = statements
        .iter()
        .fold(0usize, |n, s| n.saturating_add(s.lines.len()));
    if total > bounds::MAX_LINES {
        return Err(ImportError::TooManyLines {
            file: shown,
            lines: total,
            max: bounds::MAX_LINES,
        });
    }
    let stored = store.bank_account(&key)?;
    let previous = store.bank_import(&id)?;
    if let Some(previous) = previous.as_ref().filter(|p| p.account != key) {
        return Err(ImportError::ImportedElsewhere {
            file: shown,
            account: key,
            other: previous.account.clone(),
            at: previous
                .imported_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
        });
    }
    let in_file = the_files_account(&shown, &key, stored.as_ref(), statements)?;
    let currency = the_currency(&shown, &key, stored.as_ref(), statements, options)?;

    let mut positions = Positions::default();
    let mut checked = Vec::with_capacity(statements.len());
    for statement in statements {
        checked.push(check_statement(
            &shown,
            &key,
            &id,
            &currency,
            statement,
            &mut positions,
        )?);
    }
    give_keys(&key, checked.iter_mut().flat_map(|s| s.lines.iter_mut()));

    // Which lines are new: the first of each key in the file, unless it is stored already.
    let present = store.bank_lines_present(
        checked
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.key.as_str())),
    )?;
    let mut twins = stored_twins(store, &key, checked.iter().flat_map(|s| s.lines.iter()))?;
    let mut seen = HashSet::new();
    let mut new_lines = Vec::new();
    let mut statement_summaries = Vec::with_capacity(checked.len());
    let spans_stored = stored_spans(store, &key, &id)?;
    let spans_here: Vec<Option<Span>> = checked.iter().map(Checked::span).collect();
    let mut gaps_shown = HashSet::new();
    for (n, statement) in checked.iter().enumerate() {
        let mut fresh = 0u64;
        for line in &statement.lines {
            if seen.insert(line.key.clone()) && !present.contains(&line.key) {
                // The same line stored from the account's other export: one with ids when
                // this has none (a CSV after the OFX), or none when this has them.
                let other_kind = (line.bank_id.is_none(), line.date, line.amount.normalize());
                if let Some(left) = twins.get_mut(&other_kind)
                    && *left > 0
                {
                    *left -= 1;
                    continue;
                }
                new_lines.push(line.clone());
                fresh += 1;
            }
        }
        let mut gaps = Vec::new();
        if let Some(Some(span)) = spans_here.get(n) {
            let others: Vec<Span> = spans_stored
                .iter()
                .chain(
                    spans_here
                        .iter()
                        .enumerate()
                        .filter(|(m, _)| *m != n)
                        .filter_map(|(_, s)| s.as_ref()),
                )
                .cloned()
                .collect();
            for gap in gaps_around(span, &others) {
                if gaps_shown.insert(gap.clone()) {
                    gaps.push(gap);
                }
            }
        }
        let count = statement.lines.len() as u64;
        statement_summaries.push(StatementSummary {
            period: statement.period,
            opening: statement.opening.clone(),
            opening_implied: statement.opening_implied,
            closing: statement.closing.clone(),
            lines: count,
            lines_new: fresh,
            lines_already_there: count - fresh,
            gaps,
        });
    }

    let account = match &stored {
        Some(account) => BankAccount {
            bank_account_id: account.bank_account_id.clone().or(in_file),
            ..account.clone()
        },
        None => BankAccount {
            key: key.clone(),
            name: one_line_within(account_name, MAX_NAME),
            bank_account_id: in_file,
            currency,
            created_at: now,
            site: None,
        },
    };
    let lines_new = new_lines.len() as u64;
    let import = BankImport {
        id,
        file_name: shown,
        file_size: file.size,
        format: file.format,
        account: key,
        imported_at: now,
        lines_new,
        lines_already_there: (total as u64).saturating_sub(lines_new),
        statements: statement_summaries,
    };
    let nothing_to_write =
        previous.is_some() && lines_new == 0 && stored.as_ref() == Some(&account);
    if !nothing_to_write {
        store.write_bank_import(&BankWrite {
            account: &account,
            lines: &new_lines,
            import: &import,
        })?;
    }
    Ok(ImportSummary {
        account_created: stored.is_none(),
        account,
        import,
        imported_before: previous.map(|p| p.imported_at),
    })
}

/// The bank's id of the account the file is for, when it says: refused when its statements
/// name several, or one other than the account's.
fn the_files_account(
    file: &str,
    account: &str,
    stored: Option<&BankAccount>,
    statements: &[ParsedStatement],
) -> Result<Option<String>, ImportError> {
    let mut ids = BTreeSet::new();
    for statement in statements {
        let Some(id) = statement.account_id.as_deref().map(account_id) else {
            continue;
        };
        if id.chars().count() > MAX_ID {
            return Err(ImportError::Line {
                file: file.into(),
                line: 0,
                what: format!("the account's id is longer than {MAX_ID} characters"),
                hint: "check that this is a bank statement".into(),
            });
        }
        if !id.is_empty() {
            ids.insert(one_line_within(&id, MAX_ID));
        }
    }
    if ids.len() > 1 {
        return Err(ImportError::MixedAccounts {
            file: file.into(),
            ids: ids.into_iter().collect(),
        });
    }
    let in_file = ids.into_iter().next();
    if let (Some(in_file), Some(known)) = (
        in_file.as_deref(),
        stored.and_then(|a| a.bank_account_id.as_deref()),
    ) && account_id(known) != in_file
    {
        return Err(ImportError::OtherAccount {
            file: file.into(),
            account: account.into(),
            in_file: in_file.into(),
            stored: known.into(),
        });
    }
    Ok(in_file)
}

/// The account's currency (a new account's: the file's, else the options'), with every
/// currency the file states checked against it.
fn the_currency(
    file: &str,
    account: &str,
    stored: Option<&BankAccount>,
    statements: &[ParsedStatement],
    options: &ImportOptions,
) -> Result<String, ImportError> {
    let code = |text: &str, line: usize| {
        currency_code(text).ok_or_else(|| ImportError::Line {
            file: file.into(),
            line,
            what: format!("{:?} is not a currency code", one_line_within(text, 16)),
            hint: "a currency is three letters of ISO 4217 (USD, EUR, GBP): check the file or the rules that read it".into(),
        })
    };
    // A new account takes the first currency the file states.
    let first_stated = statements.iter().find_map(|s| {
        s.currency.as_deref().map(|c| (c, 0)).or_else(|| {
            s.lines
                .iter()
                .find_map(|l| l.currency.as_deref().map(|c| (c, l.file_line)))
        })
    });
    let expected = match (stored, first_stated, options.currency.as_deref()) {
        (Some(known), _, _) => known.currency.clone(),
        (None, Some((text, line)), _) => code(text, line)?,
        (None, None, Some(text)) => code(text, 0)?,
        (None, None, None) => {
            return Err(ImportError::NoCurrency {
                file: file.into(),
                account: account.into(),
            });
        }
    };
    let check = |text: &str, line: usize| -> Result<(), ImportError> {
        if text.trim().eq_ignore_ascii_case(&expected) {
            return Ok(());
        }
        Err(ImportError::Currency {
            found: code(text, line)?,
            place: if line == 0 {
                format!("{file}: the statement")
            } else {
                format!("{file}, line {line}")
            },
            account: account.into(),
            expected: expected.clone(),
        })
    };
    for statement in statements {
        if let Some(text) = &statement.currency {
            check(text, 0)?;
        }
        for line in &statement.lines {
            if let Some(text) = &line.currency {
                check(text, line.file_line)?;
            }
        }
    }
    Ok(expected)
}

/// A statement whose lines passed, before they have their keys.
struct Checked {
    period: Option<(NaiveDate, NaiveDate)>,
    opening: Option<Balance>,
    opening_implied: bool,
    closing: Option<Balance>,
    lines: Vec<BankLine>,
}

/// The days a statement covers and its balances, to find what is missing around it.
#[derive(Debug, Clone)]
struct Span {
    from: NaiveDate,
    to: NaiveDate,
    opening: Option<Decimal>,
    closing: Option<Decimal>,
}

impl Checked {
    fn span(&self) -> Option<Span> {
        let (from, to) = self.period?;
        Some(Span {
            from,
            to,
            opening: self.opening.as_ref().map(|b| b.amount),
            closing: self.closing.as_ref().map(|b| b.amount),
        })
    }
}

fn check_statement(
    file: &str,
    account: &str,
    import: &str,
    account_currency: &str,
    statement: &ParsedStatement,
    positions: &mut Positions,
) -> Result<Checked, ImportError> {
    let refuse = |line: usize, what: String, hint: &str| ImportError::Line {
        file: file.into(),
        line,
        what,
        hint: hint.into(),
    };
    let misread =
        "the date is misread: check the file, or the date format in the rules that read it";
    let mut sum = Decimal::ZERO;
    let mut lines = Vec::with_capacity(statement.lines.len());
    for line in &statement.lines {
        let at = line.file_line;
        for day in std::iter::once(line.date).chain(line.value_date) {
            if !plausible(day) {
                return Err(refuse(
                    at,
                    format!("the date {day} cannot be a bank line's"),
                    misread,
                ));
            }
        }
        if line.parts.len() > bounds::MAX_PARTS {
            return Err(refuse(
                at,
                format!(
                    "the line has {} parts, more than {}",
                    line.parts.len(),
                    bounds::MAX_PARTS
                ),
                "check that this is a bank statement",
            ));
        }
        sum = sum.checked_add(line.amount).ok_or_else(|| {
            refuse(
                at,
                "the amounts add up past any balance a bank keeps".into(),
                "check the amount column and its decimal separator",
            )
        })?;
        let bank_id = match line
            .bank_id
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            Some(id) if id.chars().count() > MAX_ID => {
                return Err(refuse(
                    at,
                    format!("the line's id is longer than {MAX_ID} characters"),
                    "check that this is a bank statement, or that the rules name the right id column",
                ));
            }
            Some(id) => Some(crate::text::one_line(id)),
            None => None,
        };
        lines.push(bank_line(
            account,
            import,
            account_currency,
            line,
            bank_id,
            positions,
        ));
    }
    let (opening, opening_implied) = match (&statement.opening, &statement.closing) {
        (Some(opening), Some(closing)) => {
            let expected = opening.amount.checked_add(sum);
            if expected != Some(closing.amount) {
                let shown = |d: Option<Decimal>| {
                    d.map_or(String::from("more than a bank keeps"), |d| {
                        money(d, account_currency)
                    })
                };
                return Err(ImportError::DoesNotAddUp(Box::new(Unbalanced {
                    file: file.into(),
                    opening: money(opening.amount, account_currency),
                    opening_date: opening.date,
                    lines: statement.lines.len(),
                    sum: money(sum, account_currency),
                    expected: shown(expected),
                    closing: money(closing.amount, account_currency),
                    closing_date: closing.date,
                    difference: shown(expected.and_then(|e| closing.amount.checked_sub(e))),
                })));
            }
            (Some(balance(opening.amount, opening.date)), false)
        }
        (None, Some(closing)) => {
            // OFX states only the closing: the opening is what the lines leave of it.
            let first_day = statement
                .period
                .map(|(from, to)| from.min(to))
                .or_else(|| lines.iter().map(|l| l.date).min())
                .unwrap_or(closing.date);
            let implied = closing
                .amount
                .checked_sub(sum)
                .map(|a| balance(a, first_day));
            (implied.clone(), implied.is_some())
        }
        (opening, None) => (opening.as_ref().map(|b| balance(b.amount, b.date)), false),
    };
    let period = statement
        .period
        .map(|(a, b)| (a.min(b), a.max(b)))
        .or_else(|| {
            let first = lines.iter().map(|l| l.date).min()?;
            let last = lines.iter().map(|l| l.date).max()?;
            Some((first, last))
        })
        .or_else(|| {
            let from = statement.opening.as_ref()?.date;
            let to = statement.closing.as_ref()?.date;
            Some((from.min(to), from.max(to)))
        });
    Ok(Checked {
        period,
        opening,
        opening_implied,
        closing: statement
            .closing
            .as_ref()
            .map(|b| balance(b.amount, b.date)),
        lines,
    })
}

fn balance(amount: Decimal, date: NaiveDate) -> Balance {
    Balance { amount, date }
}

/// A line as the books keep it, keyed by its fingerprint for now ([`give_keys`] decides).
fn bank_line(
    account: &str,
    import: &str,
    account_currency: &str,
    line: &ParsedLine,
    bank_id: Option<String>,
    positions: &mut Positions,
) -> BankLine {
    let payee = one_line_within(&line.payee, bounds::MAX_TEXT);
    let memo = one_line_within(&line.memo, bounds::MAX_TEXT);
    let text = words(&payee, &memo);
    let place = positions.next(line.date, line.amount, &text);
    let tiebreak = match line.balance_after {
        Some(balance) => Tiebreak::BalanceAfter(balance),
        None => Tiebreak::Position(place),
    };
    let fingerprint = fingerprint(account, line.date, line.amount, &text, tiebreak);
    BankLine {
        key: line_key(account, LineId::Fingerprint(&fingerprint)),
        account: account.into(),
        date: line.date,
        value_date: line.value_date,
        amount: line.amount,
        currency: account_currency.into(),
        payee,
        memo,
        kind: line
            .kind
            .as_deref()
            .map(|k| one_line_within(k, MAX_ID))
            .filter(|k| !k.is_empty()),
        parts: line
            .parts
            .iter()
            .map(|part| BankLinePart {
                amount: part.amount,
                payee: one_line_within(&part.payee, bounds::MAX_TEXT),
                memo: one_line_within(&part.memo, bounds::MAX_TEXT),
                reference: part
                    .reference
                    .as_deref()
                    .map(|r| one_line_within(r, MAX_ID))
                    .filter(|r| !r.is_empty()),
            })
            .collect(),
        bank_id,
        fingerprint,
        balance_after: line.balance_after,
        import: import.into(),
        file_line: line.file_line as u64,
    }
}

/// Keys every line by the bank's id when it has one. A bank id the file gives to lines that
/// differ (day, amount or words) cannot tell them apart: those lines add their fingerprint.
fn give_keys<'a>(account: &str, lines: impl Iterator<Item = &'a mut BankLine>) {
    let mut lines: Vec<&'a mut BankLine> = lines.collect();
    let mut contents: HashMap<&str, HashSet<(NaiveDate, String, String)>> = HashMap::new();
    for line in &lines {
        if let Some(id) = &line.bank_id {
            contents.entry(id.as_str()).or_default().insert((
                line.date,
                line.amount.normalize().to_string(),
                words(&line.payee, &line.memo),
            ));
        }
    }
    let reused: HashSet<String> = contents
        .into_iter()
        .filter(|(_, seen)| seen.len() > 1)
        .map(|(id, _)| id.to_string())
        .collect();
    for line in lines.iter_mut() {
        if let Some(id) = &line.bank_id {
            line.key = if reused.contains(id) {
                line_key(account, LineId::BankAndFingerprint(id, &line.fingerprint))
            } else {
                line_key(account, LineId::Bank(id))
            };
        }
    }
}

/// The account's stored lines over the file's days, counted by (had a bank id, day, amount). A
/// bank's CSV has no ids and its OFX or CAMT export of the same days has; their keys never meet,
/// so without this importing both would store every line twice. A line of one kind is taken as
/// a stored line of the other kind with its day and amount, one for one (two coffees stored, two
/// in the other export: both there; a third: new).
fn stored_twins<'a>(
    store: &Store,
    account: &str,
    lines: impl Iterator<Item = &'a BankLine>,
) -> Result<HashMap<(bool, NaiveDate, Decimal), usize>, StoreError> {
    let days: BTreeSet<NaiveDate> = lines.map(|l| l.date).collect();
    let mut twins = HashMap::new();
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Ok(twins);
    };
    for stored in store.bank_lines_between(account, first, last)? {
        let kind = (
            stored.bank_id.is_some(),
            stored.date,
            stored.amount.normalize(),
        );
        *twins.entry(kind).or_insert(0) += 1;
    }
    Ok(twins)
}

/// The spans of the statements already imported into `account` (this file's own import aside).
fn stored_spans(store: &Store, account: &str, this_import: &str) -> Result<Vec<Span>, StoreError> {
    Ok(store
        .bank_imports_of(account)?
        .into_iter()
        .filter(|import| import.id != this_import)
        .flat_map(|import| import.statements)
        .filter_map(|s| {
            let (from, to) = s.period?;
            Some(Span {
                from,
                to,
                opening: s.opening.map(|b| b.amount),
                closing: s.closing.map(|b| b.amount),
            })
        })
        .collect())
}

/// What is missing just before and just after `this` among `others`: days no statement covers,
/// or a balance that does not carry over from one statement to the next.
fn gaps_around(this: &Span, others: &[Span]) -> Vec<Gap> {
    let mut gaps = Vec::new();
    // Two statements meet when one ends the day before the other starts, or on that day (OFX
    // periods end where the next begins).
    let meet = |end: NaiveDate, start: NaiveDate| end == start || end.succ_opt() == Some(start);
    let carried = |before: &Span, after: &Span| -> Option<Gap> {
        let closing = before.closing?;
        let opening = after.opening?;
        let difference = opening.checked_sub(closing)?;
        (!difference.is_zero()).then_some(Gap::Balance {
            before: before.to,
            closing,
            after: after.from,
            opening,
            difference,
        })
    };
    if let Some(before) = others
        .iter()
        .filter(|o| o.from < this.from)
        .max_by_key(|o| o.to)
    {
        if meet(before.to, this.from) {
            gaps.extend(carried(before, this));
        } else if before.to < this.from {
            gaps.extend(missing_days(before.to, this.from));
        }
    }
    if let Some(after) = others
        .iter()
        .filter(|o| o.to > this.to)
        .min_by_key(|o| o.from)
    {
        if meet(this.to, after.from) {
            gaps.extend(carried(this, after));
        } else if this.to < after.from {
            gaps.extend(missing_days(this.to, after.from));
        }
    }
    gaps
}

/// The days strictly between two statements' last and first days.
fn missing_days(last: NaiveDate, first: NaiveDate) -> Option<Gap> {
    Some(Gap::Days {
        from: last.succ_opt()?,
        to: first.pred_opt()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn span(from: u32, to: u32, opening: Option<i64>, closing: Option<i64>) -> Span {
        Span {
            from: day(from),
            to: day(to),
            opening: opening.map(Decimal::from),
            closing: closing.map(Decimal::from),
        }
    }

    #[test]
    fn days_no_statement_covers_are_a_gap_on_either_side() {
        let this = span(10, 15, None, None);
        let gaps = gaps_around(&this, &[span(1, 5, None, None), span(20, 25, None, None)]);
        assert_eq!(
            gaps,
            [
                Gap::Days {
                    from: day(6),
                    to: day(9)
                },
                Gap::Days {
                    from: day(16),
                    to: day(19)
                }
            ]
        );
        assert!(gaps_around(&this, &[span(1, 9, None, None), span(16, 30, None, None)]).is_empty());
        assert!(
            gaps_around(&this, &[span(1, 12, None, None)]).is_empty(),
            "overlap"
        );
    }

    #[test]
    fn a_balance_that_does_not_carry_over_is_a_gap() {
        let this = span(10, 15, Some(100), Some(150));
        let gaps = gaps_around(
            &this,
            &[
                span(1, 9, Some(0), Some(90)),
                span(16, 30, Some(150), Some(0)),
            ],
        );
        assert_eq!(
            gaps,
            [Gap::Balance {
                before: day(9),
                closing: Decimal::from(90),
                after: day(10),
                opening: Decimal::from(100),
                difference: Decimal::from(10),
            }]
        );
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(currency_code(" usd ").as_deref(), Some("USD"));
        assert_eq!(currency_code("US"), None);
        assert_eq!(currency_code("U$D"), None);
        assert_eq!(
            account_id(" de89 3704 0044 0532 0130 00 "),
            "DE89370400440532013000"
        );
    }
}
