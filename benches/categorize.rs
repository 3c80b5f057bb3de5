//! Categorization (issue 15): 10,000 bank lines with 400 distinct payees, in a real store,
//! against the loopback Gemini sandbox. The requests of a first run (at most ceil(400 / 50) = 8)
//! and of a second run of the same lines (0); the time rules and the cache take to answer them
//! all, beside a raw sled read of the same lines; the tokens Gemini counted against the plan's
//! count; and how often the class is right on the sandbox bank's labelled lines (a year of a
//! studio's bills), reported, not asserted.
//!
//! `cargo bench --bench categorize`.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use legion_hub::api::categorize::{Decide, Decision, RunReport};
use legion_hub::books::bank::import::ImportedFile;
use legion_hub::books::bank::{Reading, read_statement};
use legion_hub::books::categorize::local::answer_locally;
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::engine::{Engine, EngineOptions, GeminiUpdate, Role};
use legion_hub::integrations::gemini::client::RetryPolicy;
use legion_hub::sandbox::bank::{BankFormat, BankLine, LineKind, Pays, Statement};
use legion_hub::sandbox::gemini::{GeminiSandbox, SANDBOX_KEY};
use legion_hub::sandbox::studio::Studio;
use legion_hub::secret::Secret;
use rust_decimal::Decimal;
use support::perf::{Row, publish, row};

/// 20 × 20 words: 400 payees a card statement could show.
const FIRST: [&str; 20] = [
    "ADOBE", "BLUE", "CEDAR", "DELTA", "EAGLE", "FOREST", "GRANITE", "HARBOR", "IRIS", "JUNIPER",
    "KESTREL", "LUNAR", "MAPLE", "NORTH", "OCEAN", "PINE", "QUARTZ", "RIVER", "SUMMIT", "TIDAL",
];
const SECOND: [&str; 20] = [
    "SOFTWARE",
    "ENERGY",
    "PROPERTIES",
    "WIRELESS",
    "SUPPLY",
    "MARKET",
    "PRINTING",
    "COFFEE",
    "STUDIO",
    "FITNESS",
    "OUTFITTERS",
    "LABS",
    "MEDIA",
    "HARDWARE",
    "CLEANING",
    "PARTNERS",
    "WORKS",
    "DESIGN",
    "FOODS",
    "GROUP",
];

fn engine_in(dir: &std::path::Path, sandbox: &GeminiSandbox) -> Engine {
    let mut config = Config::default();
    config.gemini.base_url = Some(sandbox.base_url());
    let settings = Settings {
        paths: Paths::in_dir(dir),
        config,
    };
    let options = EngineOptions {
        gemini_retry: RetryPolicy {
            attempts: 1,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        ..EngineOptions::default()
    };
    Engine::open_with(&settings, Role::Dashboard, options).expect("engine opens")
}

async fn import(engine: &Engine, statement: &Statement, name: &str) {
    let file = statement.write(BankFormat::Ofx1);
    let Reading::Statements(statements) = read_statement(&file, None).expect("read") else {
        panic!("an OFX file needs no rules");
    };
    let imported = ImportedFile {
        name: name.into(),
        sha256: format!("{:064x}", file.len()),
        size: file.len() as u64,
        format: statements[0].format,
    };
    engine
        .import_bank(Some("Chase".into()), None, imported, statements)
        .await
        .expect("imported");
}

async fn configured(engine: &Engine) {
    let report = engine
        .configure_gemini(GeminiUpdate {
            api_key: Some(Secret::new(SANDBOX_KEY)),
            ..GeminiUpdate::default()
        })
        .await
        .expect("configured");
    assert!(report.ok, "{report:?}");
}

/// The sandbox studio's bills of `days` days, with their labels.
fn bills(days: i64) -> Statement {
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 28)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("a day");
    let studio = Studio::new(2_000, 200, anchor, days);
    let mut statement =
        Statement::of(&studio, studio.first_sale.date(), anchor.date()).expect("a statement");
    statement
        .lines
        .retain(|l| matches!(l.pays, Pays::Other { .. }));
    statement.closing =
        statement.opening + statement.lines.iter().map(|l| l.amount).sum::<Decimal>();
    statement
}

