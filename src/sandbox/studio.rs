//! A deterministic fitness studio of any size for the Mindbody fake: revenue categories, clients,
//! sales (with discounts, tax, returns, and the payments that add up to them: card, ACH, cash, the
//! odd cheque) spread evenly over the days before the studio's present, and the card and ACH
//! transactions behind them ([`cards`]). Sale `i` is a pure function of `i`, so 50,000 sales cost
//! nothing until a page asks for them. Edits and new sales can be injected between syncs. The
//! studio's bank account is made from the same functions (`sandbox::bank`).

pub mod cards;
pub mod contracts;
pub mod site;

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub use cards::{CardKind, CardTransaction, MerchantAccount, Tender};
pub use site::StudioSite;

/// (id, name, is a service): every site's.
pub const CATEGORIES: &[(i64, &str, bool)] = &[
    (21, "Memberships", true),
    (22, "Class Packs", true),
    (23, "Personal Training", true),
    (31, "Retail: Drinks", false),
    (32, "Retail: Snacks", false),
    (40, "Gift Cards", false),
];

/// The categories the chain's later sites added, one each in turn (they list it; nothing they
/// sell is in it yet).
const LATER_CATEGORIES: [(i64, &str, bool); 5] = [
    (50, "Workshops", true),
    (51, "Kids Classes", true),
    (52, "Teacher Training", true),
    (53, "Retreats", true),
    (54, "Retail: Apparel", false),
];

/// (product id, description, category, unit price in cents at the first site, is a service)
const PRODUCTS: &[(i64, &str, i64, i64, bool)] = &[
    (1364, "10 Class Pass", 22, 15000, true),
    (1201, "Monthly Unlimited", 21, 12900, true),
    (1370, "Drop-in Class", 22, 2500, true),
    (4021, "Water Bottle", 31, 2000, false),
    (4107, "Protein Bar", 32, 350, false),
    (1502, "Personal Training Session", 23, 8000, true),
];

const FIRST_NAMES: &[&str] = &[
    "Jane", "Omar", "Priya", "Lucas", "Mei", "Ana", "Tom", "Zoe", "Ravi", "Ines",
];
const LAST_NAMES: &[&str] = &[
    "Doe", "Haddad", "Shah", "Martin", "Chen", "Silva", "Berg", "Kowalski", "Iyer", "Costa",
];

#[derive(Debug, Clone)]
pub struct Studio {
    /// The Mindbody site it is (`-99` unless made with [`Studio::at_site`]).
    pub site: StudioSite,
    /// The studio's present (the `anchor` it was made with): its sales end shortly before it,
    /// a card batch is settled once its settlement report came in before it, and the bank has
    /// booked up to its day.
    pub now: NaiveDateTime,
    pub sales: u64,
    pub clients: u64,
    /// Sale 0 happens here, to the second (sale times drop the fraction this may have, so never
    /// use it as the start of a window); sale `sales - 1` shortly before `anchor`.
    pub first_sale: NaiveDateTime,
    pub step: Duration,
    /// Total amounts changed after the fact (late edits), by sale index.
    pub edits: HashMap<u64, Decimal>,
    /// Sales added after the studio was made: (when, total).
    pub added: Vec<(NaiveDateTime, Decimal)>,
    /// Clients modified after creation: index → when.
    pub modified_clients: HashMap<u64, NaiveDateTime>,
    /// Clients `0..members` hold a monthly contract paid by autopay (`contracts`); none by
    /// default.
    pub members: u64,
    /// Contracts cancelled after the studio was made: member → when.
    pub cancelled_contracts: HashMap<u64, NaiveDateTime>,
}

/// One purchased item of a generated sale.
struct Line {
    detail_id: i64,
    product: i64,
    description: &'static str,
    category: i64,
    service: bool,
    unit_price: Decimal,
    quantity: i64,
    discount_percent: Decimal,
    discount: Decimal,
    tax_rate: Decimal,
    tax: Decimal,
    total: Decimal,
    returned: bool,
}

/// What a sale paid partly in cash pays in cash: 10.00 to 50.00 in tens, by a hash, so no two
/// weeks of cash at the bank are alike (a matcher must tell them apart, as a bookkeeper does).
fn cash_part(i: u64) -> Decimal {
    Decimal::new(1_000 + 1_000 * (cards::mix(i, 0xca5) % 5) as i64, 2)
}

