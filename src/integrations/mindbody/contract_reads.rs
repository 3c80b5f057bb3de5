//! Reading the members' contracts into expected inflows, within a daily share of the API calls.
//!
//! Which clients hold a contract is known without asking Mindbody client by client: a sale whose
//! item carries a `ContractId` is a contract sold or an autopay charged, so the synced sales
//! name the members (`note_contract_sales`, from the sync). Mindbody has no list of the clients
//! with a contract that also gives their autopay schedules (`client/activeclientsmemberships`
//! lists memberships, not contracts, and still takes client ids), so this is the cheapest way.
//! A client counts as a member while it has a contract sale in the last [`MEMBER_WITHIN_DAYS`]
//! (two billing months: a member whose last autopay failed is still one), or once a
//! `clientContract.*` webhook names it.
//!
//! A member's contracts are read again when a webhook or a newer contract sale says they
//! changed, otherwise at most weekly; never past `[mindbody] contracts_daily_calls` calls a day
//! (counted in the day's call counters too). A refresh with nothing changed makes no call.

use std::sync::Arc;

use chrono::{DateTime, Duration, Local, NaiveDate, Utc};

use super::call_counters::contract_calls_key;
use super::contracts::ClientContract;
use super::mapping::{CURRENCY, client_key};
use super::sync_calls::RunCalls;
use super::types::Sale;
use crate::api::cashflow::{ContractsPlan, ContractsReport};
use crate::books::AccountKey;
use crate::books::account_key::of_site;
use crate::domain::Provider;
use crate::engine::host::{Core, EngineError};
use crate::engine::jobs::Slot;
use crate::store::expected_inflows::{ContractClient, ExpectedInflow};

/// One read of the contracts at a time.
const CONTRACTS: Slot = Slot::of(Provider::Mindbody, "contracts");

/// How long after its last contract sale a client still counts as a member.
pub const MEMBER_WITHIN_DAYS: i64 = 62;

/// How long a read of a member's contracts is trusted when nothing says they changed.
pub fn reread_after() -> Duration {
    Duration::days(7)
}

/// Whether the hub takes `client` to hold a contract on `today`.
fn is_member(client: &ContractClient, today: NaiveDate) -> bool {
    match client.last_contract_sale {
        Some(last) => last.date() >= today - Duration::days(MEMBER_WITHIN_DAYS),
        // Only a webhook names a client with no contract sale.
        None => client.changed_at.is_some(),
    }
}

/// Whether a member's contracts are due a read at `now`.
fn is_due(client: &ContractClient, now: DateTime<Utc>) -> bool {
    match client.read_at {
        None => true,
        Some(read) => client.changed_at.is_some_and(|c| c > read) || now - read >= reread_after(),
    }
}

/// A contract's upcoming autopays as expected inflows.
fn inflows_of(
    site: &AccountKey,
    client: &str,
    contract: &ClientContract,
    read_at: DateTime<Utc>,
) -> Vec<ExpectedInflow> {
    let key = contract_key(site, contract.id);
    contract
        .upcoming
        .iter()
        .map(|autopay| ExpectedInflow {
            contract: key.clone(),
            contract_name: crate::text::one_line_within(
                contract.name.as_deref().unwrap_or("contract"),
                80,
            ),
            client: client.to_string(),
            date: autopay.scheduled,
            // In the currency's minor digits, as every amount in the books.
            amount: {
                let mut amount = autopay.charge;
                amount.rescale(crate::books::currency::minor_digits(CURRENCY));
                amount
            },
            currency: CURRENCY.into(),
            payment_method: crate::text::one_line_within(
                autopay.payment_method.as_deref().unwrap_or("Other"),
                32,
            ),
            status: crate::text::one_line_within(
                contract.autopay_status.as_deref().unwrap_or("Active"),
                32,
            ),
            read_at,
        })
        .collect()
}

pub fn contract_key(site: &AccountKey, client_contract_id: i64) -> String {
    site.key(&format!("contract:{client_contract_id}"))
}

impl Core {
    /// Notes the contract sales among synced sales (see the module comment).
    pub(crate) fn note_contract_sales(
        &self,
        site: &AccountKey,
        sales: &[Sale],
    ) -> Result<(), EngineError> {
        let contract_sales: Vec<_> = sales
            .iter()
            .filter(|sale| sale.purchased_items.iter().any(|i| i.contract_id.is_some()))
            .filter_map(|sale| {
                let id = sale.client_id.as_deref().filter(|c| !c.trim().is_empty())?;
                Some((client_key(site, id), id.to_string(), sale.sale_date_time))
            })
            .collect();
        Ok(self
            .inner
            .store
            .note_contract_sales(&contract_sales, Utc::now())?)
    }

    /// Notes a `clientContract.*` webhook: the client's contracts are read again.
    pub(crate) fn note_contract_changed(
        &self,
        site: &AccountKey,
        client_id: &str,
    ) -> Result<(), EngineError> {
        Ok(self.inner.store.note_contract_changed(
            &client_key(site, client_id),
            client_id,
            Utc::now(),
        )?)
    }

