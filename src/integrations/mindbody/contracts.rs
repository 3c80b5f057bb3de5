//! `GET client/clientcontracts`: one client's contracts and their upcoming autopays. Mindbody
//! takes one client per call and bills calls, so the hub asks only for the clients it knows to
//! hold a contract (`contract_reads.rs` says which and when). Money becomes `Decimal` here, at
//! the boundary; the paging is bounded ([`MOST_PAGES`]).

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use super::client::{MindbodyClient, MindbodyError};
use super::types::{PaginationResponse, decimal, null_as_empty};
use crate::secret::Secret;

/// A client holds a handful of contracts; past this many pages the reply is not believed.
pub const MOST_PAGES: u64 = 5;
/// Contracts asked for per page (Mindbody's default is 100).
const CONTRACTS_PER_PAGE: u64 = 100;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClientContractsPage {
    #[serde(rename = "PaginationResponse", default)]
    pub pagination: PaginationResponse,
    #[serde(rename = "Contracts", default, deserialize_with = "null_as_empty")]
    pub contracts: Vec<ClientContract>,
}

/// A client's contract (`ClientContract`), with what the books use of it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClientContract {
    /// The sale of the contract (`ClientContract.Id`): the contract as this client holds it.
    #[serde(rename = "Id")]
    pub id: i64,
    #[serde(rename = "ContractID", default)]
    pub contract_id: Option<i64>,
    #[serde(rename = "ContractName", default)]
    pub name: Option<String>,
    /// `Active`, `Inactive` or `Suspended` (kept as said, for a value Mindbody adds later).
    #[serde(rename = "AutopayStatus", default)]
    pub autopay_status: Option<String>,
    #[serde(rename = "TerminationDate", default, deserialize_with = "lenient_time")]
    pub termination_date: Option<NaiveDateTime>,
    #[serde(
        rename = "UpcomingAutopayEvents",
        default,
        deserialize_with = "null_as_empty"
    )]
    pub upcoming: Vec<UpcomingAutopay>,
}

/// One scheduled autopay (`UpcomingAutopayEvent`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpcomingAutopay {
    #[serde(rename = "ChargeAmount", default, deserialize_with = "decimal")]
    pub charge: Decimal,
    /// `CreditCard`, `DebitAccount`, `ACH` or `Other`.
    #[serde(rename = "PaymentMethod", default)]
    pub payment_method: Option<String>,
    #[serde(rename = "ScheduleDate", deserialize_with = "required_time")]
    pub scheduled: NaiveDateTime,
}

/// A time as Mindbody writes it: studio-local, with or without a fraction and a `Z`.
fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let trimmed = text.trim().trim_end_matches('Z');
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M"))
        .ok()
}

fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => parse_time(&text)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a date and time"))),
    }
}

fn required_time<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    lenient_time(d)?.ok_or_else(|| serde::de::Error::custom("the date is missing"))
}

impl ClientContract {
    /// Whether its autopays are expected to be charged (not suspended, not stopped).
    pub fn autopay_active(&self) -> bool {
        self.autopay_status
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("Active"))
    }
}

impl MindbodyClient {
    /// One page of a client's contracts.
    pub async fn client_contracts_page(
        &self,
        access_token: &Secret,
        client_id: &str,
        offset: u64,
    ) -> Result<ClientContractsPage, MindbodyError> {
        let query = [
            ("ClientId", client_id.to_string()),
            ("Limit", CONTRACTS_PER_PAGE.to_string()),
            ("Offset", offset.to_string()),
        ];
        self.get("client/clientcontracts", &query, access_token)
            .await
    }

    /// Every contract of a client: pages until the total is reached, an empty page comes, or
    /// [`MOST_PAGES`] were read.
    pub async fn client_contracts(
        &self,
        access_token: &Secret,
        client_id: &str,
    ) -> Result<Vec<ClientContract>, MindbodyError> {
        let mut contracts = Vec::new();
        for _ in 0..MOST_PAGES {
            let page = self
                .client_contracts_page(access_token, client_id, contracts.len() as u64)
                .await?;
            let got = page.contracts.len();
            contracts.extend(page.contracts);
            if got == 0 || contracts.len() as u64 >= page.pagination.total_results {
                break;
            }
        }
        Ok(contracts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_contracts_page_reads_with_exact_money() {
        let page: ClientContractsPage = serde_json::from_str(include_str!(
            "../../../tests/fixtures/mindbody/client_contracts_page.json"
        ))
        .unwrap();
        assert_eq!(page.contracts.len(), 2);
        let first = &page.contracts[0];
        assert!(first.autopay_active());
        assert_eq!(first.upcoming.len(), 2);
        assert_eq!(first.upcoming[0].charge, Decimal::new(12900, 2));
        assert_eq!(first.upcoming[1].charge.to_string(), "49.99");
        assert_eq!(first.upcoming[1].payment_method.as_deref(), Some("ACH"));
        let second = &page.contracts[1];
        assert!(!second.autopay_active());
        assert!(second.upcoming.is_empty(), "null is no autopays");
        assert!(second.termination_date.is_some());
    }

    #[test]
    fn a_schedule_date_that_is_not_one_is_refused() {
        let bad = r#"{"Contracts":[{"Id":1,"UpcomingAutopayEvents":[{"ChargeAmount":1,"ScheduleDate":"soon"}]}]}"#;
        assert!(serde_json::from_str::<ClientContractsPage>(bad).is_err());
    }
}
