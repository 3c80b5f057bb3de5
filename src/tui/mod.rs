//! The dashboard, in the Elm shape: [`app::App`] holds the state, keys and engine events become
//! [`action::Action`]s, `App::update` changes the state, and `views::draw` paints it. It redraws
//! only when a key, a mouse click or an engine event arrives; there is no frame timer, so an idle
//! dashboard costs nothing.

pub mod action;
pub mod app;
pub mod keymap;
pub mod layout;
pub mod palette;
pub mod terminal;
pub mod theme;
pub mod views;

use chrono::Local;
use futures_util::StreamExt;
use ratatui::crossterm::event::EventStream;
use ratatui::layout::Rect;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::Engine;
use action::{Action, Request};
use app::App;
use terminal::Tui;
use theme::Theme;

pub struct Options {
    pub theme: Theme,
    pub mouse: bool,
    /// Shown at the right of the title line.
    pub badge: Option<String>,
}

pub async fn run(engine: Engine, options: Options) -> anyhow::Result<()> {
    let mut engine_events = engine.subscribe();
    let mut tui = Tui::enter(options.mouse)?;
    let size = tui.size()?;
    let mut app = App::new(
        options.theme,
        Rect::new(0, 0, size.width, size.height),
        Local::now().fixed_offset(),
    );
    app.badge = options.badge;
    settle(&engine, &mut app).await;
    tui.draw(&app)?;

    let mut terminal_events = EventStream::new();
    while !app.should_quit {
        let action = tokio::select! {
            event = terminal_events.next() => match event {
                Some(Ok(event)) => keymap::action_for(&app, event),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            event = engine_events.recv() => match event {
                Ok(event) => Some(Action::Engine(Box::new(event))),
                Err(RecvError::Lagged(_)) => Some(Action::Reload),
                Err(RecvError::Closed) => break,
            },
        };
        // Keys that do nothing here (and pointer noise) cost no frame.
        let Some(action) = action else { continue };
        app.update(action);
        settle(&engine, &mut app).await;
        app.now = Local::now().fixed_offset();
        tui.draw(&app)?;
    }
    Ok(())
}

/// Answers what the app asks for until it has what the next frame needs.
pub async fn settle(engine: &Engine, app: &mut App) {
    // Each answer can at most reveal one more need (a history page after the integrations), so
    // a few rounds always suffice; the bound keeps a misbehaving answer from looping.
    for _ in 0..4 {
        let requests = app.requests();
        if requests.is_empty() {
            return;
        }
        for request in requests {
            let action = perform(engine, request).await;
            app.update(action);
        }
    }
}

async fn perform(engine: &Engine, request: Request) -> Action {
    let result = match request {
        Request::LoadIntegrations => engine.integrations().await.map(Action::IntegrationsLoaded),
        Request::LoadHistory {
            provider,
            offset,
            limit,
        } => engine
            .sync_history(provider, offset, limit)
            .await
            .map(Action::HistoryLoaded),
    };
    result.unwrap_or_else(|e| Action::RequestFailed(e.to_string()))
}
