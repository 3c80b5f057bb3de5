//! The names of an account's locations (Mindbody's `site/locations`), kept in the hub's `meta`
//! as `{account}.locations` (`mindbody@5567.locations`) with when they were read. The daily
//! totals and the transactions keep only a location's id; a report names it by these.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationNames {
    pub read_at: DateTime<Utc>,
    /// Location id → name.
    pub names: BTreeMap<i64, String>,
}

fn meta_name(account: &str) -> String {
    format!("{account}.locations")
}

impl Store {
    /// Keeps `account`'s location names (`mindbody@5567`), replacing the ones read before.
    pub fn put_location_names(
        &self,
        account: &str,
        names: &LocationNames,
    ) -> Result<(), StoreError> {
        self.put_meta_json(&meta_name(account), names)
    }

    /// `account`'s location names, None when they were never read.
    pub fn location_names(&self, account: &str) -> Result<Option<LocationNames>, StoreError> {
        self.meta_json(&meta_name(account))
    }

    /// The names of these accounts' locations, by (account, id).
    pub fn location_names_of<'a>(
        &self,
        accounts: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<(String, i64), String>, StoreError> {
        let mut out = HashMap::new();
        for account in accounts {
            if let Some(kept) = self.location_names(account)? {
                for (id, name) in kept.names {
                    out.insert((account.to_string(), id), name);
                }
            }
        }
        Ok(out)
    }
}
