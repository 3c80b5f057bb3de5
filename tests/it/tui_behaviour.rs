//! The dashboard's behaviour against a real engine: paging through long history, the mouse,
//! live engine events, the filter and the palette.

use crate::support::{noon, open_engine, run, runs};
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::engine::Engine;
use legion_hub::tui::action::Action;
use legion_hub::tui::app::{App, Overlay, Pane, Screen};
use legion_hub::tui::settle_inline as settle;
use legion_hub::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

async fn app_on(engine: &Engine, width: u16, height: u16) -> App {
    let mut app = App::new(
        Theme::new(false),
        Rect::new(0, 0, width, height),
        noon().fixed_offset(),
    );
    settle(engine, &mut app).await;
    app
}

async fn step(engine: &Engine, app: &mut App, action: Action) {
    app.update(action);
    settle(engine, app).await;
}

fn typed(text: &str) -> Vec<Action> {
    text.chars()
        .map(|c| Action::Edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
        .collect()
}

#[tokio::test]
async fn history_pages_through_thousands_of_runs_loading_only_what_is_visible() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    engine
        .import_sync_history(Provider::Mindbody, runs(Provider::Mindbody, 5_000))
        .await
        .unwrap();
    let mut app = app_on(&engine, 120, 40).await;
    step(&engine, &mut app, Action::Move(1)).await; // Mindbody
    step(&engine, &mut app, Action::NextPane).await;
    step(&engine, &mut app, Action::NextPane).await;
    assert_eq!(app.hub.focus, Pane::History);
    assert_eq!(app.hub.history.total, 5_000);
    let visible = app.hub.history_rows(&app.context());
    let (_, rows) = app.hub.history.window.as_ref().unwrap();
    assert_eq!(rows.len(), visible, "only the visible rows are loaded");
    assert_eq!(app.hub.history.row(0).unwrap().seq, 5_000);

    step(&engine, &mut app, Action::Bottom).await;
    assert_eq!(app.hub.history.selected, 4_999);
    assert_eq!(
        app.hub.history.row(4_999).unwrap().seq,
        1,
        "the oldest run is last"
    );
    assert_eq!(app.hub.history.top, 5_000 - visible as u64);

    step(&engine, &mut app, Action::Page(-1)).await;
    assert_eq!(app.hub.history.selected, 4_999 - visible as u64);
    let selected = app.hub.history.row(app.hub.history.selected).unwrap();
    assert_eq!(selected.seq, 5_000 - app.hub.history.selected);

    step(&engine, &mut app, Action::Top).await;
    assert_eq!((app.hub.history.selected, app.hub.history.top), (0, 0));
}

#[tokio::test]
async fn a_click_selects_the_row_under_it_and_the_wheel_scrolls_that_pane() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    engine
        .import_sync_history(Provider::Mindbody, runs(Provider::Mindbody, 50))
        .await
        .unwrap();
    let mut app = app_on(&engine, 120, 40).await;
    // Wide layout: title on row 0, table border on row 1, header on row 2, Gemini on row 3.
    step(&engine, &mut app, Action::Click { column: 5, row: 4 }).await;
    assert_eq!(
        app.hub.selected_view().unwrap().provider,
        Provider::Mindbody
    );
    assert_eq!(app.hub.history.total, 50);

    // History: the pane starts below the top area (as tall as the detail needs); click its
    // third row.
    let history_top = app.hub.areas(&app.context()).history.unwrap().y;
    step(
        &engine,
        &mut app,
        Action::Click {
            column: 10,
            row: history_top + 2 + 2,
        },
    )
    .await;
    assert_eq!(app.hub.focus, Pane::History);
    assert_eq!(app.hub.history.selected, 2);

    step(
        &engine,
        &mut app,
        Action::Scroll {
            column: 10,
            row: history_top + 3,
            delta: 1,
        },
    )
    .await;
    assert_eq!(app.hub.history.selected, 3);
    // The wheel over the table moves the table, whatever has the focus.
    step(
        &engine,
        &mut app,
        Action::Scroll {
            column: 5,
            row: 4,
            delta: 1,
        },
    )
    .await;
    assert_eq!(app.hub.selected_view().unwrap().provider, Provider::Stripe);
}

