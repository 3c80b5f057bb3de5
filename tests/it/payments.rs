//! The money side of the sales on a real sled directory: payments and card transactions stored
//! by the sync against the sandbox studio and by hand, replaced as a sale changes, found by
//! method, date and settlement window; older records still read.

use chrono::{Duration, Local, NaiveDate, NaiveDateTime};
use legion_hub::books::payment::{
    CardTransaction, MethodKind, Payment, PaymentMethod, SalePayments,
};
use legion_hub::config::Paths;
use legion_hub::engine::{SyncKind, SyncRequest};
use legion_hub::sandbox::mindbody::MindbodySandbox;
use legion_hub::sandbox::studio::Studio;
use legion_hub::store::Store;
use legion_hub::store::codec;
use legion_hub::store::payments::PaymentTally;
use rust_decimal::Decimal;

use crate::support::mindbody::{connect, open, settings};

fn at(day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

fn always() -> (NaiveDateTime, NaiveDateTime) {
    (NaiveDateTime::MIN, NaiveDateTime::MAX)
}

fn sale(id: i64) -> String {
    format!("mindbody@-99:sale:{id}")
}

fn payment(
    id: i64,
    sale_id: i64,
    date: NaiveDateTime,
    cents: i64,
    method: PaymentMethod,
) -> Payment {
    Payment {
        key: format!("mindbody@-99:payment:{id}"),
        sale: sale(sale_id),
        date,
        amount: Decimal::new(cents, 2),
        currency: "USD".into(),
        method,
        method_name: String::new(),
        method_id: None,
        card_transaction_id: None,
        location_id: Some(1),
        provisional: false,
    }
}

fn card(id: i64, time: NaiveDateTime, cents: i64) -> CardTransaction {
    CardTransaction {
        key: format!("mindbody@-99:card:{id}"),
        transaction_id: id,
        sale: Some(sale(id)),
        amount: Decimal::new(cents, 2),
        currency: "USD".into(),
        time,
        auth_time: Some(time),
        merchant_id: Some("4445012345678".into()),
        settled: true,
        status: "Settled".into(),
        card_type: Some("Visa".into()),
        ach: false,
        location_id: Some(1),
    }
}

fn set(sale_id: i64, payments: Vec<Payment>) -> SalePayments {
    SalePayments {
        sale: sale(sale_id),
        payments,
    }
}

fn keys(payments: &[Payment]) -> Vec<&str> {
    payments.iter().map(|p| p.key.as_str()).collect()
}

fn store_in(dir: &std::path::Path) -> Store {
    Store::open(&Paths::in_dir(dir), "test").unwrap()
}

#[test]
fn a_sales_payments_are_replaced_as_it_changes_and_the_indexes_follow() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let cash = payment(1, 10, at(3, 9), 2000, PaymentMethod::Cash);
    let visa = payment(2, 10, at(3, 9), 6000, PaymentMethod::Card);
    let (_, tally) = store
        .upsert_sales(&[], &[set(10, vec![cash.clone(), visa.clone()])], false)
        .unwrap();
    assert_eq!(
        tally,
        PaymentTally {
            new: 2,
            ..PaymentTally::default()
        }
    );

    // Seen again (a webhook, a re-sync): the same payments, nothing written.
    let (_, tally) = store
        .upsert_sales(&[], &[set(10, vec![cash.clone(), visa.clone()])], false)
        .unwrap();
    assert_eq!(
        tally,
        PaymentTally {
            unchanged: 2,
            ..PaymentTally::default()
        }
    );

    // The sale changed: the cash part was taken off and the card paid it all, a day later.
    let visa_all = Payment {
        amount: Decimal::new(8000, 2),
        date: at(4, 9),
        ..visa.clone()
    };
    let (_, tally) = store
        .upsert_sales(&[], &[set(10, vec![visa_all.clone()])], false)
        .unwrap();
    assert_eq!(
        tally,
        PaymentTally {
            updated: 1,
            removed: 1,
            ..PaymentTally::default()
        }
    );
    assert_eq!(
        store.payments_of_sale(&sale(10)).unwrap(),
        std::slice::from_ref(&visa_all)
    );
    assert!(
        !store.payments_of_sale(&sale(10)).unwrap().contains(&cash),
        "gone from the books"
    );
    let (from, to) = always();
    assert!(
        store
            .payments_by_method(MethodKind::Cash, from, to)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .payments_by_method(MethodKind::Card, from, to)
            .unwrap(),
        std::slice::from_ref(&visa_all),
        "one entry, at its new date"
    );
    assert!(
        store
            .payments_by_method(MethodKind::Card, at(3, 0), at(4, 0))
            .unwrap()
            .is_empty(),
        "the old date's entry went with the change"
    );

    // A sale paid by nothing any more keeps no payment; another sale is not touched.
    let other = payment(3, 11, at(5, 9), 500, PaymentMethod::Check);
    store
        .upsert_sales(&[], &[set(10, vec![]), set(11, vec![other.clone()])], false)
        .unwrap();
    assert!(store.payments_of_sale(&sale(10)).unwrap().is_empty());
    assert_eq!(
        keys(
            &store
                .payments_by_method(MethodKind::Check, from, to)
                .unwrap()
        ),
        [other.key.as_str()]
    );
    assert!(
        store
            .payments_by_method(MethodKind::Card, from, to)
            .unwrap()
            .is_empty()
    );

    // Kept on disk.
    drop(store);
    let store = store_in(dir.path());
    assert_eq!(store.payments_of_sale(&sale(11)).unwrap(), [other]);
}

