//! The studio's members and their contracts, as `client/clientcontracts` lists them, consistent
//! with its sales: member `k` (client `100000000 + k`, for `k` below [`Studio::members`]) holds
//! one monthly contract whose autopay runs on its billing day; every autopay due by the studio's
//! present is a sale on that day (with the contract's `ContractId` on its item), except those
//! that failed; the next [`UPCOMING`] are the contract's `UpcomingAutopayEvents`.
//!
//! Some go wrong, by the member's number: one in ten is `Suspended` ten days before the present
//! (nothing charged since), one in ten had its last autopay fail and was made `Inactive` (the
//! failed autopay is no sale). A contract cancelled between syncs ([`Studio::cancel_contract`])
//! has a `TerminationDate`, no upcoming autopays, and sells nothing after.
//!
//! Not modelled: the autopays' card transactions (`sale/transactions`) and their deposits in the
//! sandbox's bank statement.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Studio, number, page_of};

/// (contract id, name, monthly charge in cents at the first site: the others charge their own
/// prices, `StudioSite::price`)
const PLANS: [(i64, &str, i64); 2] = [
    (77, "Unlimited Monthly", 12_900),
    (78, "8 Classes Monthly", 8_900),
];

/// The product an autopay sells (the membership).
const MEMBERSHIP_PRODUCT: i64 = 1201;
const MEMBERSHIP_CATEGORY: i64 = 21;

/// How many upcoming autopays a contract lists.
pub const UPCOMING: usize = 4;

/// What `AutopayStatus` says of a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutopayStatus {
    Active,
    Inactive,
    Suspended,
}

impl AutopayStatus {
    pub fn name(self) -> &'static str {
        match self {
            AutopayStatus::Active => "Active",
            AutopayStatus::Inactive => "Inactive",
            AutopayStatus::Suspended => "Suspended",
        }
    }
}

/// One member's contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub member: u64,
    /// The client's id (`ClientId`).
    pub client_id: String,
    /// The sale of the contract (`ClientContract.Id`).
    pub client_contract_id: i64,
    /// The contract (`ContractID`, and `ContractId` on the sales it makes).
    pub contract_id: i64,
    pub name: &'static str,
    pub charge: Decimal,
    /// `CreditCard` or `ACH` (Mindbody's `PaymentMethodEnum`).
    pub payment_method: &'static str,
    pub billing_day: u32,
    pub agreement: NaiveDate,
    pub status: AutopayStatus,
    /// From when nothing more is charged (suspended or cancelled).
    pub stopped_at: Option<NaiveDateTime>,
    pub terminated_at: Option<NaiveDateTime>,
    /// The last autopay due failed (the contract went `Inactive`).
    pub last_failed: bool,
}

fn mix(n: u64, salt: u64) -> u64 {
    super::cards::mix(n, salt)
}

/// The first day of the month `months` after `day`'s.
fn month_start(day: NaiveDate, months: u32) -> Option<NaiveDate> {
    let index = day.year() * 12 + day.month0() as i32 + months as i32;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
}

impl Studio {
    /// Member `k`'s contract (None past the studio's members).
    pub fn membership(&self, k: u64) -> Option<Membership> {
        if k >= self.members.min(self.clients) {
            return None;
        }
        // Another site's member k holds another plan, billed on another day.
        let seed = self.site.seed;
        let (contract_id, name, cents) = PLANS[(k + seed).is_multiple_of(3) as usize];
        let cancelled = self.cancelled_contracts.get(&k).copied();
        let suspended_at = (k % 10 == 7).then(|| self.now - Duration::days(10));
        let last_failed = k % 10 == 9 && cancelled.is_none();
        let status = if cancelled.is_some() || last_failed {
            AutopayStatus::Inactive
        } else if suspended_at.is_some() {
            AutopayStatus::Suspended
        } else {
            AutopayStatus::Active
        };
        Some(Membership {
            member: k,
            client_id: (100_000_000 + k).to_string(),
            client_contract_id: 60_000 + k as i64,
            contract_id,
            name,
            charge: self.site.price(cents),
            payment_method: if k % 4 == 3 { "ACH" } else { "CreditCard" },
            billing_day: 1 + (mix(k, 0xb111 + seed) % 28) as u32,
            // Signed a few months before the studio's first sale.
            agreement: (self.first_sale - Duration::days(90 + (k % 60) as i64)).date(),
            status,
            stopped_at: cancelled.or(suspended_at),
            terminated_at: cancelled,
            last_failed,
        })
    }

    /// Makes member `k`'s contract cancelled from `at`: it charges nothing more.
    pub fn cancel_contract(&mut self, k: u64, at: NaiveDateTime) -> Option<Membership> {
        self.membership(k)?;
        self.cancelled_contracts.insert(k, at);
        self.membership(k)
    }

