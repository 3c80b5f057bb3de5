//! The `budgets` tree (records database): a month's revenue target per financial class, keyed
//! `{YYYY-MM}\n{class}` so a month's budgets are one prefix scan.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::{Store, StoreError, decode_value};

pub const TREE: &str = "budgets";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// The month's first day.
    pub month: NaiveDate,
    /// The financial class, as the studio writes it.
    pub class: String,
    pub amount: Decimal,
    pub currency: String,
    pub set_at: DateTime<Utc>,
}

impl Record for Budget {
    const KIND: &'static str = "budget";
    const VERSION: u32 = 1;
}

fn month_prefix(month: NaiveDate) -> String {
    format!("{}\n", month.format("%Y-%m"))
}

fn budget_key(month: NaiveDate, class: &str) -> String {
    // Case aside, a class is one class.
    format!("{}{}", month_prefix(month), class.to_lowercase())
}

impl Store {
    fn budgets_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.records()?.db.open_tree(TREE)?)
    }

    /// Sets a class's budget for its month, replacing what was set.
    pub fn set_budget(&self, budget: &Budget) -> Result<(), StoreError> {
        let tree = self.budgets_tree()?;
        tree.insert(
            budget_key(budget.month, &budget.class).as_bytes(),
            codec::encode(budget),
        )?;
        self.records()?.db.flush()?;
        Ok(())
    }

    /// The month's budgets, by class.
    pub fn budgets(&self, month: NaiveDate) -> Result<Vec<Budget>, StoreError> {
        let tree = self.budgets_tree()?;
        tree.scan_prefix(month_prefix(month).as_bytes())
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(TREE, &k, &v)
            })
            .collect()
    }

    /// Clears the month's budget of `class`, or all of the month's; how many went.
    pub fn clear_budgets(
        &self,
        month: NaiveDate,
        class: Option<&str>,
    ) -> Result<usize, StoreError> {
        let tree = self.budgets_tree()?;
        let keys: Vec<sled::IVec> = match class {
            Some(class) => {
                let key = budget_key(month, class);
                tree.get(key.as_bytes())?
                    .map(|_| sled::IVec::from(key.as_bytes()))
                    .into_iter()
                    .collect()
            }
            None => tree
                .scan_prefix(month_prefix(month).as_bytes())
                .keys()
                .collect::<Result<_, _>>()?,
        };
        let mut batch = sled::Batch::default();
        for key in &keys {
            batch.remove(key.clone());
        }
        tree.apply_batch(batch)?;
        self.records()?.db.flush()?;
        Ok(keys.len())
    }
}