/// The rare things happen once in this many sales, each at its own remainder (so no sale has
/// two of them): a sale paid by cheque, a declined card before a sale's charge, a charge rung
/// twice and voided. None of the remainders is a return's (39 modulo 40), and all are past
/// the first hundred and twenty sales.
pub const RARE: u64 = 300;
const PAID_BY_CHEQUE: u64 = 149;

/// The first site's locations (`site/locations`): most sales at the first, fewer at the others.
/// The other sites name theirs after their neighbourhood ([`StudioSite`]).
pub const LOCATIONS: [(i64, &str); 3] = [
    (1, "Legion Fitness Downtown"),
    (2, "Legion Fitness North"),
    (3, "Legion Fitness South"),
];

/// How long after a sale its returned item is brought back and refunded.
fn refund_delay() -> Duration {
    Duration::hours(51)
}

/// How sale `i` was paid; the parts add up to what it sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paid {
    pub cash: Decimal,
    pub cheque: Decimal,
    /// On a card or by ACH: the amount of the sale's one electronic transaction.
    pub electronic: Decimal,
}

/// A returned item given back: to the card (a negative card transaction) and in cash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund {
    pub at: NaiveDateTime,
    pub to_card: Decimal,
    pub in_cash: Decimal,
}

impl Studio {
    /// `sales` sales spread over the `days` days before `anchor`.
    pub fn new(sales: u64, clients: u64, anchor: NaiveDateTime, days: i64) -> Studio {
        let span = Duration::days(days.max(1));
        let step = Duration::milliseconds((span.num_milliseconds() / sales.max(1) as i64).max(1));
        Studio {
            site: StudioSite::of(site::FIRST_SITE),
            now: anchor,
            sales,
            clients: clients.max(1),
            first_sale: anchor - span,
            step,
            edits: HashMap::new(),
            added: Vec::new(),
            modified_clients: HashMap::new(),
            members: 0,
            cancelled_contracts: HashMap::new(),
        }
    }

    /// The same studio's size and dates at Mindbody site `id`, with that site's own data.
    pub fn at_site(mut self, id: i64) -> Studio {
        self.site = StudioSite::of(id);
        self
    }

    /// The same studio, its first `members` clients holding contracts.
    pub fn with_members(mut self, members: u64) -> Studio {
        self.members = members;
        self
    }

    pub fn sale_time(&self, i: u64) -> NaiveDateTime {
        // Whole seconds, as Mindbody reports them.
        let t = self.first_sale + self.step * i as i32;
        t - Duration::nanoseconds(t.and_utc().timestamp_subsec_nanos() as i64)
    }

    /// Indexes of the generated sales made in [start, end] (sale times only grow with the index,
    /// so two binary searches find the edges).
    pub fn generated_between(
        &self,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> std::ops::Range<u64> {
        let first_where = |done: &dyn Fn(NaiveDateTime) -> bool| {
            let (mut lo, mut hi) = (0u64, self.sales);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if done(self.sale_time(mid)) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            lo
        };
        let first = first_where(&|t| t >= start);
        let past = first_where(&|t| t > end);
        first..past.max(first)
    }

    /// One page of the sales made in [start, end] (generated ones by time, then added ones, then
    /// the members' autopays), and how many there are in all. Only the page is built.
    pub fn sales_page(
        &self,
        start: NaiveDateTime,
        end: NaiveDateTime,
        offset: usize,
        limit: usize,
    ) -> (Vec<Value>, usize) {
        let generated = self.generated_between(start, end);
        let added: Vec<(usize, &(NaiveDateTime, Decimal))> = self
            .added
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at >= start && *at <= end)
            .collect();
        let autopays = self.autopays_between(start, end);
        let in_generated = (generated.end - generated.start) as usize;
        let in_added = in_generated + added.len();
        page_of(in_added + autopays.len(), offset, limit, |k| {
            if k < in_generated {
                self.sale(generated.start + k as u64)
            } else if k < in_added {
                let (n, (at, total)) = added[k - in_generated];
                self.added_sale(n as u64, *at, *total)
            } else {
                let (member, month, at) = autopays[k - in_added];
                self.membership(member)
                    .map_or(Value::Null, |m| m.sale(month, at))
            }
        })
    }

    /// The sales made in [start, end], as `Sales` JSON objects (all of them: for small studios).
    pub fn sales_between(&self, start: NaiveDateTime, end: NaiveDateTime) -> Vec<Value> {
        self.sales_page(start, end, 0, usize::MAX / 2).0
    }

    pub fn sale_id(i: u64) -> i64 {
        100_000 + i as i64
    }

