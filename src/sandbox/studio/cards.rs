//! The studio's card and ACH transactions, as its processor keeps them and Mindbody's
//! `sale/transactions` lists them: a charge per sale paid electronically (Visa, MasterCard and
//! Discover on one merchant account, American Express on another, ACH with the first), a refund
//! to the card for a returned item, and the odd declined or voided attempt that never settles
//! and pays nothing.
//!
//! Settlement follows the processor's clock: a day's batch closes at [`BATCH_CUTOFF`] (a later
//! transaction is in the next day's batch), a weekend's or holiday's batch rolls into the next
//! business day's ([`crate::books::calendar::settlement_day`]), and Mindbody marks a batch's
//! transactions `Settled` when the settlement report comes in, at [`SETTLED_MARK`] the morning
//! after its business day. Until then they are `Approved`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{RARE, Studio, number, page_of};
use crate::books::calendar;

/// When the processor closes the day's batch.
pub const BATCH_CUTOFF: NaiveTime = match NaiveTime::from_hms_opt(22, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// When, the morning after a batch's business day, Mindbody shows its transactions settled.
pub const SETTLED_MARK: NaiveTime = match NaiveTime::from_hms_opt(6, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// The remainders (modulo [`RARE`]) of the sales with a failed attempt beside their charge.
const DECLINED_BEFORE: u64 = 187;
const VOIDED_AFTER: u64 = 263;

/// How a sale was paid electronically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tender {
    Visa,
    MasterCard,
    Discover,
    Amex,
    /// From the client's bank account (autopays, mostly).
    Ach,
}

impl Tender {
    /// Sale `i`'s: about half Visa, a quarter MasterCard, some American Express and Discover,
    /// one in twelve by ACH. Spread by a hash, so it is not in step with the other rules.
    pub fn of_sale(i: u64) -> Tender {
        match mix(i, 0x7e4d) % 100 {
            0..8 => Tender::Ach,
            8..55 => Tender::Visa,
            55..80 => Tender::MasterCard,
            80..86 => Tender::Discover,
            _ => Tender::Amex,
        }
    }

    /// Mindbody's `CardType` (the values of `sale/acceptedcardtypes`); none for ACH.
    pub fn card_type(self) -> Option<&'static str> {
        match self {
            Tender::Visa => Some("Visa"),
            Tender::MasterCard => Some("MasterCard"),
            Tender::Discover => Some("Discover"),
            Tender::Amex => Some("AMEX"),
            Tender::Ach => None,
        }
    }

    /// The `Type` of the sale's payment.
    pub fn payment_type(self) -> &'static str {
        self.card_type().unwrap_or("ACH")
    }

    /// The `Method` of the sale's payment (the site's payment method ids).
    pub fn method(self) -> i64 {
        match self {
            Tender::Ach => 18,
            _ => 17,
        }
    }

    pub fn merchant(self) -> MerchantAccount {
        match self {
            Tender::Amex => MerchantAccount::Amex,
            _ => MerchantAccount::Main,
        }
    }
}

/// The studio's merchant accounts at its processor; each is paid out on its own.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum MerchantAccount {
    /// Visa, MasterCard, Discover and ACH.
    Main,
    /// American Express, paid by Amex itself.
    Amex,
}

impl MerchantAccount {
    pub const ALL: [MerchantAccount; 2] = [MerchantAccount::Main, MerchantAccount::Amex];

    /// Mindbody's `MerchantId`.
    pub fn id(self) -> &'static str {
        match self {
            MerchantAccount::Main => "4445012345678",
            MerchantAccount::Amex => "4445098765432",
        }
    }
}

/// What a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKind {
    /// Paid a sale.
    Charge,
    /// Gave a returned item's money back (a negative amount).
    Refund,
    /// Refused by the card's bank; the sale was then paid another way.
    Declined,
    /// Rung twice by mistake and voided the same minute.
    Voided,
}

