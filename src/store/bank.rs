//! The bank trees (records database): `bank_accounts` (account key → [`BankAccount`]),
//! `bank_lines` (line key → [`BankLine`]), `bank_lines_by_date` (account + 0 + day + line key
//! → (): each account's lines by day), `bank_imports` (file SHA-256 → [`BankImport`]).
//!
//! An import is one sled transaction over the four trees: a file is stored whole or not at all,
//! even when the process dies half-way, and there is nothing to mend after a crash. (A year of a
//! busy account is about 5,000 lines: one transaction holds it easily.)

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::outbox::MirroredTable;
use super::{Store, StoreError, codec, decode_value, unabort};
use crate::books::bank::account::{BankAccount, BankImport, BankLine};

pub const ACCOUNTS: &str = "bank_accounts";
pub const LINES: &str = "bank_lines";
pub const LINES_BY_DATE: &str = "bank_lines_by_date";
pub const IMPORTS: &str = "bank_imports";

/// The bytes of a day in a date-index entry.
const DAY_BYTES: usize = 4;

/// An account's lines of `day` start here in the date index: days as big-endian counts from
/// the year 1 (offset so days before it still sort), after the account and a 0.
fn day_start(account: &str, day: NaiveDate) -> Vec<u8> {
    let days = (i64::from(day.num_days_from_ce()) - i64::from(i32::MIN)) as u32;
    let mut out = account.as_bytes().to_vec();
    out.push(0);
    out.extend_from_slice(&days.to_be_bytes());
    out
}

fn date_entry(line: &BankLine) -> Vec<u8> {
    let mut out = day_start(&line.account, line.date);
    out.extend_from_slice(line.key.as_bytes());
    out
}

/// What one import writes: the account (new, or with the bank's id learnt), the lines, and the
/// record of the file.
#[derive(Debug, Clone)]
pub struct BankWrite<'a> {
    pub account: &'a BankAccount,
    pub lines: &'a [BankLine],
    pub import: &'a BankImport,
}

impl Store {
    pub fn bank_account(&self, key: &str) -> Result<Option<BankAccount>, StoreError> {
        let records = self.records()?;
        records
            .bank_accounts
            .get(key.as_bytes())?
            .map(|v| decode_value(ACCOUNTS, key.as_bytes(), &v))
            .transpose()
    }

    /// Rewrites an account already stored (its settings changed), and flushes it.
    pub fn put_bank_account(&self, account: &BankAccount) -> Result<(), StoreError> {
        let records = self.records()?;
        let _noted = self.note_rows(vec![(MirroredTable::BankAccounts, account.key.as_bytes())])?;
        records
            .bank_accounts
            .insert(account.key.as_bytes(), codec::encode(account))?;
        records.db.flush()?;
        Ok(())
    }

    pub fn bank_accounts(&self) -> Result<Vec<BankAccount>, StoreError> {
        let records = self.records()?;
        records
            .bank_accounts
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(ACCOUNTS, &k, &v)
            })
            .collect()
    }

    pub fn bank_line(&self, key: &str) -> Result<Option<BankLine>, StoreError> {
        let records = self.records()?;
        records
            .bank_lines
            .get(key.as_bytes())?
            .map(|v| decode_value(LINES, key.as_bytes(), &v))
            .transpose()
    }

    /// Which of these line keys are stored already.
    pub fn bank_lines_present<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<HashSet<String>, StoreError> {
        let records = self.records()?;
        let mut present = HashSet::new();
        for key in keys {
            if records.bank_lines.contains_key(key.as_bytes())? {
                present.insert(key.to_string());
            }
        }
        Ok(present)
    }

    /// `account`'s lines booked from `from` to `to`, both days included, by day (and by key
    /// within a day).
    pub fn bank_lines_between(
        &self,
        account: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<BankLine>, StoreError> {
        let records = self.records()?;
        let mut out = Vec::new();
        let Some(after_last) = to.succ_opt() else {
            return Ok(out);
        };
        if from > to {
            return Ok(out);
        }
        let start = day_start(account, from);
        let prefix_len = account.len() + 1 + DAY_BYTES;
        for entry in records
            .bank_lines_by_date
            .range(start..day_start(account, after_last))
            .keys()
        {
            let entry = entry?;
            let key = entry
                .get(prefix_len..)
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            if let Some(line) = records.bank_lines.get(key.as_bytes())? {
                out.push(decode_value(LINES, key.as_bytes(), &line)?);
            }
        }
        Ok(out)
    }

    pub fn bank_import(&self, id: &str) -> Result<Option<BankImport>, StoreError> {
        let records = self.records()?;
        records
            .bank_imports
            .get(id.as_bytes())?
            .map(|v| decode_value(IMPORTS, id.as_bytes(), &v))
            .transpose()
    }

    /// The files imported into `account`, oldest import first. (Imports are a handful a
    /// month: reading them all is cheap.)
    pub fn bank_imports_of(&self, account: &str) -> Result<Vec<BankImport>, StoreError> {
        let records = self.records()?;
        let mut out = Vec::new();
        for entry in records.bank_imports.iter() {
            let (k, v) = entry?;
            let import: BankImport = decode_value(IMPORTS, &k, &v)?;
            if import.account == account {
                out.push(import);
            }
        }
        out.sort_by_key(|i| i.imported_at);
        Ok(out)
    }

    /// Writes one import in one transaction, and flushes it: the account as given, each line
    /// not stored yet (one stored meanwhile is left as it is), and the import's record unless
    /// the file was imported before (the first import's record stays). Returns how many lines
    /// it wrote.
    pub fn write_bank_import(&self, write: &BankWrite<'_>) -> Result<u64, StoreError> {
        let records = self.records()?;
        let account = codec::encode(write.account);
        let lines: Vec<(&BankLine, Vec<u8>, Vec<u8>)> = write
            .lines
            .iter()
            .map(|line| (line, codec::encode(line), date_entry(line)))
            .collect();
        let import = codec::encode(write.import);
        // Lines are never taken out, so the ones stored already stay as they are: only the
        // others can be written, and only they are noted for the mirror.
        let mut noted = vec![(MirroredTable::BankAccounts, write.account.key.as_bytes())];
        for line in write.lines {
            if !records.bank_lines.contains_key(line.key.as_bytes())? {
                noted.push((MirroredTable::BankLines, line.key.as_bytes()));
            }
        }
        let _noted = self.note_rows(noted)?;
        let written = (
            &records.bank_accounts,
            &records.bank_lines,
            &records.bank_lines_by_date,
            &records.bank_imports,
        )
            .transaction(|(accounts, stored_lines, by_date, imports)| {
                let mut written = 0u64;
                accounts.insert(write.account.key.as_bytes(), account.as_slice())?;
                for (line, value, entry) in &lines {
                    if stored_lines.get(line.key.as_bytes())?.is_none() {
                        stored_lines.insert(line.key.as_bytes(), value.as_slice())?;
                        by_date.insert(entry.as_slice(), &[][..])?;
                        written += 1;
                    }
                }
                if imports.get(write.import.id.as_bytes())?.is_none() {
                    imports.insert(write.import.id.as_bytes(), import.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(written)
            })
            .map_err(unabort)?;
        records.db.flush()?;
        Ok(written)
    }
}