    pub fn client_id(&self, i: u64) -> u64 {
        100_000_000 + (i * 7919) % self.clients
    }

    /// Sale `i`'s purchased items: one or two, a discount on every tenth, tax on retail, the
    /// first item of every fortieth returned.
    fn lines(&self, i: u64) -> Vec<Line> {
        let items = if i.is_multiple_of(3) { 2 } else { 1 };
        (0..items)
            .map(|j| {
                // Each site along the chain sells its own mix: sale i sells what sale i + seed
                // does at the first site.
                let (product, description, category, price, service) =
                    PRODUCTS[((i + j * 3 + self.site.seed) % PRODUCTS.len() as u64) as usize];
                let quantity: i64 = if service { 1 } else { 1 + (i % 2) as i64 };
                let unit_price = self.site.price(price);
                let gross = unit_price * Decimal::from(quantity);
                let discount_percent = if i.is_multiple_of(10) {
                    Decimal::from(10)
                } else {
                    Decimal::ZERO
                };
                let discount = (gross * discount_percent / Decimal::from(100)).round_dp(2);
                let tax_rate = if service {
                    Decimal::ZERO
                } else {
                    Decimal::new(8, 2)
                };
                let tax = ((gross - discount) * tax_rate).round_dp(2);
                let mut total = gross - discount + tax;
                if j == 0
                    && let Some(edited) = self.edits.get(&i)
                {
                    total = *edited;
                }
                Line {
                    detail_id: 1_000_000 + i as i64 * 2 + j as i64,
                    product,
                    description,
                    category,
                    service,
                    unit_price,
                    quantity,
                    discount_percent,
                    discount,
                    tax_rate,
                    tax,
                    total,
                    returned: j == 0 && Studio::has_return(i),
                }
            })
            .collect()
    }

    /// What sale `i` sold (the total of its items, the returned one included: it was sold, then
    /// brought back).
    pub fn total(&self, i: u64) -> Decimal {
        self.lines(i).iter().map(|l| l.total).sum()
    }

    /// How sale `i` was paid, adding up to what it sold. Every seventh sale is paid partly in
    /// cash; one in [`RARE`] wholly by cheque; the rest goes electronically (one card or ACH
    /// transaction, of that part).
    pub fn paid(&self, i: u64) -> Paid {
        let total = self.total(i);
        if i % RARE == PAID_BY_CHEQUE {
            return Paid {
                cash: Decimal::ZERO,
                cheque: total,
                electronic: Decimal::ZERO,
            };
        }
        let part = cash_part(i);
        let cash = if i % 7 == 3 && total > part {
            part
        } else {
            Decimal::ZERO
        };
        Paid {
            cash,
            cheque: Decimal::ZERO,
            electronic: total - cash,
        }
    }

    /// Where sale `i` was made: half the sales at the first location, three in ten at the
    /// second, two in ten at the third (its card transactions say the same).
    pub fn location_of(i: u64) -> i64 {
        match cards::mix(i, 0x10ca) % 10 {
            0..=4 => LOCATIONS[0].0,
            5..=7 => LOCATIONS[1].0,
            _ => LOCATIONS[2].0,
        }
    }

    /// Whether sale `i` has a card or ACH transaction behind it.
    pub fn paid_electronically(i: u64) -> bool {
        i % RARE != PAID_BY_CHEQUE
    }

    /// The refund of sale `i`'s returned item, when it has one and it has happened by the
    /// studio's present: to the card (or bank account) that paid, as far as that payment goes,
    /// the rest in cash.
    pub fn refund(&self, i: u64) -> Option<Refund> {
        if !Studio::has_return(i) {
            return None;
        }
        let at = self.sale_time(i).checked_add_signed(refund_delay())?;
        if at > self.now {
            return None;
        }
        let returned = self
            .lines(i)
            .first()
            .map_or(Decimal::ZERO, |l| l.total.max(Decimal::ZERO));
        let to_card = returned.min(self.paid(i).electronic.max(Decimal::ZERO));
        Some(Refund {
            at,
            to_card,
            in_cash: returned - to_card,
        })
    }

    /// Whether sale `i`'s first item is brought back (every fortieth sale).
    pub fn has_return(i: u64) -> bool {
        i % 40 == 39
    }

