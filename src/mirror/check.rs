//! `mirror check`: both sides compared table by table: the rows' count and a checksum of their
//! columns (the same text made by Rust from the hub's rows and by Postgres from its own), and
//! the keys that differ: missing in Postgres, there but not in the hub, or with other values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MirrorError;
use super::drain::Mirror;
use super::tables::{Found, Reading, spec};
use crate::store::outbox::MirroredTable;

/// How many keys of each kind a report names (the counts are whole).
pub const KEYS_NAMED: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableCheck {
    pub table: String,
    pub hub_rows: u64,
    pub postgres_rows: u64,
    pub hub_checksum: String,
    pub postgres_checksum: String,
    pub missing: u64,
    pub extra: u64,
    pub differing: u64,
    /// A few of each, to look at.
    pub missing_keys: Vec<String>,
    pub extra_keys: Vec<String>,
    pub differing_keys: Vec<String>,
}

impl TableCheck {
    pub fn in_step(&self) -> bool {
        self.missing == 0 && self.extra == 0 && self.differing == 0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub target: String,
    pub tables: Vec<TableCheck>,
    /// Rows sent first, so the comparison is of what the hub holds now.
    pub sent_first: u64,
}

impl CheckReport {
    pub fn in_step(&self) -> bool {
        self.tables.iter().all(TableCheck::in_step)
    }
}

impl Mirror<'_> {
    /// Sends what waits, then compares every table.
    pub async fn check(&mut self) -> Result<CheckReport, MirrorError> {
        let sent_first = self.drain().await?;
        let mut tables = Vec::new();
        for table in MirroredTable::ALL {
            let hub = hub_digests(&self.reading(), table)?;
            let postgres = self.postgres_digests(table).await?;
            tables.push(compare(table, &hub, &postgres));
        }
        Ok(CheckReport {
            target: self.described().to_string(),
            tables,
            sent_first,
        })
    }
}

fn hub_digests(
    reading: &Reading<'_>,
    table: MirroredTable,
) -> Result<BTreeMap<String, String>, MirrorError> {
    let mut digests = BTreeMap::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let keys = reading
            .store
            .mirror_keys_after(table, after.as_deref(), 5000)?;
        let Some(last) = keys.last().cloned() else {
            break;
        };
        for key in &keys {
            if let Found::Row(row) = reading.read(table, key)? {
                digests.insert(row.key(), row.digest());
            }
        }
        after = Some(last);
    }
    Ok(digests)
}

fn compare(
    table: MirroredTable,
    hub: &BTreeMap<String, String>,
    postgres: &BTreeMap<String, String>,
) -> TableCheck {
    let mut check = TableCheck {
        table: table.name().to_string(),
        hub_rows: hub.len() as u64,
        postgres_rows: postgres.len() as u64,
        hub_checksum: checksum(hub),
        postgres_checksum: checksum(postgres),
        ..TableCheck::default()
    };
    for (key, digest) in hub {
        match postgres.get(key) {
            None => {
                check.missing += 1;
                name(&mut check.missing_keys, key);
            }
            Some(there) if there != digest => {
                check.differing += 1;
                name(&mut check.differing_keys, key);
            }
            Some(_) => {}
        }
    }
    for key in postgres.keys().filter(|k| !hub.contains_key(*k)) {
        check.extra += 1;
        name(&mut check.extra_keys, key);
    }
    check
}

fn name(keys: &mut Vec<String>, key: &str) {
    if keys.len() < KEYS_NAMED {
        keys.push(key.to_string());
    }
}

/// One checksum of a table: the rows' digests in key order, hashed; 16 hex digits shown.
fn checksum(digests: &BTreeMap<String, String>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (key, digest) in digests {
        hasher.update(key.as_bytes());
        hasher.update(b"\0");
        hasher.update(digest.as_bytes());
        hasher.update(b"\n");
    }
    crate::store::seal::to_hex(&hasher.finalize()[..8])
}

impl Mirror<'_> {
    async fn postgres_digests(
        &self,
        table: MirroredTable,
    ) -> Result<BTreeMap<String, String>, MirrorError> {
        let studio_id = self.reading().studio_id;
        let rows = self
            .client()
            .query(&spec(table).digest_sql(), &[&studio_id])
            .await
            .map_err(|e| MirrorError::Refused {
                target: self.described().to_string(),
                reason: super::connect::say(&e),
            })?;
        Ok(rows
            .iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, String>(1)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_names_what_differs() {
        let hub: BTreeMap<String, String> = [("a", "1"), ("b", "2"), ("c", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let postgres: BTreeMap<String, String> = [("a", "1"), ("b", "9"), ("d", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let check = compare(MirroredTable::Transactions, &hub, &postgres);
        assert_eq!((check.missing, check.extra, check.differing), (1, 1, 1));
        assert_eq!(check.missing_keys, ["c"]);
        assert_eq!(check.extra_keys, ["d"]);
        assert_eq!(check.differing_keys, ["b"]);
        assert_ne!(check.hub_checksum, check.postgres_checksum);
        assert!(!check.in_step());
        let same = compare(MirroredTable::Transactions, &hub, &hub);
        assert!(same.in_step());
        assert_eq!(same.hub_checksum, same.postgres_checksum);
    }
}
