//! Mindbody sync figures over loopback against the sandbox studio:
//! - 50,000 sales: transactions stored per second (target at least 20,000) and the sales calls
//!   made (target exactly ceil(50,000 / 200) = 250);
//! - a sync with nothing new: calls per sync type (target one each);
//! - the dashboard during a sync: one frame of the transactions screen (100,000+ rows) drawn
//!   while the sync runs (target under 2 ms);
//! - a sync that cannot succeed (a wrong API key; Mindbody unreachable, with the default
//!   retries): the billed calls and the time it takes to give up (it stops after the first type).
//!
//! `cargo bench --bench sync` (SYNC_SALES=N to change the size).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Local;
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::engine::{Engine, EngineOptions, Role, SyncKind, SyncRequest};
use legion_hub::sandbox::mindbody::*;
use legion_hub::sandbox::studio::Studio;
use legion_hub::tui::action::Action;
use legion_hub::tui::app::{App, Screen};
use legion_hub::tui::theme::Theme;
use legion_hub::tui::{settle_inline, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

async fn connected(dir: &std::path::Path, sandbox: &MindbodySandbox) -> Engine {
    let mut config = Config {
        mindbody: sandbox.endpoints(),
        ..Config::default()
    };
    // The whole studio in the first sync.
    config.mindbody.first_sync_days = Some(400);
    let settings = Settings {
        paths: Paths::in_dir(dir),
        config,
    };
    let options = EngineOptions {
        browser: Some(Arc::new(support::mindbody::FollowingBrowser)),
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&settings, Role::Dashboard, options).unwrap();
    support::mindbody::connect(&engine).await;
    engine
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let sales: u64 = std::env::var("SYNC_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1_000 } else { 50_000 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = MindbodySandbox::start().await.unwrap();
        sandbox.set_auto_approve(true);
        sandbox.set_studio(Studio::new(sales, 5_000, Local::now().naive_local() - chrono::Duration::minutes(1), 365));
        let engine = connected(dir.path(), &sandbox).await;

        // 1. The first sync of every sale.
        let calls = sandbox.api_calls();
        let started = Instant::now();
        let logs = engine
            .sync_mindbody(SyncRequest { only: Some(SyncKind::Sales), ..SyncRequest::default() })
            .await
            .unwrap();
        let took = started.elapsed();
        let stored = logs[0].records.new;
        let mut rows = vec![
            support::perf::row(
                format!("first sync of {} sales from the sandbox over loopback ({} transactions)", legion_hub::format::thousands(sales), legion_hub::format::thousands(stored)),
                "≥ 20,000 transactions/s",
                format!("{:.0} transactions/s ({:.2} s)", stored as f64 / took.as_secs_f64(), took.as_secs_f64()),
            ),
            support::perf::row(
                "sales calls for those sales",
                "exactly ceil(sales / 200)",
                format!("{} (ceil = {})", sandbox.api_calls() - calls, sales.div_ceil(200)),
            ),
        ];

        // 2. Every sync type once, then again with nothing new.
        engine.sync_mindbody(SyncRequest::default()).await.unwrap();
        let calls = sandbox.api_calls();
        let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
        let per_type: Vec<String> = logs.iter().map(|l| format!("{} {}", l.sync_type, l.api_calls)).collect();
        rows.push(support::perf::row(
            "a sync with nothing new: calls per sync type",
            "1 each",
            format!("{} in all: {}", sandbox.api_calls() - calls, per_type.join(", ")),
        ));

        // 3. Frames of the transactions screen while a full re-sync runs.
        let mut app = App::new(Theme::new(true), Rect::new(0, 0, 200, 50), Local::now().fixed_offset());
        settle_inline(&engine, &mut app).await;
        app.update(Action::ShowScreen(Screen::Transactions));
        settle_inline(&engine, &mut app).await;
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        let since = Some(Local::now().date_naive() - chrono::Duration::days(400));
        assert!(engine.start_mindbody_sync(SyncRequest { only: Some(SyncKind::Sales), since, full: true }).await.unwrap());
        let mut frames = Vec::new();
        let moves = [1i64, 25, -3, 40_000, -1, 7, -20_000];
        let mut step = 0;
        while engine.mindbody_sync_running().await.unwrap() && frames.len() < 2_000 {
            let t = Instant::now();
            app.update(Action::Move(moves[step % moves.len()]));
            step += 1;
            settle_inline(&engine, &mut app).await;
            terminal.draw(|f| views::draw(f, &app)).unwrap();
            frames.push(t.elapsed());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        frames.sort();
        if !frames.is_empty() {
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            rows.push(support::perf::row(
                format!("transactions screen frame while a full re-sync runs ({} rows, {} frames: move, fetch, draw)", legion_hub::format::thousands(app.transactions.list.total), frames.len()),
                "< 2 ms",
                format!("median {:.2} ms, p99 {:.2} ms", ms(frames[frames.len() / 2]), ms(frames[frames.len() * 99 / 100])),
            ));
        }
        // 4. Syncs that cannot succeed: they stop at the first type, and bill only what
        //    Mindbody answered.
        while engine.mindbody_sync_running().await.unwrap() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        engine
            .configure_mindbody(legion_hub::engine::MindbodyUpdate {
                api_key: Some(legion_hub::secret::Secret::new("not-the-key")),
                ..Default::default()
            })
            .await
            .unwrap();
        let calls = sandbox.api_calls();
        let logs = engine.sync_mindbody(SyncRequest::default()).await.unwrap();
        let ran = logs.iter().filter(|l| l.status != legion_hub::domain::SyncStatus::Skipped).count();
        rows.push(support::perf::row(
            "a sync with a wrong API key: billed calls (4 types)",
            "the refusal and one renewal (was 8: every type twice)",
            format!("{} calls, {ran} type run, {} skipped", sandbox.api_calls() - calls, logs.len() - ran),
        ));
        engine
            .configure_mindbody(legion_hub::engine::MindbodyUpdate {
                api_key: Some(legion_hub::secret::Secret::new(SANDBOX_API_KEY)),
                ..Default::default()
            })
            .await
            .unwrap();
        drop(engine);
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let mut config = Config { mindbody: sandbox.endpoints(), ..Config::default() };
        config.mindbody.api_url = Some(format!("http://{closed}/public/v6"));
        let unreachable = Engine::open_with(
            &Settings { paths: Paths::in_dir(dir.path()), config },
            Role::Dashboard,
            EngineOptions::default(),
        )
        .unwrap();
        let started = Instant::now();
        let logs = unreachable.sync_mindbody(SyncRequest::default()).await.unwrap();
        let took = started.elapsed();
        let billed: u64 = logs.iter().map(|l| l.api_calls).sum();
        let unreached: u64 = logs.iter().map(|l| l.unreached).sum();
        rows.push(support::perf::row(
            "a sync with Mindbody unreachable (default retries): time to give up, calls",
            "one type's retries, 0 billed (was 17.5 s, 16 counted as calls)",
            format!("{:.1} s, {billed} billed, {unreached} attempts could not connect", took.as_secs_f64()),
        ));
        support::perf::publish("sync", &rows);
    });
}