#[test]
fn a_webhooks_provisional_payments_and_the_syncs_are_one_set() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let provisional = Payment {
        provisional: true,
        method: PaymentMethod::Other("Visa Terminal".into()),
        ..payment(7, 20, at(3, 10), 4500, PaymentMethod::Cash)
    };
    store
        .upsert_sales(&[], &[set(20, vec![provisional])], false)
        .unwrap();
    let synced = Payment {
        card_transaction_id: Some(5_550_020),
        ..payment(7, 20, at(3, 10), 4500, PaymentMethod::Card)
    };
    // A page that names the sale twice means its later copy.
    let (_, tally) = store
        .upsert_sales(
            &[],
            &[
                set(20, vec![synced.clone(), synced.clone()]),
                set(20, vec![synced.clone()]),
            ],
            false,
        )
        .unwrap();
    assert_eq!(
        tally,
        PaymentTally {
            updated: 1,
            ..PaymentTally::default()
        }
    );
    assert_eq!(
        store.payments_of_sale(&sale(20)).unwrap(),
        std::slice::from_ref(&synced)
    );
    let (from, to) = always();
    assert!(
        store
            .payments_by_method(MethodKind::Other, from, to)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .payments_by_method(MethodKind::Card, from, to)
            .unwrap(),
        [synced]
    );
}

