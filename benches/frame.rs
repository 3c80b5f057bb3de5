//! One dashboard frame at 200x50 with 100,000 sync-log rows for the selected integration: move
//! the history selection (a row, a page, a long jump), fetch the rows now visible from sled,
//! draw into ratatui's TestBackend. Target: under 1 ms.
//!
//! `cargo bench --bench frame`

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::App;
use legion_hub::tui::theme::Theme;
use legion_hub::tui::{settle_inline as settle, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

fn frame(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::history::data_dir_with_history(dir.path(), 100_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut app = App::new(
        Theme::new(true),
        Rect::new(0, 0, 200, 50),
        chrono::Local::now().fixed_offset(),
    );
    runtime.block_on(settle(&engine, &mut app));
    app.update(Action::Move(1)); // select Mindbody
    app.update(Action::NextPane);
    app.update(Action::NextPane); // focus the history
    runtime.block_on(settle(&engine, &mut app));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();

    // A walk that mixes single steps, pages and long jumps, so most frames need new rows.
    let moves = [
        1i64, 1, 40, -3, 25_000, 1, -40, 60_000, -85_000, 7, 99_999, -50_000,
    ];
    let mut step = 0;
    c.bench_function(
        "frame 200x50, 100k history rows (move + fetch + draw)",
        |b| {
            b.iter(|| {
                app.update(Action::Move(moves[step % moves.len()]));
                step += 1;
                runtime.block_on(settle(&engine, &mut app));
                terminal.draw(|f| views::draw(f, black_box(&app))).unwrap();
            })
        },
    );
    c.bench_function("frame 200x50, redraw only", |b| {
        b.iter(|| {
            terminal.draw(|f| views::draw(f, black_box(&app))).unwrap();
        })
    });
}

/// The transactions screen over 100,000 transactions: move, fetch the rows on screen, draw.
fn transactions_frame(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    {
        let store =
            legion_hub::store::Store::open(&legion_hub::config::Paths::in_dir(dir.path()), "bench")
                .unwrap();
        support::history::store_transactions(&store, 100_000);
    }
    let engine = legion_hub::engine::Engine::open(
        &support::settings_in(dir.path()),
        legion_hub::engine::Role::Dashboard,
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut app = App::new(
        Theme::new(true),
        Rect::new(0, 0, 200, 50),
        chrono::Local::now().fixed_offset(),
    );
    app.update(Action::ShowScreen(
        legion_hub::tui::app::Screen::Transactions,
    ));
    runtime.block_on(settle(&engine, &mut app));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let moves = [
        1i64, 1, 40, -3, 25_000, 1, -40, 60_000, -85_000, 7, 99_999, -50_000,
    ];
    let mut step = 0;
    c.bench_function(
        "transactions screen 200x50, 100k rows (move + fetch + draw)",
        |b| {
            b.iter(|| {
                app.update(Action::Move(moves[step % moves.len()]));
                step += 1;
                runtime.block_on(settle(&engine, &mut app));
                terminal.draw(|f| views::draw(f, black_box(&app))).unwrap();
            })
        },
    );
}

criterion_group!(benches, frame, transactions_frame);
fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    support::perf::publish_criterion(
        "frame",
        &[
            (
                "one frame, 200x50, 100,000 history rows: move, fetch the visible rows, draw",
                "< 1 ms",
                "frame 200x50, 100k history rows (move + fetch + draw)",
            ),
            (
                "one frame, 200x50, redraw only",
                "",
                "frame 200x50, redraw only",
            ),
            (
                "transactions screen frame, 200x50, 100,000 transactions (move, fetch, draw)",
                "smooth (< 16 ms)",
                "transactions screen 200x50, 100k rows (move + fetch + draw)",
            ),
        ],
    );
}