/// One card or ACH transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTransaction {
    pub id: i64,
    /// The generated sale it belongs to (the sale refunded, for a refund).
    pub sale: u64,
    pub kind: CardKind,
    pub at: NaiveDateTime,
    /// Negative for a refund.
    pub amount: Decimal,
    pub tender: Tender,
}

impl CardTransaction {
    /// The id of sale `i`'s charge (ids stay within Mindbody's 32-bit integers for studios of
    /// up to millions of sales).
    pub fn charge_id(i: u64) -> i64 {
        5_550_000 + i as i64
    }

    fn refund_id(i: u64) -> i64 {
        30_000_000 + i as i64
    }

    fn failed_id(i: u64) -> i64 {
        50_000_000 + i as i64
    }

    pub fn merchant(&self) -> MerchantAccount {
        self.tender.merchant()
    }

    /// Whether it moves money (a charge or a refund), as opposed to a failed attempt.
    pub fn moves_money(&self) -> bool {
        matches!(self.kind, CardKind::Charge | CardKind::Refund)
    }

    /// The processor's day whose batch holds it: its own day, or the next after the cut-off.
    pub fn batch_day(&self) -> NaiveDate {
        let day = self.at.date();
        if self.at.time() < BATCH_CUTOFF {
            day
        } else {
            day.succ_opt().unwrap_or(day)
        }
    }

    /// The business day its batch settles on (a weekend's batches roll into Monday's).
    pub fn settlement_day(&self) -> NaiveDate {
        calendar::settlement_day(self.batch_day())
    }

    /// When Mindbody shows it settled; never for a failed attempt.
    pub fn settles_at(&self) -> Option<NaiveDateTime> {
        if !self.moves_money() {
            return None;
        }
        let morning_after = self.settlement_day().succ_opt()?;
        Some(morning_after.and_time(SETTLED_MARK))
    }

    /// The last four digits of the card (or bank account) that paid, and its expiry.
    fn card_details(&self) -> (String, String, String) {
        // A declined attempt is another card of the client's.
        let salt = if self.kind == CardKind::Declined {
            0xdec1
        } else {
            0xca7d
        };
        let hash = mix(self.sale, salt);
        (
            format!("{:04}", hash % 10_000),
            format!("{:02}", 1 + (hash / 10_000) % 12),
            (2027 + (hash / 1_000_000) % 5).to_string(),
        )
    }
}

impl Studio {
    /// Sale `i`'s transactions at its own time, in the order they happened: a declined card
    /// before the charge, the charge, a voided duplicate after it. None for a sale paid by
    /// cheque.
    fn attempts(&self, i: u64) -> Vec<CardTransaction> {
        if !Studio::paid_electronically(i) {
            return Vec::new();
        }
        let at = self.sale_time(i);
        let tender = Tender::of_sale(i);
        let amount = self.paid(i).electronic;
        let made = |id, kind| CardTransaction {
            id,
            sale: i,
            kind,
            at,
            amount,
            tender,
        };
        let mut attempts = Vec::with_capacity(2);
        if i % RARE == DECLINED_BEFORE {
            attempts.push(made(CardTransaction::failed_id(i), CardKind::Declined));
        }
        attempts.push(made(CardTransaction::charge_id(i), CardKind::Charge));
        if i % RARE == VOIDED_AFTER {
            attempts.push(made(CardTransaction::failed_id(i), CardKind::Voided));
        }
        attempts
    }

    /// How many transactions sales `range.start..i` have (see [`Studio::attempts`]): counted,
    /// not built, so a page deep in a big studio is found at once.
    fn attempts_before(range_start: u64, i: u64) -> u64 {
        let i = i.max(range_start);
        let rare = |remainder| count_with_remainder(range_start..i, RARE, remainder);
        (i - range_start) - rare(super::PAID_BY_CHEQUE) + rare(DECLINED_BEFORE) + rare(VOIDED_AFTER)
    }