    /// Every member's contract.
    pub fn memberships(&self) -> impl Iterator<Item = Membership> + '_ {
        (0..self.members.min(self.clients)).filter_map(|k| self.membership(k))
    }
}

impl Membership {
    /// Its billing dates from its agreement on, each at the autopay run's time (early morning,
    /// a second apart per member, so no two autopay sales share a time).
    fn billing_dates(&self) -> impl Iterator<Item = (u32, NaiveDateTime)> + '_ {
        let at = NaiveTime::from_hms_opt(5, 0, 0).unwrap_or(NaiveTime::MIN)
            + Duration::seconds((self.member % 3_600) as i64);
        (1u32..).map_while(move |m| {
            let first = month_start(self.agreement, m)?;
            let day = first.with_day(self.billing_day)?;
            Some((m, day.and_time(at)))
        })
    }

    /// Whether the autopay due at `at` is charged (and so a sale), as of the studio's `now`.
    fn charged(&self, at: NaiveDateTime, now: NaiveDateTime) -> bool {
        if at > now || self.stopped_at.is_some_and(|stop| at >= stop) {
            return false;
        }
        // The last one due failed.
        !(self.last_failed && self.next_due_after(at) > now)
    }

    fn next_due_after(&self, at: NaiveDateTime) -> NaiveDateTime {
        self.billing_dates()
            .map(|(_, d)| d)
            .find(|d| *d > at)
            .unwrap_or(NaiveDateTime::MAX)
    }

    /// The autopays charged in [start, end] as of `now`: (month number, when).
    pub fn charges_between(
        &self,
        start: NaiveDateTime,
        end: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Vec<(u32, NaiveDateTime)> {
        self.billing_dates()
            .take_while(|(_, at)| *at <= end)
            .filter(|(_, at)| *at >= start && self.charged(*at, now))
            .collect()
    }

    /// The next autopays after `now`; none once terminated.
    pub fn upcoming(&self, now: NaiveDateTime) -> Vec<NaiveDateTime> {
        if self.terminated_at.is_some() {
            return Vec::new();
        }
        self.billing_dates()
            .map(|(_, at)| at)
            .filter(|at| *at > now)
            .take(UPCOMING)
            .collect()
    }

    /// The id of the sale its autopay of month `m` made.
    pub fn sale_id(&self, m: u32) -> i64 {
        700_000_000 + self.member as i64 * 1_000 + m as i64
    }

    /// The autopay of month `m`, at `at`, as `GET sale/sales` shows it.
    pub fn sale(&self, m: u32, at: NaiveDateTime) -> Value {
        let id = self.sale_id(m);
        json!({
            "Id": id,
            "SaleDate": at.format("%Y-%m-%dT00:00:00").to_string(),
            "SaleTime": at.format("%H:%M:%S").to_string(),
            "SaleDateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "OriginalSaleDateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "SalesRepId": null,
            "ClientId": self.client_id,
            "RecipientClientId": null,
            "PurchasedItems": [{
                "SaleDetailId": id * 10,
                "Id": MEMBERSHIP_PRODUCT,
                "IsService": true,
                "BarcodeId": MEMBERSHIP_PRODUCT.to_string(),
                "Description": self.name,
                "ContractId": self.contract_id,
                "CategoryId": MEMBERSHIP_CATEGORY,
                "SubCategoryId": 0,
                "UnitPrice": number(self.charge),
                "Quantity": 1,
                "DiscountPercent": 0,
                "DiscountAmount": 0,
                "Tax1": 0,
                "TaxAmount": 0,
                "TotalAmount": number(self.charge),
                "Notes": null,
                "Returned": false,
                "PaymentRefId": id
            }],
            "LocationId": 1,
            "Payments": [{"Id": id, "Amount": number(self.charge), "Method": if self.payment_method == "ACH" { 18 } else { 17 }, "Type": self.payment_method, "Notes": "Autopay", "TransactionId": null}]
        })
    }

    /// As `client/clientcontracts` shows it, as of `now`.
    pub fn contract(&self, now: NaiveDateTime) -> Value {
        let stamp = |d: NaiveDateTime| d.format("%Y-%m-%dT%H:%M:%S").to_string();
        let upcoming: Vec<Value> = self
            .upcoming(now)
            .into_iter()
            .map(|at| {
                json!({
                    "ClientContractId": self.client_contract_id,
                    "ChargeAmount": number(self.charge),
                    "Subtotal": number(self.charge),
                    "Tax": 0,
                    "PaymentMethod": self.payment_method,
                    "ScheduleDate": stamp(at),
                    "ProductId": MEMBERSHIP_PRODUCT
                })
            })
            .collect();
        let agreement = self.agreement.and_time(NaiveTime::MIN);
        json!({
            "PayerClientId": self.client_id.parse::<i64>().unwrap_or_default(),
            "AgreementDate": stamp(agreement),
            "AutopayStatus": self.status.name(),
            "AutoRenewing": true,
            "FirstAutoPay": number(self.charge),
            "LastAutoPay": number(self.charge),
            "NormalAutoPay": number(self.charge),
            "IsMonthToMonth": true,
            "ContractText": null,
            "ContractAutoRenewed": false,
            "ContractName": self.name,
            "EndDate": self.terminated_at.map(stamp),
            "Id": self.client_contract_id,
            "OriginationLocationId": 1,
            "StartDate": stamp(agreement),
            "SiteId": -99,
            "UpcomingAutopayEvents": upcoming,
            "ContractID": self.contract_id,
            "TerminationDate": self.terminated_at.map(stamp),
            "MinimumCommitmentValue": 0,
            "MinimumCommitmentUnit": null,
            "MinimumCommitmentEndDate": null
        })
    }
}