    /// Sale `i`, as `GET sale/sales` shows it.
    pub fn sale(&self, i: u64) -> Value {
        let purchased: Vec<Value> = self
            .lines(i)
            .iter()
            .map(|line| {
                json!({
                    "SaleDetailId": line.detail_id,
                    "Id": line.product,
                    "IsService": line.service,
                    "BarcodeId": line.product.to_string(),
                    "Description": line.description,
                    "ContractId": null,
                    "CategoryId": line.category,
                    "SubCategoryId": 0,
                    "UnitPrice": number(line.unit_price),
                    "Quantity": line.quantity,
                    "DiscountPercent": number(line.discount_percent),
                    "DiscountAmount": number(line.discount),
                    "Tax1": number(line.tax_rate),
                    "TaxAmount": number(line.tax),
                    "TotalAmount": number(line.total),
                    "Notes": null,
                    "Returned": line.returned,
                    "PaymentRefId": 900_000 + i as i64,
                })
            })
            .collect();
        let paid = self.paid(i);
        let mut payments = Vec::new();
        if paid.cash > Decimal::ZERO {
            payments.push(json!({"Id": 800_000 + i as i64, "Amount": number(paid.cash), "Method": 1, "Type": "Cash", "Notes": null, "TransactionId": null}));
        }
        if Studio::paid_electronically(i) {
            let tender = Tender::of_sale(i);
            payments.push(json!({"Id": 900_000 + i as i64, "Amount": number(paid.electronic), "Method": tender.method(), "Type": tender.payment_type(), "Notes": null, "TransactionId": CardTransaction::charge_id(i)}));
        } else {
            payments.push(json!({"Id": 900_000 + i as i64, "Amount": number(paid.cheque), "Method": 2, "Type": "Check", "Notes": format!("Check #{}", 2_000 + i % 8_000), "TransactionId": null}));
        }
        let at = self.sale_time(i);
        json!({
            "Id": Studio::sale_id(i),
            "SaleDate": at.format("%Y-%m-%dT00:00:00").to_string(),
            "SaleTime": at.format("%H:%M:%S").to_string(),
            "SaleDateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "OriginalSaleDateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "SalesRepId": null,
            "ClientId": self.client_id(i).to_string(),
            "RecipientClientId": null,
            "PurchasedItems": purchased,
            "LocationId": Studio::location_of(i),
            "Payments": payments
        })
    }

    /// Adds a sale made now (at `at`) and says what a webhook would announce about it.
    pub fn add_sale(&mut self, at: NaiveDateTime, total: Decimal) -> super::webhooks::SaleNotice {
        // Whole seconds, as Mindbody keeps them.
        let at = at - Duration::nanoseconds(at.and_utc().timestamp_subsec_nanos() as i64);
        let n = self.added.len() as u64;
        self.added.push((at, total));
        super::webhooks::SaleNotice {
            sale_id: 900_000_000 + n as i64,
            at,
            client_id: self.client_id(n).to_string(),
            total,
            item_id: 1370,
            item_name: "Drop-in Class".into(),
        }
    }

    fn added_sale(&self, n: u64, at: NaiveDateTime, total: Decimal) -> Value {
        let id = 900_000_000 + n as i64;
        json!({
            "Id": id,
            "SaleDateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "ClientId": self.client_id(n).to_string(),
            "PurchasedItems": [{
                "SaleDetailId": id * 10,
                "Id": 1370,
                "IsService": true,
                "Description": "Drop-in Class",
                "CategoryId": 22,
                "UnitPrice": number(total),
                "Quantity": 1,
                "DiscountAmount": 0,
                "TaxAmount": 0,
                "TotalAmount": number(total),
                "Returned": false
            }],
            "LocationId": 1,
            // Paid at the desk: no card transaction behind it.
            "Payments": [{"Id": id, "Amount": number(total), "Method": 1, "Type": "Cash", "Notes": null, "TransactionId": null}]
        })
    }

    pub fn categories(&self) -> Vec<Value> {
        let seed = self.site.seed;
        let later_site = (seed > 0)
            .then(|| &LATER_CATEGORIES[((seed - 1) % LATER_CATEGORIES.len() as u64) as usize]);
        CATEGORIES
            .iter()
            .chain(later_site)
            .map(|(id, name, service)| json!({"Id": id, "CategoryName": name, "Description": "", "Service": service, "Active": true, "IsPrimary": true, "IsSecondary": false}))
            .collect()
    }