    /// The refund to the card of sale `i`'s returned item, when there is one by now.
    fn card_refund(&self, i: u64) -> Option<CardTransaction> {
        if !Studio::paid_electronically(i) {
            return None;
        }
        let refund = self.refund(i)?;
        Some(CardTransaction {
            id: CardTransaction::refund_id(i),
            sale: i,
            kind: CardKind::Refund,
            at: refund.at,
            amount: -refund.to_card,
            tender: Tender::of_sale(i),
        })
    }

    /// The generated sales whose refunds fall in [start, end] and by the studio's present.
    fn refunded_between(&self, start: NaiveDateTime, end: NaiveDateTime) -> std::ops::Range<u64> {
        let delay = super::refund_delay();
        let end = end.min(self.now);
        self.generated_between(
            start
                .checked_sub_signed(delay)
                .unwrap_or(NaiveDateTime::MIN),
            end.checked_sub_signed(delay).unwrap_or(NaiveDateTime::MIN),
        )
    }

    /// Every card and ACH transaction made in [start, end]: each sale's, then the refunds.
    pub fn card_transactions_between(
        &self,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> Vec<CardTransaction> {
        let mut all: Vec<CardTransaction> = self
            .generated_between(start, end)
            .flat_map(|i| self.attempts(i))
            .collect();
        all.extend(
            self.refunded_between(start, end)
                .filter(|i| Studio::has_return(*i))
                .filter_map(|i| self.card_refund(i)),
        );
        all
    }

    /// Whether Mindbody shows `transaction` settled at the studio's present.
    pub fn is_settled(&self, transaction: &CardTransaction) -> bool {
        transaction.settles_at().is_some_and(|at| at <= self.now)
    }

    /// Mindbody's `Status` of `transaction` at the studio's present.
    pub fn status(&self, transaction: &CardTransaction) -> &'static str {
        match transaction.kind {
            CardKind::Declined => "Declined",
            CardKind::Voided => "Voided",
            _ if self.is_settled(transaction) => "Settled",
            _ => "Approved",
        }
    }

    /// `transaction` as `GET sale/transactions` shows it. A failed attempt or a refund names no
    /// sale: no sale was made by the one, and Mindbody books a return as a sale of its own,
    /// which this studio does not make.
    fn transaction_json(&self, transaction: &CardTransaction) -> Value {
        let i = transaction.sale;
        let card = transaction.tender.card_type();
        let (last_four, month, year) = transaction.card_details();
        let swiped = card.is_some() && !mix(i, 0x5a1e).is_multiple_of(3);
        let time = transaction.at.format("%Y-%m-%dT%H:%M:%S").to_string();
        json!({
            "TransactionId": transaction.id,
            "SaleId": (transaction.kind == CardKind::Charge).then(|| Studio::sale_id(i)),
            "ClientId": self.client_id(i),
            "Amount": number(transaction.amount),
            "Settled": self.is_settled(transaction),
            "Status": self.status(transaction),
            "TransactionTime": time,
            "AuthTime": time,
            "LocationId": Studio::location_of(i),
            "MerchantId": transaction.merchant().id(),
            "TerminalId": swiped.then_some("T-0001"),
            "CardExpirationMonth": card.map(|_| month),
            "CardExpirationYear": card.map(|_| year),
            "CCLastFour": card.map(|_| last_four.clone()),
            "CardType": card,
            "CCSwiped": swiped,
            "ACHLastFour": card.is_none().then_some(last_four),
        })
    }

