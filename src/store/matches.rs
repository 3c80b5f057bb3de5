//! Reconciliation's decisions (records database), three trees:
//! - `matches`: `match:{n}` → an accepted [`Match`], frozen until undone;
//! - `matched`: every key a match claims (its bank lines, its payments) → the match's id, so
//!   nothing is matched twice and the matcher leaves what was accepted alone;
//! - `match_rejections`: `{line}\n{candidate}` → when, so a rejected suggestion is not offered
//!   again for that line.
//!
//! A match and its claims are written in one sled transaction. The books line it posts (a card
//! fee's expense, a cash deposit's over or short) is a transaction in the books, written after;
//! [`Store::fee_lines_to_mend`] finds what a crash between the two left (a match without its
//! line, a line without its match).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::codec;
use super::outbox::MirroredTable;
use super::{Store, StoreError, decode_value, unabort};
use crate::books::reconcile::matched::Match;

pub const MATCHES: &str = "matches";
pub const MATCHED: &str = "matched";
pub const REJECTED: &str = "match_rejections";

/// The keys of the books' own fee lines start so: `books:fee:match:12`.
pub const FEE_LINE_PREFIX: &str = "books:fee:";

/// The keys of a cash deposit's over-or-short lines: `books:over_short:match:12`.
pub const OVER_SHORT_LINE_PREFIX: &str = "books:over_short:";

/// Every prefix of the books lines a match posts, for the mend.
const MATCH_LINE_PREFIXES: [&str; 2] = [FEE_LINE_PREFIX, OVER_SHORT_LINE_PREFIX];

pub fn fee_line_key(match_id: &str) -> String {
    format!("{FEE_LINE_PREFIX}{match_id}")
}

pub fn over_short_line_key(match_id: &str) -> String {
    format!("{OVER_SHORT_LINE_PREFIX}{match_id}")
}

/// What was already claimed when a match was to be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub key: String,
    pub by: String,
}

impl Store {
    /// A new match id, never handed out before in this data directory.
    pub fn next_match_id(&self) -> Result<String, StoreError> {
        let records = self.records()?;
        Ok(format!("match:{}", records.db.generate_id()?))
    }

    /// Saves the match and its claims at once, unless something it claims is claimed already
    /// (then nothing is written and the first such claim is returned).
    pub fn accept_match(&self, accepted: &Match) -> Result<Option<Claimed>, StoreError> {
        let records = self.records()?;
        let value = codec::encode(accepted);
        let claims: Vec<&str> = accepted.claims().collect();
        // Noted even when a claim refuses it: the row is then sent as it is (absent), harmless.
        let _noted = self.note_changes(MirroredTable::Matches, [accepted.id.as_bytes()])?;
        let outcome = (&records.matches, &records.matched)
            .transaction(|(matches, matched)| {
                for claim in &claims {
                    if let Some(by) = matched.get(claim.as_bytes())? {
                        return Ok(Some(Claimed {
                            key: claim.to_string(),
                            by: String::from_utf8_lossy(&by).into_owned(),
                        }));
                    }
                }
                matches.insert(accepted.id.as_bytes(), value.as_slice())?;
                for claim in &claims {
                    matched.insert(claim.as_bytes(), accepted.id.as_bytes())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(None)
            })
            .map_err(unabort)?;
        records.db.flush()?;
        Ok(outcome)
    }

    /// Takes a match back with its claims; the match as it was, or None if there is none.
    pub fn undo_match(&self, id: &str) -> Result<Option<Match>, StoreError> {
        let records = self.records()?;
        let Some(bytes) = records.matches.get(id.as_bytes())? else {
            return Ok(None);
        };
        let undone: Match = decode_value(MATCHES, id.as_bytes(), &bytes)?;
        let claims: Vec<&str> = undone.claims().collect();
        let _noted = self.note_changes(MirroredTable::Matches, [id.as_bytes()])?;
        (&records.matches, &records.matched)
            .transaction(|(matches, matched)| {
                matches.remove(id.as_bytes())?;
                for claim in &claims {
                    // Only the claims that are this match's (a claim is never shared, but an
                    // older store may hold anything).
                    if matched.get(claim.as_bytes())?.as_deref() == Some(id.as_bytes()) {
                        matched.remove(claim.as_bytes())?;
                    }
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(unabort)?;
        records.db.flush()?;
        Ok(Some(undone))
    }

    pub fn matches(&self) -> Result<Vec<Match>, StoreError> {
        let records = self.records()?;
        records
            .matches
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(MATCHES, &k, &v)
            })
            .collect()
    }

    pub fn match_by_id(&self, id: &str) -> Result<Option<Match>, StoreError> {
        let records = self.records()?;
        records
            .matches
            .get(id.as_bytes())?
            .map(|v| decode_value(MATCHES, id.as_bytes(), &v))
            .transpose()
    }

    /// Every claimed key → the match that claims it.
    pub fn claims(&self) -> Result<HashMap<String, String>, StoreError> {
        let records = self.records()?;
        records
            .matched
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

    /// Remembers that the user rejected `candidate` (its name) for `line`.
    pub fn reject_candidate(&self, line: &str, candidate: &str) -> Result<(), StoreError> {
        let records = self.records()?;
        let when: DateTime<Utc> = Utc::now();
        records.match_rejections.insert(
            format!("{line}\n{candidate}").as_bytes(),
            when.to_rfc3339().as_bytes(),
        )?;
        records.db.flush()?;
        Ok(())
    }

    /// The (line, candidate) pairs rejected.
    pub fn rejected_candidates(&self) -> Result<HashSet<(String, String)>, StoreError> {
        let records = self.records()?;
        let mut rejected = HashSet::new();
        for entry in records.match_rejections.iter() {
            let (k, _) = entry?;
            let text = String::from_utf8_lossy(&k);
            if let Some((line, candidate)) = text.split_once('\n') {
                rejected.insert((line.to_string(), candidate.to_string()));
            }
        }
        Ok(rejected)
    }

    /// What a crash between a match and its books line (fee, over or short) left: the matches
    /// whose line is missing, and the lines whose match is gone.
    pub fn fee_lines_to_mend(&self) -> Result<(Vec<Match>, Vec<String>), StoreError> {
        let matches = self.matches()?;
        let mut lines: HashSet<String> = HashSet::new();
        for prefix in MATCH_LINE_PREFIXES {
            lines.extend(self.transaction_keys_with_prefix(prefix)?);
        }
        let wanted: HashSet<&str> = matches
            .iter()
            .filter_map(|m| m.fee_transaction.as_deref())
            .collect();
        let orphans = lines
            .iter()
            .filter(|key| !wanted.contains(key.as_str()))
            .cloned()
            .collect();
        let missing = matches
            .into_iter()
            .filter(|m| {
                m.fee_transaction
                    .as_ref()
                    .is_some_and(|key| !lines.contains(key))
            })
            .collect();
        Ok((missing, orphans))
    }
}
