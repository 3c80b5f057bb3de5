//! Revenue reports (issue 16): a year of a busy studio, 100,000 sales over 365 days in five
//! classes, twelve categories, five payment methods and three locations. The Reports screen's
//! overview of twelve months (median of many), beside the bare limit under it (reading the same
//! daily-totals entries from the store, nothing added up) and, for contrast, what a scan of the
//! year's transactions costs; `legion-hub report revenue --by class` for the year as a whole
//! process, beside a bare `legion-hub --version`; and what keeping the totals costs a sync:
//! the same sales stored in pages of 100 into two fresh stores, page by page in turn, one
//! keeping the totals and one with them switched off (`Store::stop_keeping_daily_totals_for_bench`).
//!
//! `cargo bench --bench reports`.

mod support;

use std::path::Path;
use std::time::Instant;

use chrono::{Datelike, Duration, Local, Months, NaiveDate, Utc};
use legion_hub::api::reports::Grouping;
use legion_hub::books::Transaction;
use legion_hub::books::reports::overview::revenue_overview;
use legion_hub::config::Paths;
use legion_hub::store::Store;
use legion_hub::store::daily_totals::{Dimension, Granularity};
use rust_decimal::Decimal;
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

const CLASSES: [&str; 5] = [
    "Class revenue",
    "Memberships",
    "Personal training",
    "Retail",
    "Workshops",
];
const METHODS: [&str; 5] = ["card", "card", "cash", "ach", "split"];

/// `n` sales spread evenly over the `days` days ending today: a mix of classes, categories
/// (each class has two or three), methods and locations, one in forty returned.
fn sales(n: u64, days: i64) -> Vec<Transaction> {
    let end = Local::now().naive_local();
    let start = end - Duration::days(days);
    let step = Duration::seconds(days * 86_400 / n.max(1) as i64);
    (0..n)
        .map(|i| {
            let category = (i * 7 % 12) as i64;
            let returned = i % 40 == 39;
            let amount = Decimal::new(1_500 + (i * 37 % 15_000) as i64, 2);
            Transaction {
                key: format!("mindbody@-99:sale:{}:{}", 100_000 + i, 1_000_000 + i),
                date: start + step * i as i32,
                amount: if returned { -amount } else { amount },
                tax: Decimal::new((i % 300) as i64, 2),
                discount: Decimal::new(if i % 9 == 0 { 250 } else { 0 }, 2),
                currency: "USD".into(),
                description: "Drop-in Class".into(),
                category_id: Some(category),
                class: Some(CLASSES[(category % 5) as usize].into()),
                customer: Some(format!("mindbody@-99:client:{}", 100_000_000 + i % 5_000)),
                source: "mindbody".into(),
                returned,
                settlement: None,
                location_id: Some(1 + (i % 3) as i64),
                payment_method: Some(METHODS[(i % 5) as usize].into()),
                contract: None,
                synced_at: Utc::now(),
            }
        })
        .collect()
}

/// A fresh store, keeping the daily totals or not.
fn fresh_store(dir: &Path, keep_totals: bool) -> Store {
    let store = Store::open(&Paths::in_dir(dir), "bench").expect("the store opens");
    if !keep_totals {
        store
            .stop_keeping_daily_totals_for_bench()
            .expect("the switch");
    }
    store
}

/// Wall and CPU milliseconds, added up.
#[derive(Default, Clone, Copy)]
struct Spent {
    wall: f64,
    cpu: f64,
}

impl Spent {
    /// Runs `work` and adds its wall time and the CPU time of this thread (`work` runs on it;
    /// sled's own threads do the same for both stores) to the sum.
    fn add(&mut self, work: impl FnOnce()) {
        let cpu = cpu_ms(libc::RUSAGE_THREAD);
        let started = Instant::now();
        work();
        self.wall += started.elapsed().as_secs_f64() * 1000.0;
        self.cpu += cpu_ms(libc::RUSAGE_THREAD) - cpu;
    }
}

/// The same sales stored as a sync stores them, a page of 100 at a time, then flushed as a
/// sync's end flushes (which writes the totals still waiting: counted, as it is paid), into two
/// fresh stores at once, one keeping the daily totals and one not, page by page in turn: a
/// machine busy with other work slows both alike. What each spent, kept first.
fn stored_in_pages(all: &[Transaction]) -> (Spent, Spent) {
    let (kept_dir, off_dir) = (
        tempfile::tempdir().expect("a temporary directory"),
        tempfile::tempdir().expect("a temporary directory"),
    );
    let (kept, off) = (
        fresh_store(kept_dir.path(), true),
        fresh_store(off_dir.path(), false),
    );
    let (mut kept_spent, mut off_spent) = (Spent::default(), Spent::default());
    let store_in = |store: &Store, spent: &mut Spent, page: &[Transaction]| {
        spent.add(|| {
            store.upsert_transactions(page, false).expect("stored");
        })
    };
    for (i, page) in all.chunks(100).enumerate() {
        if i % 2 == 0 {
            store_in(&kept, &mut kept_spent, page);
            store_in(&off, &mut off_spent, page);
        } else {
            store_in(&off, &mut off_spent, page);
            store_in(&kept, &mut kept_spent, page);
        }
    }
    kept_spent.add(|| kept.flush().expect("flushed"));
    off_spent.add(|| off.flush().expect("flushed"));
    (kept_spent, off_spent)
}

