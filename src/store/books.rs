//! The `customers` and `categories` trees (records database). A category record carries its
//! mapping to a financial class, so the mapping and the list of unmapped categories are one read.

use super::codec;
use super::outbox::MirroredTable;
use super::{Store, StoreError, decode_value};
use crate::books::AccountKey;
use crate::books::{Category, Customer, Transaction, Upserted};

pub const CUSTOMERS: &str = "customers";
pub const CATEGORIES: &str = "categories";

fn category_key(account: &AccountKey, id: i64) -> String {
    account.key(&format!("category:{id}"))
}

impl Store {
    /// Inserts or updates customers; equal ones are left alone.
    pub fn upsert_customers(&self, customers: &[Customer]) -> Result<Vec<Upserted>, StoreError> {
        let records = self.records()?;
        let mut batch = sled::Batch::default();
        let mut outcomes = Vec::with_capacity(customers.len());
        for c in customers {
            let key = c.key.as_bytes();
            let old: Option<Customer> = records
                .customers
                .get(key)?
                .map(|v| decode_value(CUSTOMERS, key, &v))
                .transpose()?;
            let outcome = match old {
                None => Upserted::New,
                Some(old) if old == *c => Upserted::Unchanged,
                Some(_) => Upserted::Updated,
            };
            if outcome != Upserted::Unchanged {
                batch.insert(key, codec::encode(c));
            }
            outcomes.push(outcome);
        }
        let changed = customers
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| **o != Upserted::Unchanged)
            .map(|(c, _)| c.key.as_bytes());
        let _noted = self.note_changes(MirroredTable::Customers, changed)?;
        records.customers.apply_batch(batch)?;
        records.db.flush()?;
        Ok(outcomes)
    }

    pub fn customer(&self, key: &str) -> Result<Option<Customer>, StoreError> {
        let records = self.records()?;
        records
            .customers
            .get(key.as_bytes())?
            .map(|v| decode_value(CUSTOMERS, key.as_bytes(), &v))
            .transpose()
    }

    pub fn delete_customer(&self, key: &str) -> Result<(), StoreError> {
        let records = self.records()?;
        let _noted = self.note_changes(MirroredTable::Customers, [key.as_bytes()])?;
        records.customers.remove(key.as_bytes())?;
        records.db.flush()?;
        Ok(())
    }

    /// Points every transaction of customer `from` at customer `to`.
    pub fn move_transactions(&self, from: &str, to: &str) -> Result<usize, StoreError> {
        let records = self.records()?;
        let mut moved = Vec::new();
        for entry in records.transactions.iter() {
            let (k, v) = entry?;
            let mut tx: Transaction = decode_value(super::transactions::TREE, &k, &v)?;
            if tx.customer.as_deref() == Some(from) {
                tx.customer = Some(to.to_string());
                moved.push(tx);
            }
        }
        let count = moved.len();
        self.upsert_transactions(&moved, false)?;
        Ok(count)
    }

    pub fn customers(&self) -> Result<Vec<Customer>, StoreError> {
        let records = self.records()?;
        records
            .customers
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(CUSTOMERS, &k, &v)
            })
            .collect()
    }

    /// Stores categories as the provider reports them, keeping each one's mapping.
    /// Upserts `account`'s categories (each site has its own, numbered from its own counter).
    pub fn upsert_categories(
        &self,
        account: &AccountKey,
        categories: &[Category],
    ) -> Result<Vec<Upserted>, StoreError> {
        let records = self.records()?;
        let mut outcomes = Vec::with_capacity(categories.len());
        let mut changed = Vec::new();
        let mut batch = sled::Batch::default();
        for c in categories {
            let key = category_key(account, c.id);
            let old: Option<Category> = records
                .categories
                .get(key.as_bytes())?
                .map(|v| decode_value(CATEGORIES, key.as_bytes(), &v))
                .transpose()?;
            let merged = Category {
                class: old.as_ref().and_then(|o| o.class.clone()),
                ..c.clone()
            };
            let outcome = match &old {
                None => Upserted::New,
                Some(old) if *old == merged => Upserted::Unchanged,
                Some(_) => Upserted::Updated,
            };
            if outcome != Upserted::Unchanged {
                batch.insert(key.as_bytes(), codec::encode(&merged));
                changed.push(key);
            }
            outcomes.push(outcome);
        }
        let _noted = self.note_changes(
            MirroredTable::FinancialClasses,
            changed.iter().map(|k| k.as_bytes()),
        )?;
        records.categories.apply_batch(batch)?;
        records.db.flush()?;
        Ok(outcomes)
    }

    /// One category by its key in the tree (`mindbody@5567:category:12`).
    pub fn category_by_key(&self, key: &str) -> Result<Option<Category>, StoreError> {
        let records = self.records()?;
        records
            .categories
            .get(key.as_bytes())?
            .map(|v| decode_value(CATEGORIES, key.as_bytes(), &v))
            .transpose()
    }

    pub fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let records = self.records()?;
        records
            .categories
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(CATEGORIES, &k, &v)
            })
            .collect()
    }

    /// Maps a category to a financial class (None unmaps it) and gives the class to every
    /// transaction already in that category. Returns how many transactions changed.
    /// The categories of one account (a sync maps its sales with its own site's).
    pub fn categories_of(&self, account: &AccountKey) -> Result<Vec<Category>, StoreError> {
        let records = self.records()?;
        records
            .categories
            .scan_prefix(account.prefix().as_bytes())
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(CATEGORIES, &k, &v)
            })
            .collect()
    }

    pub fn map_category(
        &self,
        account: &AccountKey,
        id: i64,
        class: Option<&str>,
    ) -> Result<usize, StoreError> {
        let records = self.records()?;
        let key = category_key(account, id);
        let Some(mut category) = records
            .categories
            .get(key.as_bytes())?
            .map(|v| decode_value::<Category>(CATEGORIES, key.as_bytes(), &v))
            .transpose()?
        else {
            return Err(StoreError::Missing {
                what: format!("category {id} of {}", account.provider().id()),
            });
        };
        category.class = class.map(str::to_string);
        {
            let _noted = self.note_changes(MirroredTable::FinancialClasses, [key.as_bytes()])?;
            records
                .categories
                .insert(key.as_bytes(), codec::encode(&category))?;
        }
        let mut changed = Vec::new();
        for entry in records
            .transactions
            .scan_prefix(account.prefix().as_bytes())
        {
            let (k, v) = entry?;
            let mut tx: Transaction = decode_value(super::transactions::TREE, &k, &v)?;
            if tx.category_id == Some(id) && tx.class.as_deref() != class {
                tx.class = class.map(str::to_string);
                changed.push(tx);
            }
        }
        let count = changed.len();
        self.upsert_transactions(&changed, false)?;
        records.db.flush()?;
        Ok(count)
    }

    /// Every category's name by its account (`mindbody@5567`) and id, for the reports' labels.
    pub fn category_names(
        &self,
    ) -> Result<std::collections::HashMap<(String, i64), String>, StoreError> {
        let records = self.records()?;
        let mut names = std::collections::HashMap::new();
        for entry in records.categories.iter() {
            let (k, v) = entry?;
            let category: Category = decode_value(CATEGORIES, &k, &v)?;
            let key = String::from_utf8_lossy(&k);
            let account = key.split_once(':').map_or(&*key, |(account, _)| account);
            names.insert((account.to_string(), category.id), category.name);
        }
        Ok(names)
    }

    /// Every transaction of one sale (`mindbody:sale:{SaleId}:`), to record its settlement.
    pub fn transactions_with_prefix(&self, prefix: &str) -> Result<Vec<Transaction>, StoreError> {
        let records = self.records()?;
        records
            .transactions
            .scan_prefix(prefix.as_bytes())
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(super::transactions::TREE, &k, &v)
            })
            .collect()
    }
}
