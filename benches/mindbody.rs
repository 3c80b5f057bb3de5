//! The Mindbody sign-in on loopback: from the browser delivering the callback to "connected" drawn
//! on the dashboard (the code exchange, sealing the tokens, the test call, the status event and a
//! frame). Target: under 50 ms after the token reply; this measures from before the exchange.
//!
//! `cargo bench --bench mindbody` (CONNECT_RUNS=N, default 30).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use legion_hub::domain::Status;
use legion_hub::engine::{Engine, EngineOptions, Event, Role};
use legion_hub::oauth::browser::BrowserOpener;
use legion_hub::sandbox::mindbody::*;
use legion_hub::tui::action::Action;
use legion_hub::tui::app::App;
use legion_hub::tui::theme::Theme;
use legion_hub::tui::{settle_inline, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

struct NoBrowser;
impl BrowserOpener for NoBrowser {
    fn open(&self, _: &str) -> Result<(), String> {
        Err("benchmark".into())
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let runs: usize = std::env::var("CONNECT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 2 } else { 30 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut times = runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = MindbodySandbox::start().await.unwrap();
        sandbox.set_auto_approve(true);
        let settings = support::mindbody::settings(dir.path(), &sandbox, |_| {});
        let options = EngineOptions {
            browser: Some(Arc::new(NoBrowser)),
            ..EngineOptions::default()
        };
        let engine = Engine::open_with(&settings, Role::Dashboard, options).unwrap();
        support::mindbody::configure(&engine).await;
        let http = legion_hub::http::client_without_redirects();
        let mut app = App::new(
            Theme::new(true),
            Rect::new(0, 0, 120, 40),
            chrono::Local::now().fixed_offset(),
        );
        settle_inline(&engine, &mut app).await;
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut times = Vec::new();
        for _ in 0..runs {
            engine.disconnect_mindbody().await.unwrap();
            let mut events = engine.subscribe();
            engine.start_mindbody_connect(true).await.unwrap();
            let url = loop {
                if let Event::ConnectWaiting { sign_in, .. } = events.recv().await.unwrap() {
                    break sign_in.url;
                }
            };
            let page = http.get(&url).send().await.unwrap();
            let status = page.status();
            let Some(location) = page.headers().get("location").cloned() else {
                panic!(
                    "the sandbox answered the sign-in page with {status}, not a redirect: {}",
                    page.text().await.unwrap_or_default()
                );
            };
            let target = location.to_str().unwrap().to_string();
            let started = Instant::now();
            // The browser delivers the callback (not waited on: the dashboard is what we time).
            let deliver = tokio::spawn({
                let http = http.clone();
                async move { http.get(&target).send().await.map(|_| ()) }
            });
            loop {
                let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
                    .await
                    .unwrap()
                    .unwrap();
                app.update(Action::Engine(Box::new(event)));
                if app.hub.integrations[1].status == Status::Connected {
                    terminal.draw(|f| views::draw(f, &app)).unwrap();
                    break;
                }
            }
            times.push(started.elapsed());
            let _ = deliver.await;
        }
        times
    });
    times.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    support::perf::publish(
        "mindbody",
        &[support::perf::row(
            format!(
                "Mindbody sign-in: from the callback reaching the listener to \"connected\" drawn (loopback; includes the code exchange, sealing, the test call), median of {runs}"
            ),
            "< 50 ms after the token reply",
            format!(
                "{} (min {}, p90 {})",
                ms(times[times.len() / 2]),
                ms(times[0]),
                ms(times[times.len() * 9 / 10])
            ),
        )],
    );
}