    /// One page of the card and ACH transactions made in [start, end] (the sales' in sale
    /// order, then the refunds), and how many there are. Only the page is built.
    pub fn transactions_page(
        &self,
        start: NaiveDateTime,
        end: NaiveDateTime,
        offset: usize,
        limit: usize,
    ) -> (Vec<Value>, usize) {
        let sales = self.generated_between(start, end);
        let first = sales.start;
        let of_sales = Studio::attempts_before(first, sales.end);
        let refunded = self.refunded_between(start, end);
        let refunds = count_with_remainder(refunded.clone(), 40, 39);
        let total = usize::try_from(of_sales + refunds).unwrap_or(usize::MAX);
        page_of(total, offset, limit, |k| {
            let k = k as u64;
            let transaction = if k < of_sales {
                // The last sale whose transactions start at or before k.
                let (mut lo, mut hi) = (first, sales.end);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if Studio::attempts_before(first, mid) <= k {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let within = k - Studio::attempts_before(first, lo);
                self.attempts(lo).into_iter().nth(within as usize)
            } else {
                let returned = first_with_remainder(refunded.start, 40, 39) + (k - of_sales) * 40;
                self.card_refund(returned)
            };
            transaction.map_or(Value::Null, |t| self.transaction_json(&t))
        })
    }
}

/// How many of `range` leave `remainder` divided by `modulus`.
fn count_with_remainder(range: std::ops::Range<u64>, modulus: u64, remainder: u64) -> u64 {
    let below = |n: u64| n / modulus + u64::from(n % modulus > remainder);
    below(range.end.max(range.start)) - below(range.start)
}

/// The first number from `start` on that leaves `remainder` divided by `modulus`.
fn first_with_remainder(start: u64, modulus: u64, remainder: u64) -> u64 {
    start + (remainder + modulus - start % modulus) % modulus
}

/// A well-spread hash of `n` (splitmix64), so the studio's choices look random and stay
/// the same from run to run.
pub(crate) fn mix(n: u64, salt: u64) -> u64 {
    let mut z = n
        .wrapping_add(salt.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    #[test]
    fn counting_by_remainder_agrees_with_looking() {
        for (start, end) in [(0, 0), (0, 1000), (37, 38), (39, 40), (150, 1234), (5, 3)] {
            for (m, r) in [(40, 39), (300, 149), (300, 0), (7, 3)] {
                let looked = (start..end).filter(|i| i % m == r).count() as u64;
                assert_eq!(
                    count_with_remainder(start..end, m, r),
                    looked,
                    "{start}..{end} {m} {r}"
                );
            }
            let first = first_with_remainder(start, 40, 39);
            assert!(first >= start && first % 40 == 39 && first < start + 40);
        }
    }

    #[test]
    fn a_transaction_after_the_cut_off_or_on_a_weekend_settles_with_the_next_business_day() {
        let card = |time: &str| CardTransaction {
            id: 1,
            sale: 0,
            kind: CardKind::Charge,
            at: at(time),
            amount: Decimal::ONE,
            tender: Tender::Visa,
        };
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Tuesday before and after the cut-off.
        assert_eq!(
            card("2026-11-24T21:59:59").settlement_day(),
            day("2026-11-24")
        );
        assert_eq!(
            card("2026-11-24T22:00:00").settlement_day(),
            day("2026-11-25")
        );
        // Wednesday night goes past Thanksgiving to Friday; Friday night to Monday.
        assert_eq!(
            card("2026-11-25T23:00:00").settlement_day(),
            day("2026-11-27")
        );
        assert_eq!(
            card("2026-11-27T22:30:00").settlement_day(),
            day("2026-11-30")
        );
        assert_eq!(
            card("2026-11-29T10:00:00").settlement_day(),
            day("2026-11-30")
        );
        assert_eq!(
            card("2026-11-29T10:00:00").settles_at(),
            Some(at("2026-12-01T06:00:00"))
        );
        let declined = CardTransaction {
            kind: CardKind::Declined,
            ..card("2026-11-24T10:00:00")
        };
        assert_eq!(declined.settles_at(), None);
    }

    #[test]
    fn only_batches_reported_before_the_present_are_settled() {
        let studio = Studio::new(2_000, 50, at("2026-11-25T12:00:00"), 20);
        let all = studio.card_transactions_between(studio.first_sale, studio.now);
        let settled: Vec<&CardTransaction> = all.iter().filter(|t| studio.is_settled(t)).collect();
        assert!(!settled.is_empty());
        assert!(
            settled
                .iter()
                .all(|t| t.settlement_day() < at("2026-11-25T00:00:00").date())
        );
        // Tuesday the 24th's batch is reported on Wednesday at six: settled by noon.
        assert!(
            settled
                .iter()
                .any(|t| t.settlement_day() == at("2026-11-24T00:00:00").date())
        );
        let open: Vec<&CardTransaction> = all
            .iter()
            .filter(|t| t.moves_money() && !studio.is_settled(t))
            .collect();
        assert!(
            open.iter().all(|t| t.at >= at("2026-11-24T22:00:00")),
            "only today's batch"
        );
        assert!(!open.is_empty());
        assert!(
            all.iter()
                .filter(|t| !t.moves_money())
                .all(|t| studio.status(t) != "Settled")
        );
    }

    #[test]
    fn pages_list_every_transaction_once_in_the_order_they_are_built() {
        let studio = Studio::new(1_500, 50, at("2026-11-25T12:00:00"), 20);
        let start = studio.sale_time(120);
        let end = studio.sale_time(1_300);
        let built: Vec<i64> = studio
            .card_transactions_between(start, end)
            .iter()
            .map(|t| t.id)
            .collect();
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let (page, total) = studio.transactions_page(start, end, offset, 97);
            assert_eq!(total, built.len());
            if page.is_empty() {
                break;
            }
            offset += page.len();
            paged.extend(page.iter().map(|t| t["TransactionId"].as_i64().unwrap()));
        }
        assert_eq!(paged, built);
        let kinds = |kind| {
            studio
                .card_transactions_between(start, end)
                .iter()
                .filter(|t| t.kind == kind)
                .count()
        };
        assert!(kinds(CardKind::Refund) > 20);
        assert!(kinds(CardKind::Declined) >= 3);
        assert!(kinds(CardKind::Voided) >= 3);
    }

    #[test]
    fn mindbody_shows_the_card_or_the_bank_account_and_the_merchant_account() {
        let studio = Studio::new(400, 50, at("2026-11-25T12:00:00"), 20);
        let sale_paid_by = |tender| {
            (0..400)
                .find(|i| Tender::of_sale(*i) == tender && Studio::paid_electronically(*i))
                .unwrap()
        };
        let shown = |i| studio.transaction_json(&studio.attempts(i)[0]);
        let ach = shown(sale_paid_by(Tender::Ach));
        assert_eq!(ach["CardType"], Value::Null);
        assert_eq!(ach["CCLastFour"], Value::Null);
        assert_eq!(ach["ACHLastFour"].as_str().map(str::len), Some(4));
        assert_eq!(ach["MerchantId"], MerchantAccount::Main.id());
        let amex = shown(sale_paid_by(Tender::Amex));
        assert_eq!(amex["CardType"], "AMEX");
        assert_eq!(amex["MerchantId"], MerchantAccount::Amex.id());
        assert_eq!(amex["ACHLastFour"], Value::Null);
        let i = sale_paid_by(Tender::Visa);
        let visa = shown(i);
        assert_eq!(visa["SaleId"], Studio::sale_id(i));
        assert_eq!(visa["Amount"], number(studio.paid(i).electronic));
        let failed = (0..400).find(|i| i % RARE == DECLINED_BEFORE).unwrap();
        let declined = studio.transaction_json(&studio.attempts(failed)[0]);
        assert_eq!(declined["Status"], "Declined");
        assert_eq!(declined["Settled"], false);
        assert_eq!(declined["SaleId"], Value::Null);
    }

    #[test]
    fn tenders_are_varied_and_amex_has_its_own_merchant_account() {
        let tenders: Vec<Tender> = (0..1_000).map(Tender::of_sale).collect();
        for tender in [
            Tender::Visa,
            Tender::MasterCard,
            Tender::Discover,
            Tender::Amex,
            Tender::Ach,
        ] {
            let n = tenders.iter().filter(|t| **t == tender).count();
            assert!(n > 20, "{tender:?}: {n}");
        }
        assert_eq!(Tender::Amex.merchant(), MerchantAccount::Amex);
        assert_eq!(Tender::Ach.merchant(), MerchantAccount::Main);
        assert_eq!(Tender::Discover.merchant(), MerchantAccount::Main);
    }
}
