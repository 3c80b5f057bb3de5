//! A chat answer grounded in the books (issue 15, item 5): what the tool round trips add on top
//! of Gemini's own time. A store of 100,000 transactions (a year of a busy studio); the calls a
//! grounded answer makes (a month's sales by class, the month's top customers, today's sales,
//! the integrations' status), each run as the chat runs it (arguments read, the books asked,
//! the response built as JSON and sent as text), beside the bare limit under them: reading the
//! month's transactions from the date index (what `top_customers` did before it read the kept
//! customers' day totals, measured alone beside), and a raw scan of the whole transactions tree.
//! Then the same four calls asked as one question through the engine and the sandbox's Gemini
//! over loopback, end to end, beside an answer that calls no tool.
//!
//! `cargo bench --bench chat_tools`.

mod support;

use std::time::Instant;

use chrono::{Duration, Local, NaiveDate};
use legion_hub::books::access::BooksAccess;
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::engine::{Engine, Event, GeminiUpdate, Role};
use legion_hub::integrations::gemini::books_tools::BooksTools;
use legion_hub::integrations::gemini::tools::FunctionCall;
use legion_hub::sandbox::gemini::{GeminiSandbox, SANDBOX_KEY};
use legion_hub::secret::Secret;
use legion_hub::store::Store;
use serde_json::json;
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

/// A chat answer through the engine, start to finish: the question saved, Gemini asked over
/// loopback (the sandbox answers at once: no model time), the tools run, Gemini asked again, the
/// reply saved. The median wall time of a grounded answer, and of one without tools.
fn end_to_end(dir: &std::path::Path, from: NaiveDate, to: NaiveDate, runs: usize) -> (f64, f64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let sandbox = GeminiSandbox::start().await.expect("the sandbox starts");
        let mut config = Config::default();
        config.gemini.base_url = Some(sandbox.base_url());
        let settings = Settings {
            paths: Paths::in_dir(dir),
            config,
        };
        let engine = Engine::open(&settings, Role::Dashboard).expect("the engine opens");
        engine
            .configure_gemini(GeminiUpdate {
                api_key: Some(Secret::new(SANDBOX_KEY)),
                ..GeminiUpdate::default()
            })
            .await
            .expect("the sandbox's key is taken");
        let grounded_question = format!(
            "Sales summary by class from {from} to {to}, top customers from {from} to {to}, todays sales and integration status."
        );
        let ask = |question: String, tools: usize| {
            let engine = &engine;
            async move {
                let mut events = engine.subscribe();
                let started = Instant::now();
                engine
                    .send_chat(None, question, None)
                    .await
                    .expect("the question is taken");
                loop {
                    if let Ok(Event::ChatFinished(reply)) = events.recv().await {
                        assert_eq!(reply.tools.len(), tools, "{:?}", reply.tools);
                        return started.elapsed().as_secs_f64() * 1000.0;
                    }
                }
            }
        };
        let mut grounded = Vec::new();
        let mut plain = Vec::new();
        // One of each first, so every figure is of a warm store and connection.
        ask(grounded_question.clone(), 4).await;
        ask("How do I reconnect Mindbody?".into(), 0).await;
        for _ in 0..runs {
            grounded.push(ask(grounded_question.clone(), 4).await);
            plain.push(ask("How do I reconnect Mindbody?".into(), 0).await);
        }
        grounded.sort_by(f64::total_cmp);
        plain.sort_by(f64::total_cmp);
        (grounded[grounded.len() / 2], plain[plain.len() / 2])
    })
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    // `cargo test --benches` runs it small, to show it works.
    let count: i64 = if quick { 2_000 } else { 100_000 };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&Paths::in_dir(dir.path()), "bench").expect("the store opens");
    support::history::store_transactions(&store, count);

    let today = Local::now().date_naive();
    let month_ago = today - Duration::days(30);
    let tools = BooksTools {
        access: BooksAccess::Aggregates,
        customer_names: false,
        today,
        overdue_after_days: 3,
    };
    let call = |name: &str, args: serde_json::Value| FunctionCall {
        name: name.into(),
        args,
        id: None,
    };
    let range = json!({"from": month_ago.to_string(), "to": today.to_string()});
    let mut by_class = range.clone();
    by_class["group_by"] = json!("class");
    let answer_calls = [
        call("sales_summary", by_class),
        call("top_customers", range.clone()),
        call("todays_sales", json!({})),
        call("integration_status", json!({})),
    ];
    let year = json!({"from": (today - Duration::days(365)).to_string(), "to": today.to_string(), "group_by": "week"});
    let year_call = call("sales_summary", year);

    // What the chat does with each call: run it, and write the response into the request.
    let run = |call: &FunctionCall| {
        let (response, used) = tools.run(&store, call);
        assert!(response.get("error").is_none(), "{}: {response}", call.name);
        std::hint::black_box((serde_json::to_vec(&response).map(|v| v.len()).ok(), used));
    };
    let runs = if quick { 1 } else { 11 };
    // One read first, so every figure is of a warm store.
    answer_calls.iter().for_each(run);
    let answer = median_ms(runs, || answer_calls.iter().for_each(run));
    // The call that read the month's transactions before the customers' day totals were kept.
    let top_customers = median_ms(runs, || run(&answer_calls[1]));
    let year_ms = median_ms(runs, || run(&year_call));
    let (start, end) = (
        month_ago.and_hms_opt(0, 0, 0).unwrap_or_default(),
        (today + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    );
    let month_read = median_ms(runs, || {
        std::hint::black_box(store.transactions_between(start, end).map(|t| t.len()).ok());
    });
    let (far_start, far_end) = (
        (today - Duration::days(400))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
        end,
    );
    let raw_scan = median_ms(runs, || {
        std::hint::black_box(
            store
                .transactions_between(far_start, far_end)
                .map(|t| t.len())
                .ok(),
        );
    });

    drop(store);
    let (grounded, plain) = end_to_end(dir.path(), month_ago, today, runs);

    let rows: Vec<Row> = vec![
        row(
            format!(
                "chat tools: the calls of a grounded answer (a month's sales by class, the month's top customers, today's sales, the integrations' status) run and written as JSON, {} transactions (median of {runs})",
                legion_hub::format::thousands(count as u64)
            ),
            "< 20 ms added",
            format!(
                "{answer:.2} ms, the month's top customers {top_customers:.2} ms of it (the bare read of the month's transactions from the date index, which it no longer makes: {month_read:.2} ms)"
            ),
        ),
        row(
            "chat: a grounded answer end to end (the four calls above asked in one question, through the engine and the sandbox's Gemini over loopback: two Gemini rounds and the tools between)",
            "< 20 ms on top of Gemini's own time",
            format!(
                "{grounded:.1} ms; an answer without tools (one round) {plain:.1} ms, so the tools' round trip adds about {:.1} ms beyond a second round",
                (grounded - 2.0 * plain).max(0.0)
            ),
        ),
        row(
            "chat tools: the widest call, a year's sales by week",
            "",
            format!("{year_ms:.1} ms (the raw read of every transaction: {raw_scan:.1} ms)"),
        ),
    ];
    publish("chat_tools", &rows);
}
