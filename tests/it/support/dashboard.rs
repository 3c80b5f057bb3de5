//! A dashboard for the screen tests: at noon, of a given size, with the integrations loaded; the
//! text it shows; and the engine's events fed to it.

use std::time::Duration;

use legion_hub::domain::Provider;
use legion_hub::engine::{Engine, Event, IntegrationView};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::App;
use legion_hub::tui::theme::Theme;
use legion_hub::tui::{settle_inline, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::noon;

/// Every integration as the catalog has it, none set up yet.
pub fn catalog() -> Vec<IntegrationView> {
    Provider::ALL
        .into_iter()
        .map(|p| IntegrationView::build(p, None))
        .collect()
}

/// A monochrome dashboard of `width` x `height` at noon, showing `views`.
pub fn app_with(width: u16, height: u16, views: Vec<IntegrationView>) -> App {
    let mut app = App::new(
        Theme::new(false),
        Rect::new(0, 0, width, height),
        noon().fixed_offset(),
    );
    app.update(Action::IntegrationsLoaded(views));
    app
}

/// A monochrome dashboard of `width` x `height` at noon, showing what `engine` holds.
pub async fn loaded(engine: &Engine, width: u16, height: u16) -> App {
    let mut app = App::new(
        Theme::new(false),
        Rect::new(0, 0, width, height),
        noon().fixed_offset(),
    );
    settle_inline(engine, &mut app).await;
    app
}

/// A dashboard showing the catalog.
pub fn app(width: u16, height: u16) -> App {
    app_with(width, height, catalog())
}

/// What the dashboard shows, as text, at its size.
pub fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|frame| views::draw(frame, app)).unwrap();
    terminal.backend().to_string()
}

/// A key pressed, through the keymap as the terminal would send it.
pub fn press(app: &mut App, code: KeyCode) {
    let key = ratatui::crossterm::event::Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
    if let Some(action) = legion_hub::tui::keymap::action_for(app, key) {
        app.update(action);
    }
}

/// Types `text` into the open text field, a key at a time.
pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::Edit(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

/// Feeds engine events to the app, answering what it asks, until `done` says so (ten seconds
/// at the most for each event).
pub async fn pump(
    app: &mut App,
    engine: &Engine,
    events: &mut tokio::sync::broadcast::Receiver<Event>,
    done: impl Fn(&App) -> bool,
) {
    while !done(app) {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an event")
            .unwrap();
        app.update(Action::Engine(Box::new(event)));
        settle_inline(engine, app).await;
    }
}
