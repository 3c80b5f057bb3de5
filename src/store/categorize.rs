//! Categorization (records database), five trees:
//! - `categorize_suggestions`: subject id (`bank:{line}`, `tx:{key}`) → its suggestion and the
//!   decision on it;
//! - `categorize_rules`: `rule:{n}` → a rule of the user's;
//! - `categorize_cache`: cleaned payee (lower-case) → the last answer for it;
//! - `bank_line_classes`: bank line key → the class accepted for it (a bank line is kept as
//!   imported; its class lives beside it);
//! - `categorize_runs`: `last` → the last run's report.

use std::collections::HashMap;

use chrono::Utc;
use sled::Batch;

use super::codec;
use super::outbox::MirroredTable;
use super::{Store, StoreError, decode_value};
use crate::api::categorize::RunReport;
use crate::books::categorize::records::{CachedAnswer, Rule, StoredSuggestion};

pub const SUGGESTIONS: &str = "categorize_suggestions";
pub const RULES: &str = "categorize_rules";
pub const CACHE: &str = "categorize_cache";
pub const BANK_LINE_CLASSES: &str = "bank_line_classes";
pub const RUNS: &str = "categorize_runs";

const LAST_RUN: &[u8] = b"last";

impl codec::Record for RunReport {
    const KIND: &'static str = "categorize run";
    const VERSION: u32 = 1;
}

fn all<R: codec::Record>(tree: &sled::Tree, name: &'static str) -> Result<Vec<R>, StoreError> {
    tree.iter()
        .map(|entry| {
            let (k, v) = entry?;
            decode_value(name, &k, &v)
        })
        .collect()
}

impl Store {
    pub fn suggestions(&self) -> Result<Vec<StoredSuggestion>, StoreError> {
        all(&self.records()?.categorize_suggestions, SUGGESTIONS)
    }

    pub fn suggestion(&self, subject_id: &str) -> Result<Option<StoredSuggestion>, StoreError> {
        let records = self.records()?;
        records
            .categorize_suggestions
            .get(subject_id.as_bytes())?
            .map(|v| decode_value(SUGGESTIONS, subject_id.as_bytes(), &v))
            .transpose()
    }

    /// Writes these suggestions and removes those subjects' in one batch.
    pub fn write_suggestions(
        &self,
        write: &[StoredSuggestion],
        remove: &[String],
    ) -> Result<(), StoreError> {
        let records = self.records()?;
        let mut batch = Batch::default();
        for id in remove {
            batch.remove(id.as_bytes());
        }
        for suggestion in write {
            batch.insert(
                suggestion.view.subject.id().as_bytes(),
                codec::encode(suggestion),
            );
        }
        records.categorize_suggestions.apply_batch(batch)?;
        records.db.flush()?;
        Ok(())
    }

    /// The rules, oldest first.
    pub fn categorize_rules(&self) -> Result<Vec<Rule>, StoreError> {
        let mut rules: Vec<Rule> = all(&self.records()?.categorize_rules, RULES)?;
        rules.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(rules)
    }

    /// A new rule: cleaned payees containing `contains` (lower-cased, spaces as one) are
    /// `class`. It takes the place of the rules with the same words (two would answer the same
    /// payees, only the newer ever firing): those are removed in the same batch, and returned.
    pub fn add_categorize_rule(
        &self,
        contains: &str,
        class: &str,
    ) -> Result<(Rule, Vec<Rule>), StoreError> {
        let records = self.records()?;
        let rule = Rule {
            id: format!("rule:{}", records.db.generate_id()?),
            contains: crate::text::one_line(contains).to_lowercase(),
            class: class.to_string(),
            created_at: Utc::now(),
        };
        let replaced: Vec<Rule> = self
            .categorize_rules()?
            .into_iter()
            .filter(|old| old.contains == rule.contains)
            .collect();
        let mut batch = Batch::default();
        for old in &replaced {
            batch.remove(old.id.as_bytes());
        }
        batch.insert(rule.id.as_bytes(), codec::encode(&rule));
        records.categorize_rules.apply_batch(batch)?;
        records.db.flush()?;
        Ok((rule, replaced))
    }

    pub fn delete_categorize_rule(&self, id: &str) -> Result<bool, StoreError> {
        let records = self.records()?;
        let removed = records.categorize_rules.remove(id.as_bytes())?.is_some();
        records.db.flush()?;
        Ok(removed)
    }

    /// Every cached answer by payee key.
    pub fn categorize_cache(&self) -> Result<HashMap<String, CachedAnswer>, StoreError> {
        let records = self.records()?;
        records
            .categorize_cache
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                Ok((
                    String::from_utf8_lossy(&k).into_owned(),
                    decode_value(CACHE, &k, &v)?,
                ))
            })
            .collect()
    }

    pub fn cache_answers(&self, answers: &[(String, CachedAnswer)]) -> Result<(), StoreError> {
        let records = self.records()?;
        let mut batch = Batch::default();
        for (key, answer) in answers {
            batch.insert(key.as_bytes(), codec::encode(answer));
        }
        records.categorize_cache.apply_batch(batch)?;
        records.db.flush()?;
        Ok(())
    }

    /// Every bank line's accepted class.
    pub fn bank_line_classes(&self) -> Result<HashMap<String, String>, StoreError> {
        let records = self.records()?;
        records
            .bank_line_classes
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                Ok((
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                ))
            })
            .collect()
    }

    /// Sets (or, with None, takes away) a bank line's class.
    pub fn set_bank_line_class(&self, line: &str, class: Option<&str>) -> Result<(), StoreError> {
        let records = self.records()?;
        // The class is a column of the line's row in the mirror.
        let _noted = self.note_changes(MirroredTable::BankLines, [line.as_bytes()])?;
        match class {
            Some(class) => records
                .bank_line_classes
                .insert(line.as_bytes(), class.as_bytes())?,
            None => records.bank_line_classes.remove(line.as_bytes())?,
        };
        records.db.flush()?;
        Ok(())
    }

    /// One bank line's accepted class.
    pub fn bank_line_class(&self, line: &str) -> Result<Option<String>, StoreError> {
        let records = self.records()?;
        Ok(records
            .bank_line_classes
            .get(line.as_bytes())?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Sets (or takes away) a transaction's class; false when there is no such transaction.
    pub fn set_transaction_class(
        &self,
        key: &str,
        class: Option<&str>,
    ) -> Result<bool, StoreError> {
        let Some(mut tx) = self.transaction(key)? else {
            return Ok(false);
        };
        tx.class = class.map(str::to_string);
        self.upsert_transactions(&[tx], false)?;
        Ok(true)
    }

    pub fn last_categorize_run(&self) -> Result<Option<RunReport>, StoreError> {
        let records = self.records()?;
        records
            .categorize_runs
            .get(LAST_RUN)?
            .map(|v| decode_value(RUNS, LAST_RUN, &v))
            .transpose()
    }

    pub fn put_categorize_run(&self, report: &RunReport) -> Result<(), StoreError> {
        let records = self.records()?;
        records
            .categorize_runs
            .insert(LAST_RUN, codec::encode(report))?;
        records.db.flush()?;
        Ok(())
    }
}
