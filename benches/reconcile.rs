//! Reconciliation (issue 14): a year of a busy studio matched to its bank. The sandbox studio
//! with 100,000 sales over a year, its settled card and ACH transactions and cash, and its bank's
//! statement of the year; the matcher's time for all suggestions (median of 3), beside the bare
//! pass underneath it (grouping the payments into batches once); its peak memory; and how often
//! its top suggestion is what the bank's ground truth says the line paid. Then a hostile
//! statement: 10,000 deposits and 10,000 debits of one amount.
//!
//! `cargo bench --bench reconcile`.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::NaiveDate;
use legion_hub::books::reconcile::BankEntry;
use legion_hub::books::reconcile::clearing::Clearing;
use legion_hub::books::reconcile::suggest::{Settings, suggest};
use rust_decimal::Decimal;
use support::matching;
use support::perf::{Row, publish, row};

fn median_ms(runs: usize, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Every heap byte the bench holds, and the most it held since the last reset: the matcher's
/// peak is what it allocates above its inputs, counted exactly (the process's resident size
/// also counts what the allocator keeps from building the inputs).
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: passed through to the system allocator unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(held, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: passed through to the system allocator unchanged.
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    // `cargo test --benches` runs it small, to show it works.
    let (sales, days) = if quick { (6_000, 30) } else { (100_000, 365) };
    let year = matching::year(sales, days);
    let settings = Settings::default();
    let none = |_: usize, _: &_, _: &_, _: &_| false;

    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let suggestions = suggest(&year.payments, &year.cash, &year.lines, &settings, &none);
    let peak = PEAK.load(Ordering::Relaxed);
    let score = matching::score(&year, &suggestions, 0.95);
    drop(suggestions);

    let runs = if quick { 1 } else { 3 };
    let all = median_ms(runs, || {
        std::hint::black_box(suggest(
            &year.payments,
            &year.cash,
            &year.lines,
            &settings,
            &none,
        ));
    });
    let bare = median_ms(runs, || {
        std::hint::black_box(Clearing::of(&year.payments, None));
    });

    let day = NaiveDate::from_ymd_opt(2026, 11, 12).unwrap_or_default();
    let hostile: Vec<BankEntry> = (0..20_000)
        .map(|i| BankEntry {
            key: format!("same:{i}"),
            date: day,
            amount: if i % 2 == 0 {
                Decimal::new(5_000, 2)
            } else {
                Decimal::new(-5_000, 2)
            },
            text: "CHARGEBACK".into(),
            parts: 1,
        })
        .collect();
    let hostile_ms = median_ms(1, || {
        std::hint::black_box(suggest(
            &year.payments,
            &year.cash,
            &hostile,
            &settings,
            &none,
        ));
    });

    let percent = |right: usize, of: usize| 100.0 * right as f64 / of.max(1) as f64;
    let rows: Vec<Row> = vec![
        row(
            format!(
                "matching a year: {} sales, {} settled card and ACH transactions, {} bank lines: all suggestions (median of {runs})",
                legion_hub::format::thousands(sales),
                legion_hub::format::thousands(year.payments.len() as u64),
                legion_hub::format::thousands(year.lines.len() as u64),
            ),
            "< 1 s",
            format!(
                "{all:.0} ms (the bare pass, grouping the payments into batches once: {bare:.0} ms)"
            ),
        ),
        row(
            "the matcher's peak memory on that year (heap above what the inputs hold)",
            "< 100 MB",
            format!(
                "{:.1} MB",
                peak.saturating_sub(before) as f64 / (1024.0 * 1024.0)
            ),
        ),
        row(
            "top suggestion right, against the sandbox bank's ground truth over that year",
            "≥ 98% of deposits; none accepted unseen unless exact",
            format!(
                "card payouts {} of {} ({:.1}%), cash deposits {} of {} ({:.1}%); {} sure enough to accept unseen: {} not exact, {} wrong; chargebacks name no charge: offered as a choice ({} of {} first)",
                score.deposits_right,
                score.deposits,
                percent(score.deposits_right, score.deposits),
                score.cash_right,
                score.cash_deposits,
                percent(score.cash_right, score.cash_deposits),
                score.sure,
                score.sure_not_exact,
                score.sure_and_wrong,
                score.chargebacks_right,
                score.chargebacks,
            ),
        ),
        row(
            "a hostile statement: 10,000 deposits and 10,000 debits of one amount against that year",
            "bounded, no panic",
            format!("{hostile_ms:.0} ms"),
        ),
    ];
    publish("reconcile", &rows);
}
