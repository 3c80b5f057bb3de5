//! Everything that can change the dashboard's state: keys and mouse turned into intents, engine
//! events, and the answers to the requests the app made.

use ratatui::crossterm::event::KeyEvent;

use crate::engine::{Event, IntegrationView};
use crate::store::SyncLogPage;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Esc: close what is open, or step back to the integrations table.
    Back,
    OpenFilter,
    OpenPalette,
    /// A key for the open text field (filter or command palette).
    Edit(KeyEvent),
    /// Enter in the open text field.
    Submit,
    /// Tab in the command palette.
    Complete,
    /// Move the selection (or scroll) in the focused pane by this many rows.
    Move(i64),
    /// By a page of the focused pane; the sign is the direction.
    Page(i64),
    Top,
    Bottom,
    NextPane,
    PrevPane,
    /// Enter: open the selected thing.
    Open,
    Click {
        column: u16,
        row: u16,
    },
    Scroll {
        column: u16,
        row: u16,
        delta: i64,
    },
    Resize {
        width: u16,
        height: u16,
    },
    Engine(Box<Event>),
    /// The event stream fell behind: read everything again.
    Reload,
    IntegrationsLoaded(Vec<IntegrationView>),
    HistoryLoaded(SyncLogPage),
    RequestFailed(String),
}

/// What the app asks the engine for; the loop runs these and answers with an [`Action`].
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    LoadIntegrations,
    LoadHistory {
        provider: crate::domain::Provider,
        offset: u64,
        limit: usize,
    },
}