/// `count` card purchases at 400 payees, over a year, in a statement of the sandbox's shape.
fn many(count: usize) -> Statement {
    let mut statement = bills(30);
    let end = statement.to;
    let mut balance = statement.opening;
    statement.lines = (0..count)
        .map(|i| {
            let payee = i % 400;
            let name = format!("{} {}", FIRST[payee / 20], SECOND[payee % 20]);
            let amount = -Decimal::new(1_000 + (i as i64 * 7_919) % 90_000, 2);
            balance += amount;
            BankLine {
                id: format!("CAT{i:06}"),
                date: end
                    .checked_sub_days(Days::new((i % 365) as u64))
                    .unwrap_or(end),
                amount,
                kind: LineKind::CardPurchase,
                description: format!("POS 4821 {name} #{:04} 800-555-{:04}", i % 97, payee),
                party: name,
                check_or_slip: None,
                balance_after: balance,
                batch: None,
                pays: Pays::Other {
                    what: "purchase".into(),
                },
            }
        })
        .collect();
    statement.lines.sort_by_key(|l| l.date);
    let mut running = statement.opening;
    for line in &mut statement.lines {
        running += line.amount;
        line.balance_after = running;
    }
    statement.from = statement.lines.first().map_or(statement.from, |l| l.date);
    statement.closing = running;
    statement
}