/// The CPU time (user and system) used so far by this process (`RUSAGE_SELF`) or by its
/// finished children (`RUSAGE_CHILDREN`), in milliseconds.
fn cpu_ms(who: libc::c_int) -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// The binary run `runs` times: the median wall time and the median CPU time it used (user and
/// system: what it costs whatever else the machine runs), in milliseconds.
fn process_ms(dir: &Path, args: &[&str], runs: usize) -> (f64, f64) {
    let mut cpu = Vec::with_capacity(runs);
    let wall = median_ms(runs, || {
        let before = cpu_ms(libc::RUSAGE_CHILDREN);
        let out = support::binary::in_dir(dir)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the binary runs");
        assert!(out.status.success(), "{args:?}: {out:?}");
        cpu.push(cpu_ms(libc::RUSAGE_CHILDREN) - before);
    });
    cpu.sort_by(f64::total_cmp);
    (wall, cpu[cpu.len() / 2])
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    // `cargo test --benches` runs it small, to show it works.
    let (count, sync_count, runs) = if quick {
        (3_000, 1_000, 3)
    } else {
        (100_000, 20_000, 200)
    };
    let year = sales(count, 365);

    // A data directory prepared once, for the store and for the binary.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    {
        let store = Store::open(&Paths::in_dir(&data), "bench").expect("the store opens");
        for chunk in year.chunks(10_000) {
            store.upsert_transactions(chunk, false).expect("stored");
        }
    }
    let store = Store::open(&Paths::in_dir(&data), "bench").expect("the store opens");
    let today = Local::now().date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let year_before = first.checked_sub_months(Months::new(12)).unwrap_or(first);
    let last_day = first
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
        .unwrap_or(first);

    let overview = revenue_overview(&store, today, Grouping::Class).expect("the overview");
    let entries = store
        .daily_totals(Granularity::Month, Dimension::Service, year_before, first)
        .expect("read")
        .len()
        + store
            .daily_totals(Granularity::Day, Dimension::Service, first, last_day)
            .expect("read")
            .len();
    let overview_ms = median_ms(runs, || {
        std::hint::black_box(revenue_overview(&store, today, Grouping::Class).expect("overview"));
    });
    let bare_ms = median_ms(runs, || {
        std::hint::black_box(
            store
                .daily_totals(Granularity::Month, Dimension::Service, year_before, first)
                .expect("read"),
        );
        std::hint::black_box(
            store
                .daily_totals(Granularity::Day, Dimension::Service, first, last_day)
                .expect("read"),
        );
    });
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
    let scan_ms = median_ms(if quick { 1 } else { 3 }, || {
        let rows = store
            .transactions_between(
                midnight(year_before),
                midnight(last_day) + Duration::days(1),
            )
            .expect("read");
        let mut by_class = std::collections::HashMap::<Option<String>, Decimal>::new();
        for tx in rows {
            *by_class.entry(tx.class).or_default() += tx.amount;
        }
        std::hint::black_box(by_class);
    });
    assert!(overview.total.count > 0);
    drop(store);

    let process_runs = if quick { 3 } else { 21 };
    let report_args = ["report", "revenue", "--by", "class"];
    // The first open after the writes replays sled's log and writes its snapshot (once after
    // every burst of writes, as a sync is): shown apart, not in the median.
    let (first_ms, _) = process_ms(dir.path(), &report_args, 1);
    let (report_ms, report_cpu) = process_ms(dir.path(), &report_args, process_runs);
    let (version_ms, version_cpu) = process_ms(dir.path(), &["--version"], process_runs);

    // Keeping the totals, against not: fresh stores each round, their sums.
    let sync_sales = &year[..sync_count.min(year.len())];
    let rounds = if quick { 1 } else { 5 };
    let (mut kept, mut off) = (Spent::default(), Spent::default());
    for _ in 0..rounds {
        let (k, o) = stored_in_pages(sync_sales);
        (kept.wall, kept.cpu) = (kept.wall + k.wall, kept.cpu + k.cpu);
        (off.wall, off.cpu) = (off.wall + o.wall, off.cpu + o.cpu);
    }
    let per_second = |ms: f64| (rounds * sync_sales.len()) as f64 / (ms / 1000.0);
    let more = |with: f64, without: f64| 100.0 * (with - without) / without;

    let thousands = |n: u64| legion_hub::format::thousands(n);
    let rows: Vec<Row> = vec![
        row(
            format!(
                "Reports overview, 12 months by class with categories, {} sales over a year (median of {runs})",
                thousands(count)
            ),
            "< 2 ms",
            format!(
                "{overview_ms:.2} ms (the bare limit, reading its {entries} daily-totals entries from the store: {bare_ms:.2} ms; a scan of the year's transactions instead: {scan_ms:.0} ms)"
            ),
        ),
        row(
            format!(
                "`legion-hub report revenue --by class` for the last 12 months of those sales, whole process wall (median of {process_runs})"
            ),
            "< 100 ms",
            format!(
                "{report_ms:.0} ms, {report_cpu:.0} ms of CPU (a bare `legion-hub --version`: {version_ms:.0} ms, {version_cpu:.0} ms of CPU; the first run after the writes: {first_ms:.0} ms)"
            ),
        ),
        row(
            format!(
                "sync storing with the daily totals kept: {} sales in pages of 100 into a fresh store, against the same into a fresh store without them, page by page in turn ({rounds} rounds)",
                thousands(sync_sales.len() as u64)
            ),
            "< 5% slower",
            format!(
                "{:+.1}% of CPU ({:.0} ms against {:.0} ms a round); wall {:+.1}% ({:.0} sales/s; without the totals {:.0} sales/s)",
                more(kept.cpu, off.cpu),
                kept.cpu / rounds as f64,
                off.cpu / rounds as f64,
                more(kept.wall, off.wall),
                per_second(kept.wall),
                per_second(off.wall),
            ),
        ),
    ];
    publish("reports", &rows);
}
