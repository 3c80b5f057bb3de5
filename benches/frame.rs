//! One dashboard frame at 200x50 with 100,000 sync-log rows for the selected integration: move
//! the history selection (a row, a page, a long jump), fetch the rows now visible from sled,
//! draw into ratatui's TestBackend. Target: under 1 ms.
//!
//! `cargo bench --bench frame`

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::App;
use legion_hub::tui::theme::Theme;
use legion_hub::tui::{settle_inline as settle, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

fn frame(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::data_dir_with_history(dir.path(), 100_000);
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
    use legion_hub::finance::Transaction;
    let dir = tempfile::tempdir().unwrap();
    {
        let store =
            legion_hub::store::Store::open(&legion_hub::config::Paths::in_dir(dir.path()), "bench")
                .unwrap();
        let start = chrono::Local::now().naive_local() - chrono::Duration::days(365);
        let rows: Vec<Transaction> = (0..100_000i64)
            .map(|i| Transaction {
                key: format!("mindbody:sale:{}:{}", 100_000 + i, 1_000_000 + i),
                date: start + chrono::Duration::minutes(5 * i),
                amount: rust_decimal::Decimal::new(2_500 + i % 10_000, 2),
                tax: rust_decimal::Decimal::ZERO,
                discount: rust_decimal::Decimal::ZERO,
                currency: "USD".into(),
                description: "Drop-in Class".into(),
                category_id: Some(22),
                class: Some("Class revenue".into()),
                customer: Some(format!("mindbody:client:{}", 100_000_000 + i % 5_000)),
                source: "mindbody".into(),
                returned: false,
                settlement: None,
                synced_at: chrono::Utc::now(),
            })
            .collect();
        for chunk in rows.chunks(10_000) {
            store.upsert_transactions(chunk, false).unwrap();
        }
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
criterion_main!(benches);