#[test]
fn card_transactions_come_back_by_settlement_window_in_the_order_they_were_charged() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let late = card(3, at(4, 18), 1200);
    let early = card(1, at(3, 8), 4000);
    let refund = card(2, at(3, 20), -1500);
    let outcomes = store
        .upsert_card_transactions(&[late.clone(), early.clone(), refund.clone()])
        .unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| *o == legion_hub::books::Upserted::New)
    );
    assert_eq!(
        store.card_transactions_between(at(3, 0), at(4, 0)).unwrap(),
        [early.clone(), refund.clone()],
        "the 3rd, charged in order; the 4th is outside"
    );
    assert!(refund.is_refund());

    // Settled later and moved by a correction: one record, found at its new time only.
    let moved = CardTransaction {
        time: at(5, 9),
        settled: false,
        ..early.clone()
    };
    let outcomes = store
        .upsert_card_transactions(&[moved.clone(), late.clone()])
        .unwrap();
    assert_eq!(
        outcomes,
        [
            legion_hub::books::Upserted::Updated,
            legion_hub::books::Upserted::Unchanged
        ]
    );
    assert_eq!(
        store.card_transactions_between(at(3, 0), at(4, 0)).unwrap(),
        [refund]
    );
    assert_eq!(
        store.card_transactions_between(at(4, 0), at(6, 0)).unwrap(),
        [late, moved.clone()]
    );
    assert_eq!(store.card_transaction(&moved.key).unwrap(), Some(moved));
    assert!(
        store
            .card_transactions_between(at(6, 0), at(4, 0))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn payments_and_card_transactions_written_before_their_later_fields_still_read() {
    let payment: Payment = codec::decode(
        br#"{"v":1,"key":"mindbody@-99:payment:1","sale":"mindbody@-99:sale:1","date":"2026-11-03T09:00:00","amount":"20","method":"cash"}"#,
    )
    .unwrap();
    assert_eq!(payment.currency, "USD");
    assert_eq!(
        (payment.card_transaction_id, payment.provisional),
        (None, false)
    );
    let other: Payment = codec::decode(
        br#"{"v":1,"key":"k","sale":"s","date":"2026-11-03T09:00:00","amount":"1","method":{"other":"GiftCard"}}"#,
    )
    .unwrap();
    assert_eq!(other.method, PaymentMethod::Other("GiftCard".into()));
    let card: CardTransaction = codec::decode(
        br#"{"v":1,"key":"mindbody@-99:card:1","transaction_id":1,"amount":"-5.5","time":"2026-11-03T09:00:00"}"#,
    )
    .unwrap();
    assert!(card.is_refund() && !card.ach && card.merchant_id.is_none());
    assert!(
        codec::decode::<Payment>(br#"{"v":2,"key":"k"}"#).is_err(),
        "newer is refused"
    );
}

async fn studio(sales: u64) -> (MindbodySandbox, tempfile::TempDir) {
    let sandbox = MindbodySandbox::start().await.unwrap();
    sandbox.set_auto_approve(true);
    sandbox.set_studio(Studio::new(
        sales,
        40,
        Local::now().naive_local() - Duration::minutes(5),
        14,
    ));
    (sandbox, tempfile::tempdir().unwrap())
}

#[tokio::test]
async fn a_sync_stores_every_sales_payments_and_charges_once_and_a_changed_sale_replaces_them() {
    let (sandbox, dir) = studio(150).await;
    let settings = settings(dir.path(), &sandbox, |_| {});
    let engine = open(&settings);
    connect(&engine).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    // Again: nothing new, nothing changed, in any type.
    let again = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
    assert!(
        again
            .iter()
            .all(|l| l.records.new == 0 && l.records.updated == 0),
        "{again:?}"
    );
    // Sale 17 paid a part in cash and the rest by card; its total becomes 5.00, less than any
    // cash part, so the card pays it all and the cash payment goes.
    let sale_17 = sale(Studio::sale_id(17));
    sandbox.with_studio(|s| s.edits.insert(17, Decimal::new(5, 0)));
    engine
        .sync_mindbody(SyncRequest {
            only: Some(SyncKind::Sales),
            since: Some(Local::now().date_naive() - Duration::days(20)),
            full: false,
        })
        .await
        .unwrap();
    drop(engine);

    let store = Store::open(&settings.paths, "test").unwrap();
    for i in 0..150 {
        assert!(
            !store
                .payments_of_sale(&sale(Studio::sale_id(i)))
                .unwrap()
                .is_empty(),
            "sale {i} has its payments"
        );
    }
    let (from, to) = always();
    let cards = store
        .payments_by_method(MethodKind::Card, from, to)
        .unwrap();
    let cash = store
        .payments_by_method(MethodKind::Cash, from, to)
        .unwrap();
    assert!(
        cards.len() >= 140,
        "nearly every sale is paid by card: {}",
        cards.len()
    );
    assert!(!cash.is_empty(), "every seventh sale pays a part in cash");
    assert!(
        cash.iter()
            .all(|p| p.amount > Decimal::ZERO && p.card_transaction_id.is_none())
    );
    assert!(
        cards.windows(2).all(|w| w[0].date <= w[1].date),
        "oldest first"
    );
    assert!(
        !cash.iter().any(|p| p.sale == sale_17),
        "taken off the edited sale"
    );
    let paid_17 = store.payments_of_sale(&sale_17).unwrap();
    assert_eq!(paid_17.len(), 1);
    assert_eq!(
        (paid_17[0].method.clone(), paid_17[0].amount),
        (PaymentMethod::Card, Decimal::new(5, 0))
    );

    // Every card payment's charge is stored once, linked to its sale.
    let charges = store.card_transactions_between(from, to).unwrap();
    assert!(charges.len() >= cards.len(), "{} charges", charges.len());
    assert!(
        charges.windows(2).all(|w| w[0].time <= w[1].time),
        "in the order charged"
    );
    for payment in &cards {
        let id = payment.card_transaction_id.unwrap();
        let charge = store
            .card_transaction(&format!("mindbody@-99:card:{id}"))
            .unwrap()
            .unwrap();
        assert_eq!(charge.sale.as_deref(), Some(payment.sale.as_str()));
    }
    // One day's charges: a settlement window is a slice of the index, not a scan.
    let first_day = charges[0].time.date();
    let window = store
        .card_transactions_between(
            first_day.and_hms_opt(0, 0, 0).unwrap(),
            (first_day + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
        .unwrap();
    assert!(!window.is_empty() && window.len() < charges.len());
    assert!(window.iter().all(|c| c.time.date() == first_day));
}

#[test]
fn the_reference_sale_by_webhook_then_by_sync_is_one_set_of_payments() {
    use legion_hub::books::AccountKey;
    use legion_hub::domain::Provider;
    use legion_hub::integrations::mindbody::mapping::payments_of;
    use legion_hub::integrations::mindbody::types::SalesPage;
    use legion_hub::integrations::mindbody::webhooks::payload::Delivery;

    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let site = AccountKey::new(Provider::Mindbody, "-99").unwrap();
    let delivered = Delivery::parse(include_bytes!(
        "../fixtures/mindbody/webhook_clientSale_created.body.json"
    ))
    .unwrap()
    .sale()
    .unwrap()
    .payments(&site);
    let synced: SalesPage =
        serde_json::from_str(include_str!("../fixtures/mindbody/sales_page.json")).unwrap();
    let synced = payments_of(&site, &synced.sales[0]);
    assert_eq!(delivered.sale, synced.sale, "one sale, seen two ways");

    store
        .upsert_sales(&[], std::slice::from_ref(&delivered), false)
        .unwrap();
    let stood_in = store.payments_of_sale(&delivered.sale).unwrap();
    assert_eq!(keys(&stood_in), ["mindbody@-99:payment:98001"]);
    assert!(stood_in[0].provisional);
    let (_, tally) = store
        .upsert_sales(&[], std::slice::from_ref(&synced), false)
        .unwrap();
    assert_eq!(
        tally,
        PaymentTally {
            updated: 1,
            ..PaymentTally::default()
        }
    );
    // And a re-sync: nothing changes.
    let (_, tally) = store
        .upsert_sales(&[], std::slice::from_ref(&synced), false)
        .unwrap();
    assert_eq!(
        tally,
        PaymentTally {
            unchanged: 1,
            ..PaymentTally::default()
        }
    );
    assert_eq!(
        store.payments_of_sale(&synced.sale).unwrap(),
        synced.payments
    );
    let (from, to) = always();
    assert_eq!(
        store
            .payments_by_method(MethodKind::Cash, from, to)
            .unwrap(),
        synced.payments,
        "one index entry"
    );
}
