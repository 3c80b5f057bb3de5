//! Cash expected in (records database), two trees:
//! - `expected_inflows`: `{contract}\n{scheduled time}` → an [`ExpectedInflow`], a member's
//!   upcoming autopay as Mindbody last listed it;
//! - `contract_clients`: a client's key → [`ContractClient`], what the hub knows of a client
//!   holding a contract: its last contract sale, when a webhook or a sale said its contracts
//!   changed, when they were last read and which contracts that read found (so a new read
//!   replaces that client's inflows and nothing else).

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::{Store, StoreError, decode_value};

pub const INFLOWS: &str = "expected_inflows";
pub const CLIENTS: &str = "contract_clients";

/// One scheduled autopay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedInflow {
    /// The contract as the client holds it: `mindbody@5567:contract:60012`.
    pub contract: String,
    pub contract_name: String,
    /// The customer's key: `mindbody@5567:client:100000009`.
    pub client: String,
    pub date: NaiveDateTime,
    pub amount: Decimal,
    pub currency: String,
    /// As Mindbody says it: `CreditCard`, `ACH`, `DebitAccount`, `Other`.
    pub payment_method: String,
    /// The contract's `AutopayStatus`: `Active`, `Inactive`, `Suspended`.
    pub status: String,
    pub read_at: DateTime<Utc>,
}

impl Record for ExpectedInflow {
    const KIND: &'static str = "expected_inflow";
    const VERSION: u32 = 1;
}

impl ExpectedInflow {
    pub fn key(&self) -> String {
        inflow_key(&self.contract, self.date)
    }

    /// Whether it is expected to be charged (its contract's autopay is active).
    pub fn at_risk(&self) -> bool {
        !self.status.eq_ignore_ascii_case("Active")
    }
}

fn inflow_key(contract: &str, date: NaiveDateTime) -> String {
    format!("{contract}\n{}", date.format("%Y-%m-%dT%H:%M:%S"))
}

/// A client the hub knows holds (or held) a contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractClient {
    /// The customer's key.
    pub key: String,
    /// Mindbody's id of the client (what `clientcontracts` takes).
    pub client_id: String,
    /// The latest sale of a contract (an autopay or the contract's own sale) seen.
    pub last_contract_sale: Option<NaiveDateTime>,
    /// When a webhook or a newer contract sale said its contracts changed.
    pub changed_at: Option<DateTime<Utc>>,
    /// When its contracts were last read.
    pub read_at: Option<DateTime<Utc>>,
    /// The contracts that read found (their inflows are this client's).
    #[serde(default)]
    pub contracts: Vec<String>,
}

impl Record for ContractClient {
    const KIND: &'static str = "contract_client";
    const VERSION: u32 = 1;
}

impl ContractClient {
    fn new(key: &str, client_id: &str) -> ContractClient {
        ContractClient {
            key: key.to_string(),
            client_id: client_id.to_string(),
            last_contract_sale: None,
            changed_at: None,
            read_at: None,
            contracts: Vec::new(),
        }
    }
}

impl Store {
    fn inflow_trees(&self) -> Result<(sled::Tree, sled::Tree), StoreError> {
        let records = self.records()?;
        Ok((
            records.db.open_tree(INFLOWS)?,
            records.db.open_tree(CLIENTS)?,
        ))
    }

    fn contract_client(
        clients: &sled::Tree,
        key: &str,
    ) -> Result<Option<ContractClient>, StoreError> {
        clients
            .get(key.as_bytes())?
            .map(|v| decode_value(CLIENTS, key.as_bytes(), &v))
            .transpose()
    }

    /// Notes sales of contracts: (client key, client id, when). A sale newer than the last one
    /// seen of that client marks its contracts changed (an autopay went through, or a contract
    /// was sold).
    pub fn note_contract_sales(
        &self,
        sales: &[(String, String, NaiveDateTime)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if sales.is_empty() {
            return Ok(());
        }
        let (_, clients) = self.inflow_trees()?;
        for (key, client_id, at) in sales {
            let mut client = Self::contract_client(&clients, key)?
                .unwrap_or_else(|| ContractClient::new(key, client_id));
            if client.last_contract_sale.is_none_or(|last| *at > last) {
                client.last_contract_sale = Some(*at);
                client.changed_at = Some(now);
                clients.insert(key.as_bytes(), codec::encode(&client))?;
            }
        }
        Ok(())
    }

    /// Notes that a client's contracts changed (a `clientContract.*` webhook).
    pub fn note_contract_changed(
        &self,
        key: &str,
        client_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (_, clients) = self.inflow_trees()?;
        let mut client = Self::contract_client(&clients, key)?
            .unwrap_or_else(|| ContractClient::new(key, client_id));
        client.changed_at = Some(now);
        clients.insert(key.as_bytes(), codec::encode(&client))?;
        Ok(())
    }

    pub fn contract_clients(&self) -> Result<Vec<ContractClient>, StoreError> {
        let (_, clients) = self.inflow_trees()?;
        clients
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(CLIENTS, &k, &v)
            })
            .collect()
    }

    /// Replaces a client's expected inflows with what a read of its contracts found, and notes
    /// the read.
    pub fn replace_client_inflows(
        &self,
        key: &str,
        client_id: &str,
        contracts: Vec<String>,
        inflows: &[ExpectedInflow],
        read_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (tree, clients) = self.inflow_trees()?;
        let mut client = Self::contract_client(&clients, key)?
            .unwrap_or_else(|| ContractClient::new(key, client_id));
        let mut batch = sled::Batch::default();
        for contract in client.contracts.iter().chain(&contracts) {
            for old in tree.scan_prefix(format!("{contract}\n").as_bytes()) {
                batch.remove(old?.0);
            }
        }
        for inflow in inflows {
            batch.insert(inflow.key().as_bytes(), codec::encode(inflow));
        }
        tree.apply_batch(batch)?;
        client.contracts = contracts;
        client.read_at = Some(read_at);
        clients.insert(key.as_bytes(), codec::encode(&client))?;
        self.records()?.db.flush()?;
        Ok(())
    }

    /// Every expected inflow, by contract then date.
    pub fn expected_inflows(&self) -> Result<Vec<ExpectedInflow>, StoreError> {
        let (tree, _) = self.inflow_trees()?;
        tree.iter()
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(INFLOWS, &k, &v)
            })
            .collect()
    }
}