    /// The members due a read now, and the plan (its cost in calls) it makes.
    fn contracts_due(&self) -> Result<(Vec<ContractClient>, ContractsPlan), EngineError> {
        let now = Utc::now();
        let today = Local::now().date_naive();
        // Each site of a chain reads its own members' contracts, at its own site.
        let site = self.mindbody_account().ok();
        let clients: Vec<ContractClient> = self
            .inner
            .store
            .contract_clients()?
            .into_iter()
            .filter(|c| {
                site.as_ref()
                    .is_none_or(|s| of_site(Some(s.account()), &c.key))
            })
            .collect();
        let first_read = clients.iter().all(|c| c.read_at.is_none());
        let members: Vec<ContractClient> = clients
            .into_iter()
            .filter(|c| is_member(c, today))
            .collect();
        let plan_members = members.len() as u64;
        let due: Vec<ContractClient> = members.into_iter().filter(|c| is_due(c, now)).collect();
        let plan = ContractsPlan {
            clients_with_contracts: plan_members,
            clients_due: due.len() as u64,
            first_read,
            calls_today: self
                .inner
                .store
                .counter(&contract_calls_key(&self.mindbody_id(), today))?,
            daily_limit: self.inner.config.mindbody.contracts_daily_calls(),
        };
        Ok((due, plan))
    }

    pub fn expected_inflows(&self) -> Result<Vec<ExpectedInflow>, EngineError> {
        Ok(self.inner.store.expected_inflows()?)
    }

    pub fn contracts_plan(&self) -> Result<ContractsPlan, EngineError> {
        Ok(self.contracts_due()?.1)
    }

    /// Reads the contracts of the members due a read, within the day's share of calls, into
    /// expected inflows. The first full read must be asked for (`first_read_agreed`), since
    /// its cost is a call per member.
    pub async fn refresh_contracts(
        &self,
        first_read_agreed: bool,
    ) -> Result<ContractsReport, EngineError> {
        let Some(_claim) = self.inner.jobs.claim(self.site_slot(CONTRACTS)) else {
            return Err(EngineError::Busy(
                "the members' contracts are being read already".into(),
            ));
        };
        let (due, plan) = self.contracts_due()?;
        if plan.first_read && !first_read_agreed && plan.clients_due > 0 {
            return Err(EngineError::Invalid(format!(
                "the first read of the members' contracts costs about {} Mindbody calls (one per member): agree to it first",
                plan.clients_due
            )));
        }
        let mut report = ContractsReport::default();
        if due.is_empty() {
            return Ok(report);
        }
        self.ready_to_sync()?;
        let site = self.mindbody_account()?;
        let token = self.mindbody_access_token().await?;
        let run = Arc::new(RunCalls::default());
        let client = self.counting_client(run.clone())?;
        let store = &self.inner.store;
        for member in due {
            let today = Local::now().date_naive();
            if store.counter(&contract_calls_key(&self.mindbody_id(), today))? >= plan.daily_limit {
                report.deferred += 1;
                continue;
            }
            let before = run.answered();
            let read = client.client_contracts(&token, &member.client_id).await;
            let spent = run.answered() - before;
            for _ in 0..spent {
                store.increment(&contract_calls_key(&self.mindbody_id(), today))?;
            }
            report.calls += spent;
            match read {
                Ok(contracts) => {
                    let read_at = Utc::now();
                    let inflows: Vec<ExpectedInflow> = contracts
                        .iter()
                        .flat_map(|c| inflows_of(&site, &member.key, c, read_at))
                        .collect();
                    let keys = contracts
                        .iter()
                        .map(|c| contract_key(&site, c.id))
                        .collect();
                    store.replace_client_inflows(
                        &member.key,
                        &member.client_id,
                        keys,
                        &inflows,
                        read_at,
                    )?;
                    report.clients_read += 1;
                    report.inflows += inflows.len() as u64;
                }
                Err(error) => {
                    let error = EngineError::Mindbody { error };
                    // A refused sign-in or a used-up allowance meets every next client too.
                    if error.ends_the_sync() {
                        return Err(error);
                    }
                    report.failed += 1;
                    report.last_error = Some(error.to_string());
                }
            }
        }
        Ok(report)
    }

    /// The hourly beat's part: once the first full read was agreed to, reads what is due.
    pub(crate) async fn refresh_contracts_when_due(&self) {
        match self.contracts_plan() {
            Ok(plan) if !plan.first_read && plan.calls_now() > 0 => {
                if let Err(e) = self.refresh_contracts(false).await {
                    tracing::warn!("reading the members' contracts: {e}");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("planning the members' contracts: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(sale_days_ago: Option<i64>, read_days_ago: Option<i64>) -> ContractClient {
        let now = Utc::now();
        ContractClient {
            key: "mindbody@-99:client:1".into(),
            client_id: "1".into(),
            last_contract_sale: sale_days_ago
                .map(|d| Local::now().naive_local() - Duration::days(d)),
            changed_at: None,
            read_at: read_days_ago.map(|d| now - Duration::days(d)),
            contracts: Vec::new(),
        }
    }

    #[test]
    fn a_member_is_read_when_never_read_changed_or_a_week_old() {
        let now = Utc::now();
        assert!(is_due(&member(Some(3), None), now));
        assert!(!is_due(&member(Some(3), Some(2)), now));
        assert!(is_due(&member(Some(3), Some(8)), now));
        let mut changed = member(Some(3), Some(2));
        changed.changed_at = Some(now);
        assert!(is_due(&changed, now));
    }

    #[test]
    fn a_member_is_one_with_a_recent_contract_sale_or_a_webhook() {
        let today = Local::now().date_naive();
        assert!(is_member(&member(Some(40), None), today));
        assert!(!is_member(&member(Some(90), None), today));
        assert!(!is_member(&member(None, None), today));
        let mut told = member(None, None);
        told.changed_at = Some(Utc::now());
        assert!(is_member(&told, today));
    }
}