    /// Clients created (or modified) since `since`, by id.
    pub fn clients_modified_since(&self, since: Option<NaiveDateTime>) -> Vec<Value> {
        (0..self.clients)
            .filter_map(|i| {
                let modified = self.modified_clients.get(&i).copied().unwrap_or(self.first_sale - Duration::days(30));
                if since.is_some_and(|s| modified < s) {
                    return None;
                }
                // Another site's client i has another name (seed 0: the first site's names).
                let seed = self.site.seed;
                let first = FIRST_NAMES[((i + 3 * seed) % FIRST_NAMES.len() as u64) as usize];
                let last = LAST_NAMES[((i / FIRST_NAMES.len() as u64 + 7 * seed) % LAST_NAMES.len() as u64) as usize];
                let id = 100_000_000 + i;
                Some(json!({
                    "Id": id.to_string(),
                    "UniqueId": id,
                    "FirstName": first,
                    "LastName": last,
                    "Email": format!("{}.{}{}@{}", first.to_lowercase(), last.to_lowercase(), i, self.site.email_domain),
                    "MobilePhone": format!("80555{:05}", i % 100_000),
                    "LastModifiedDateTime": modified.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "IsProspect": false
                }))
            })
            .collect()
    }
}

/// Items `offset..offset + limit` of `total` (only those are built), and the total: one page of a
/// Mindbody list.
pub(crate) fn page_of(
    total: usize,
    offset: usize,
    limit: usize,
    item: impl Fn(usize) -> Value,
) -> (Vec<Value>, usize) {
    let end = offset.saturating_add(limit).min(total);
    ((offset.min(end)..end).map(item).collect(), total)
}

/// A decimal as a JSON number, as Mindbody sends money.
pub(crate) fn number(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_select_exactly_the_sales_inside_them() {
        let anchor =
            NaiveDateTime::parse_from_str("2026-11-25T12:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
        let studio = Studio::new(1_000, 50, anchor, 10);
        let all = studio.sales_between(studio.first_sale, anchor);
        assert_eq!(all.len(), 1_000);
        let start = studio.sale_time(100);
        let end = studio.sale_time(199);
        let some = studio.sales_between(start, end);
        assert_eq!(some.len(), 100);
        assert_eq!(some[0]["Id"], Studio::sale_id(100));
        // Split windows cover everything once.
        let mid = studio.sale_time(500);
        let left = studio.sales_between(studio.first_sale, mid - Duration::seconds(1));
        let right = studio.sales_between(mid, anchor);
        assert_eq!(left.len() + right.len(), 1_000);
    }

    #[test]
    fn each_site_has_its_own_studio_and_the_first_is_the_original() {
        let anchor =
            NaiveDateTime::parse_from_str("2026-11-25T12:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
        let original = Studio::new(300, 40, anchor, 10).with_members(20);
        let first = original.clone().at_site(-99);
        let (start, end) = (original.first_sale, anchor);
        assert_eq!(
            first.sales_between(start, end),
            original.sales_between(start, end)
        );
        assert_eq!(
            first.clients_modified_since(None),
            original.clients_modified_since(None)
        );
        let second = original.clone().at_site(-98);
        let third = original.clone().at_site(-97);
        let sold =
            |studio: &Studio| -> Decimal { (0..studio.sales).map(|i| studio.total(i)).sum() };
        let names = |studio: &Studio| -> Vec<Value> {
            studio
                .clients_modified_since(None)
                .iter()
                .map(|c| json!([c["FirstName"], c["LastName"], c["Email"]]))
                .collect()
        };
        let charges = |studio: &Studio| -> Vec<(i64, Decimal, u32)> {
            studio
                .memberships()
                .map(|m| (m.contract_id, m.charge, m.billing_day))
                .collect()
        };
        for (a, b) in [(&first, &second), (&first, &third), (&second, &third)] {
            assert_ne!(sold(a), sold(b), "{} and {}", a.site.name, b.site.name);
            assert_ne!(names(a), names(b), "{} and {}", a.site.name, b.site.name);
            assert_ne!(
                charges(a),
                charges(b),
                "{} and {}",
                a.site.name,
                b.site.name
            );
        }
        assert_eq!(first.categories().len(), CATEGORIES.len());
        assert_eq!(second.categories().len(), CATEGORIES.len() + 1);
        // Each sale still adds up: what it sold is what was paid.
        for i in 0..third.sales {
            let paid = third.paid(i);
            assert_eq!(paid.cash + paid.cheque + paid.electronic, third.total(i));
        }
        assert_eq!(
            original.clone().at_site(-98).sales_between(start, end),
            second.sales_between(start, end),
            "the same every time"
        );
    }
}