impl Studio {
    /// The autopay sales made in [start, end], member by member: (member, month, when).
    pub(super) fn autopays_between(
        &self,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> Vec<(u64, u32, NaiveDateTime)> {
        self.memberships()
            .flat_map(|m| {
                m.charges_between(start, end, self.now)
                    .into_iter()
                    .map(move |(month, at)| (m.member, month, at))
            })
            .collect()
    }

    /// `client/clientcontracts` for the client `client_id`: None when no such client.
    pub fn client_contracts_page(
        &self,
        client_id: &str,
        offset: usize,
        limit: usize,
    ) -> Option<(Vec<Value>, usize)> {
        let n: u64 = client_id.trim().parse().ok()?;
        let k = n.checked_sub(100_000_000).filter(|k| *k < self.clients)?;
        let contracts: Vec<Value> = self
            .membership(k)
            .map(|m| m.contract(self.now))
            .into_iter()
            .collect();
        Some(page_of(contracts.len(), offset, limit, |i| {
            contracts[i].clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn studio() -> Studio {
        let anchor =
            NaiveDateTime::parse_from_str("2026-11-25T12:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
        let mut studio = Studio::new(500, 40, anchor, 90);
        studio.members = 20;
        studio
    }

    #[test]
    fn autopays_charged_are_sales_and_the_next_are_upcoming() {
        let studio = studio();
        let member = studio.membership(0).unwrap();
        assert_eq!(member.status, AutopayStatus::Active);
        let charged = member.charges_between(studio.first_sale, studio.now, studio.now);
        assert!(charged.len() >= 2, "{charged:?}");
        let upcoming = member.upcoming(studio.now);
        assert_eq!(upcoming.len(), UPCOMING);
        assert!(upcoming[0] > studio.now && charged.last().unwrap().1 <= studio.now);
        // A month apart, on the billing day.
        assert!(upcoming.iter().all(|d| d.day() == member.billing_day));
        let sales = studio.sales_between(studio.first_sale, studio.now);
        let ids: Vec<i64> = sales.iter().map(|s| s["Id"].as_i64().unwrap()).collect();
        for (m, _) in &charged {
            assert!(ids.contains(&member.sale_id(*m)));
        }
    }

    #[test]
    fn a_failed_or_suspended_autopay_is_no_sale() {
        let studio = studio();
        let failed = studio.membership(9).unwrap();
        assert_eq!(failed.status, AutopayStatus::Inactive);
        let all: Vec<_> = failed
            .billing_dates()
            .take_while(|(_, at)| *at <= studio.now)
            .collect();
        let charged = failed.charges_between(NaiveDateTime::MIN, studio.now, studio.now);
        assert_eq!(charged.len() + 1, all.len(), "the last one failed");
        let suspended = studio.membership(7).unwrap();
        assert_eq!(suspended.status, AutopayStatus::Suspended);
        assert!(
            suspended
                .charges_between(studio.now - Duration::days(10), studio.now, studio.now)
                .is_empty()
        );
    }

    #[test]
    fn a_cancelled_contract_has_nothing_upcoming() {
        let mut studio = studio();
        let now = studio.now;
        let cancelled = studio.cancel_contract(1, now).unwrap();
        assert_eq!(cancelled.status, AutopayStatus::Inactive);
        assert!(cancelled.upcoming(now).is_empty());
        assert!(cancelled.terminated_at.is_some());
        assert!(studio.client_contracts_page("100000001", 0, 100).is_some());
        assert!(studio.client_contracts_page("100000099", 0, 100).is_none());
        assert_eq!(
            studio.client_contracts_page("100000030", 0, 100).unwrap().1,
            0
        );
    }
}