#[tokio::test]
async fn engine_events_update_the_table_and_keep_the_readers_place() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    engine
        .import_sync_history(Provider::Mindbody, runs(Provider::Mindbody, 100))
        .await
        .unwrap();
    let mut events = engine.subscribe();
    let mut app = app_on(&engine, 120, 40).await;
    step(&engine, &mut app, Action::Move(1)).await;
    step(&engine, &mut app, Action::NextPane).await;
    step(&engine, &mut app, Action::NextPane).await;
    step(&engine, &mut app, Action::Move(10)).await;
    let reading = app.hub.history.row(app.hub.history.selected).unwrap().seq;

    engine
        .record_sync(run(Provider::Mindbody, SyncStatus::Failed, 0, Some("503")))
        .await
        .unwrap();
    while let Ok(event) = events.try_recv() {
        step(&engine, &mut app, Action::Engine(Box::new(event))).await;
    }
    assert_eq!(app.hub.history.total, 101);
    assert_eq!(
        app.hub.history.row(app.hub.history.selected).unwrap().seq,
        reading,
        "a new run at the top does not move the row being read"
    );
    let mindbody = app
        .hub
        .integrations
        .iter()
        .find(|v| v.provider == Provider::Mindbody)
        .unwrap();
    assert_eq!(mindbody.error_message.as_deref(), Some("503"));
}

/// Keys and clicks act on what is on top: a click on the events screen, or a page key in the
/// category mapping, does not move the hub hidden beneath it.
#[tokio::test]
async fn nothing_moves_beneath_what_is_on_top() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    let mut app = app_on(&engine, 120, 40).await;
    // Where Mindbody's row is on the hub (as in the mouse test above).
    let on_mindbody = Action::Click { column: 5, row: 4 };
    step(&engine, &mut app, Action::ShowScreen(Screen::Events)).await;
    step(&engine, &mut app, on_mindbody).await;
    step(&engine, &mut app, Action::ShowScreen(Screen::Hub)).await;
    assert_eq!(
        app.hub.selected_view().unwrap().provider,
        Provider::Gemini,
        "a click on the events screen does not select on the hub"
    );

    step(&engine, &mut app, Action::Move(1)).await; // Mindbody
    step(&engine, &mut app, Action::OpenMapping).await;
    assert!(matches!(app.overlay, Overlay::Mapping(_)));
    for action in [Action::Page(1), Action::Bottom, Action::Top] {
        step(&engine, &mut app, action).await;
    }
    assert!(matches!(app.overlay, Overlay::Mapping(_)));
    assert_eq!(
        app.hub.selected_view().unwrap().provider,
        Provider::Mindbody,
        "pages and ends in the mapping do not move the table beneath"
    );
}

#[tokio::test]
async fn filter_palette_and_escape() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    let mut app = app_on(&engine, 80, 24).await;
    step(&engine, &mut app, Action::OpenFilter).await;
    for action in typed("gem") {
        step(&engine, &mut app, action).await;
    }
    assert_eq!(app.hub.visible().len(), 1);
    step(&engine, &mut app, Action::Submit).await;
    assert_eq!(app.hub.filter, "gem");
    assert!(matches!(app.overlay, Overlay::None));
    step(&engine, &mut app, Action::Back).await;
    assert_eq!(app.hub.filter, "", "Esc clears an applied filter");
    assert_eq!(app.hub.visible().len(), 4);

    step(&engine, &mut app, Action::OpenPalette).await;
    for action in typed("nonsense") {
        step(&engine, &mut app, action).await;
    }
    step(&engine, &mut app, Action::Submit).await;
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("Unknown command")
    );

    step(&engine, &mut app, Action::OpenPalette).await;
    for action in typed("st") {
        step(&engine, &mut app, action).await;
    }
    step(&engine, &mut app, Action::Complete).await;
    step(&engine, &mut app, Action::Submit).await;
    assert!(matches!(&app.overlay, Overlay::Popup(p) if p.body.contains("PROVIDER")));
    step(&engine, &mut app, Action::Back).await;

    step(&engine, &mut app, Action::OpenPalette).await;
    for action in typed("q") {
        step(&engine, &mut app, action).await;
    }
    step(&engine, &mut app, Action::Submit).await;
    assert!(app.should_quit);
}

/// `:s` and Enter runs `:status`, the only command starting with `s`, as Vim takes a unique
/// abbreviation; no need for Tab first.
#[tokio::test]
async fn the_palette_runs_a_unique_start_of_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    let mut app = app_on(&engine, 80, 24).await;
    step(&engine, &mut app, Action::OpenPalette).await;
    for action in typed("s") {
        step(&engine, &mut app, action).await;
    }
    step(&engine, &mut app, Action::Submit).await;
    assert!(app.notice.is_none(), "{:?}", app.notice);
    assert!(matches!(&app.overlay, Overlay::Popup(p) if p.title == "Status"));
}
