//! The ledger: how a Mindbody client becomes a customer (matched by link, then email, flagged
//! when only the name agrees), and the books' own operations the front ends call: transactions,
//! categories and their classes, customers and their possible duplicates.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::{Category, Customer, CustomerIndex, Match};
use crate::engine::host::{Core, EngineError};

/// A customer as an integration sees it (`fresh`), matched to the books: the one it is linked
/// to, the one with its email (now linked), or a new one, flagged when an existing customer has
/// the same name and no email or phone that tells them apart. A flag kept from before goes once
/// they are told apart.
pub(crate) fn matched(
    fresh: Customer,
    index: &CustomerIndex,
    existing: &HashMap<String, Customer>,
) -> Customer {
    match index.find(&fresh) {
        Match::Linked(key) | Match::ByEmail(key) => {
            let before = existing.get(&key);
            let customer = Customer {
                key: key.clone(),
                source: before.map_or(fresh.source.clone(), |b| b.source.clone()),
                // A client without a stamp does not wipe the one the books have.
                modified_at: fresh.modified_at.or(before.and_then(|b| b.modified_at)),
                ..fresh
            };
            Customer {
                possible_duplicate_of: before
                    .and_then(|b| b.possible_duplicate_of.clone())
                    .filter(|other| still_possible(&customer, other, existing)),
                ..customer
            }
        }
        Match::Uncertain { candidate } => Customer {
            possible_duplicate_of: Some(candidate),
            ..fresh
        },
        Match::New => fresh,
    }
}

/// Whether a customer flagged as possibly `other` still may be: nothing tells the two apart
/// (or `other` is not there to compare with). Flags set before different emails and phones
/// counted fail this.
fn still_possible(customer: &Customer, other: &str, existing: &HashMap<String, Customer>) -> bool {
    existing
        .get(other)
        .is_none_or(|o| !customer.told_apart_from(o))
}

impl Core {
    /// Transactions dated on or after `from` (all when None), newest first.
    pub async fn transactions_since(
        &self,
        from: Option<NaiveDateTime>,
    ) -> Result<Vec<crate::books::Transaction>, EngineError> {
        let from = from.unwrap_or(NaiveDateTime::MIN);
        let mut rows = self
            .inner
            .store
            .transactions_between(from, NaiveDateTime::MAX)?;
        rows.reverse();
        Ok(rows)
    }

    /// Mindbody's revenue categories with their financial class (None: unmapped).
    pub async fn categories(&self) -> Result<Vec<Category>, EngineError> {
        Ok(self.inner.store.categories()?)
    }

    /// Maps a category to a financial class (None unmaps it); its transactions follow.
    pub async fn map_category(&self, id: i64, class: Option<&str>) -> Result<usize, EngineError> {
        let class = class.map(str::trim).filter(|c| !c.is_empty());
        Ok(self
            .inner
            .store
            .map_category(&self.mindbody_account()?, id, class)?)
    }

    pub async fn customers(&self) -> Result<Vec<Customer>, EngineError> {
        Ok(self.inner.store.customers()?)
    }

    /// The user says a flagged customer is the same person as the one it may duplicate: the
    /// other one takes its Mindbody link and its transactions, and it goes.
    pub async fn confirm_duplicate(&self, key: &str) -> Result<String, EngineError> {
        let store = &self.inner.store;
        let key = &self.customer_key_typed(key);
        let customer = store
            .customer(key)?
            .ok_or_else(|| EngineError::Invalid(format!("there is no customer {key}")))?;
        let Some(target_key) = customer.possible_duplicate_of.clone() else {
            return Err(EngineError::Invalid(format!(
                "{key} is not flagged as a possible duplicate"
            )));
        };
        let mut target = store
            .customer(&target_key)?
            .ok_or_else(|| EngineError::Invalid(format!("there is no customer {target_key}")))?;
        target.mindbody_id = target.mindbody_id.or(customer.mindbody_id);
        target.email = target.email.or(customer.email);
        target.phone = target.phone.or(customer.phone);
        store.upsert_customers(&[target])?;
        store.move_transactions(key, &target_key)?;
        store.delete_customer(key)?;
        self.invalidate_transactions();
        Ok(target_key)
    }

    /// The user says these flagged customers are all different people (the list they were
    /// shown): every flag goes at once. An unknown key changes nothing and says which; one
    /// not flagged is passed over. Returns how many flags went.
    pub async fn dismiss_duplicates(&self, keys: &[String]) -> Result<usize, EngineError> {
        let store = &self.inner.store;
        let mut dismissed = Vec::new();
        for key in keys {
            let key = &self.customer_key_typed(key);
            let customer = store
                .customer(key)?
                .ok_or_else(|| EngineError::Invalid(format!("there is no customer {key}")))?;
            if customer.possible_duplicate_of.is_some() {
                dismissed.push(Customer {
                    possible_duplicate_of: None,
                    ..customer
                });
            }
        }
        if !dismissed.is_empty() {
            store.upsert_customers(&dismissed)?;
        }
        Ok(dismissed.len())
    }

    /// A customer key as people type it (as they see it, without the site): the configured
    /// site's. One that names its site is taken as it is.
    fn customer_key_typed(&self, key: &str) -> String {
        match self.mindbody_account() {
            Ok(site) => crate::books::account_key::in_account(key, &site),
            Err(_) => key.to_string(),
        }
    }

    /// Clears the flags of customers their emails or phones tell apart from the one they were
    /// flagged against: flags an older legion-hub set on a shared name alone. Run as a clients
    /// sync loads the customers, so a data directory from before the rule is mended by the
    /// next sync.
    pub(crate) fn clear_ruled_out_duplicates(
        &self,
        existing: &mut HashMap<String, Customer>,
    ) -> Result<(), EngineError> {
        let ruled_out: Vec<Customer> = existing
            .values()
            .filter(|c| {
                c.possible_duplicate_of
                    .as_deref()
                    .is_some_and(|other| !still_possible(c, other, existing))
            })
            .map(|c| Customer {
                possible_duplicate_of: None,
                ..c.clone()
            })
            .collect();
        if ruled_out.is_empty() {
            return Ok(());
        }
        self.inner.store.upsert_customers(&ruled_out)?;
        tracing::info!(
            "{} possible-duplicate flags cleared: their emails or phones tell the two apart",
            ruled_out.len()
        );
        for c in ruled_out {
            existing.insert(c.key.clone(), c);
        }
        Ok(())
    }

    /// Deletes a transaction for good: later syncs leave it deleted (a tombstone) unless a full
    /// re-import is asked for.
    pub async fn delete_transaction(&self, key: &str) -> Result<bool, EngineError> {
        Ok(self.inner.store.delete_transaction(key)?)
    }
}