/// The class a bookkeeper gives each of the sandbox bank's bills.
fn expected(what: &str) -> &'static str {
    match what {
        "rent" => "Rent",
        "software" => "Software",
        "cleaning" => "Cleaning",
        "utilities" => "Utilities",
        "telephone" => "Telephone and internet",
        "transfer to savings" => "Transfers",
        "bank fee" => "Bank fees",
        "payroll" => "Payroll",
        "payroll taxes" => "Payroll taxes",
        _ => "?",
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let count = if quick { 1_000 } else { 10_000 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let rows = runtime.block_on(async move {
        let sandbox = GeminiSandbox::start().await.expect("sandbox");
        let dir = tempfile::tempdir().expect("a temp dir");
        let engine = engine_in(dir.path(), &sandbox);
        configured(&engine).await;
        import(&engine, &many(count), "many.ofx").await;

        let first: RunReport = engine.categorize(false).await.expect("first run");
        // Twenty of the payees get a rule, as a person accepting would make them.
        let view = engine.categorize_view().await.expect("view");
        let mut ruled = std::collections::HashSet::new();
        for s in view.items.iter().filter(|s| s.decision == Decision::Open) {
            if ruled.len() == 20 || !ruled.insert(s.payee.clone()) {
                continue;
            }
            engine
                .decide_suggestion(
                    s.subject.clone(),
                    Decide::Accept { class: None, rule: true, pattern: None },
                )
                .await
                .expect("accepted");
        }
        let started = Instant::now();
        let second: RunReport = engine.categorize(false).await.expect("second run");
        let second_ms = started.elapsed().as_secs_f64() * 1000.0;

        // Rules and the cache alone, over what the store holds (median of 5).
        let core = engine.local().expect("in this process");
        let gathered = core.gather_for_categorizing().expect("gathered");
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                let local = answer_locally(&gathered.items, &gathered.rules, &gathered.cache);
                std::hint::black_box(local);
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let local_ms = times[2];
        let mut reads: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(core.gather_for_categorizing().expect("gathered"));
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        reads.sort_by(f64::total_cmp);
        let gather_ms = reads[2];
        drop(gathered);
        drop(engine);

        // The bare limit: the same lines read raw from sled, no decoding.
        let db = sled::open(dir.path().join("records")).expect("records");
        let tree = db.open_tree("bank_lines").expect("tree");
        let mut raw: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                let bytes: usize = tree.iter().flatten().map(|(k, v)| k.len() + v.len()).sum();
                std::hint::black_box(bytes);
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        raw.sort_by(f64::total_cmp);
        let raw_ms = raw[2];
        drop(tree);
        drop(db);

        // Accuracy on the sandbox's labelled lines: a year of bills, Gemini for every payee.
        let labelled = tempfile::tempdir().expect("a temp dir");
        let engine = engine_in(labelled.path(), &sandbox);
        configured(&engine).await;
        let year = bills(365);
        import(&engine, &year, "bills.ofx").await;
        let run = engine.categorize(false).await.expect("labelled run");
        let view = engine.categorize_view().await.expect("view");
        let by_date_amount: HashMap<(NaiveDate, Decimal), Option<String>> = view
            .items
            .iter()
            .map(|s| ((s.date, s.amount), s.class.clone()))
            .collect();
        let (mut right, mut of, mut sure, mut sure_right) = (0, 0, 0, 0);
        let mut missed: std::collections::BTreeMap<String, usize> = Default::default();
        for line in &year.lines {
            let Pays::Other { what } = &line.pays else { continue };
            of += 1;
            let got = by_date_amount.get(&(line.date, line.amount)).cloned().flatten();
            let confident = view
                .items
                .iter()
                .find(|s| s.date == line.date && s.amount == line.amount)
                .is_some_and(|s| s.confidence >= 0.8);
            if got.as_deref() == Some(expected(what)) {
                right += 1;
                sure_right += usize::from(confident);
            } else {
                *missed.entry(what.clone()).or_default() += 1;
            }
            sure += usize::from(confident);
        }
        let missed: Vec<String> = missed.iter().map(|(w, n)| format!("{w} {n}")).collect();

        let thousands = |n: u64| legion_hub::format::thousands(n);
        let rows: Vec<Row> = vec![
            row(
                format!(
                    "categorizing {} bank lines with 400 distinct payees: Gemini requests, first run and a second run of the same lines",
                    thousands(count as u64)
                ),
                "≤ 8 (ceil(400 / 50)), then 0",
                format!(
                    "{} requests ({} lines classed by Gemini, {} misfit batches), then {} ({} from rules, {} from the cache)",
                    first.requests, thousands(first.by_gemini), first.misfit_batches,
                    second.requests, thousands(second.by_rule), thousands(second.by_cache)
                ),
            ),
            row(
                format!("rules (20) and the cache answering those {} lines (median of 5)", thousands(count as u64)),
                "< 50 ms",
                format!(
                    "{local_ms:.1} ms (a raw sled read of the same lines: {raw_ms:.1} ms; reading and decoding them with the rules and cache: {gather_ms:.0} ms; the whole second run, saving every suggestion: {second_ms:.0} ms)"
                ),
            ),
            row(
                "Gemini's tokens on the first run against the plan",
                "reported",
                format!(
                    "planned {} prompt tokens ({}); usageMetadata: {} prompt + {} reply = {}",
                    thousands(first.estimated_tokens), first.estimate_words,
                    thousands(first.usage.prompt), thousands(first.usage.reply), thousands(first.usage.total)
                ),
            ),
            row(
                format!(
                    "class right on the sandbox bank's labelled lines (a year of bills: {} lines, {} payees, {} request{})",
                    of, run.payees_for_gemini, run.requests, if run.requests == 1 { "" } else { "s" }
                ),
                "reported, not asserted",
                format!(
                    "{right} of {of} ({:.0}%); {sure} at least 80% sure, {sure_right} of them right; wrong: {}",
                    100.0 * right as f64 / of.max(1) as f64,
                    if missed.is_empty() { "none".to_string() } else { missed.join(", ") }
                ),
            ),
        ];
        rows
    });
    publish("categorize", &rows);
}
