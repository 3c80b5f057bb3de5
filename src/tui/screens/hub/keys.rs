//! The hub's keys: the integrations table, the selected one's detail and its sync history.

use ratatui::crossterm::event::KeyCode::{BackTab, Char, Enter, Esc, Tab};

use crate::tui::action::Action;
use crate::tui::app::Pane;
use crate::tui::keys::{Binding, Press::Key, Section::*};

/// Over the pane that has the focus.
pub static KEYS: &[Binding<Pane>] = &[
    Binding::says().bar("↑↓", "move", |p| *p != Pane::Detail),
    Binding::says().bar("↑↓", "scroll", |p| *p == Pane::Detail),
    Binding::says().bar("PgUp/PgDn", "page", |p| *p == Pane::History),
    Binding::says().bar("g/G", "ends", |p| *p == Pane::History),
    Binding::keys(&[Key(Tab)], |_| Action::NextPane).help(
        Moving,
        "Tab  Shift-Tab",
        "next / previous pane",
    ),
    Binding::keys(&[Key(BackTab)], |_| Action::PrevPane),
    Binding::keys(&[Key(Enter)], |_| Action::Open)
        .bar("Enter", "open", |p| *p == Pane::Integrations)
        .help(
            Moving,
            "Enter",
            "open: integration → detail → history → run details",
        ),
    Binding::says().bar("Enter", "history", |p| *p == Pane::Detail),
    Binding::says().bar("Enter", "details", |p| *p == Pane::History),
    Binding::says().bar("Tab", "pane", |p| *p != Pane::History),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .bar("Esc", "back", |p| *p != Pane::Integrations)
        .help(Moving, "Esc", "close, clear the filter, back"),
    Binding::keys(&[Key(Char('/'))], |_| Action::OpenFilter)
        .bar("/", "filter", |p| *p == Pane::Integrations)
        .help(
            Moving,
            "/",
            "filter the integrations (the transactions on screen 3)",
        ),
    // The app's keys, as the hub's bar names them.
    Binding::says().bar(":", "command", |p| *p == Pane::Integrations),
    Binding::says().bar("?", "help", |p| *p != Pane::History),
    Binding::says().bar("q", "quit", |_| true),
    // The selected integration.
    Binding::keys(&[Key(Char('t'))], |_| Action::TestSelected).help(
        Selected,
        "t  c",
        "test, configure the selected integration",
    ),
    Binding::keys(&[Key(Char('c'))], |_| Action::ConfigureSelected),
    Binding::keys(&[Key(Char('a'))], |_| Action::AcceptOffer).help(
        Selected,
        "a",
        "accept the fix on offer (models, webhooks)",
    ),
    Binding::keys(&[Key(Char('o'))], |_| Action::ConnectSelected).help(
        Selected,
        "o  x",
        "Mindbody: connect (or reconnect), disconnect",
    ),
    Binding::keys(&[Key(Char('x'))], |_| Action::DisconnectSelected),
    Binding::keys(&[Key(Char('s'))], |_| Action::SyncSelected).help(
        Selected,
        "s  m",
        "Mindbody: sync now; map categories to classes",
    ),
    Binding::keys(&[Key(Char('m'))], |_| Action::OpenMapping),
];
