//! The Reconcile screen's keys.

use ratatui::crossterm::event::KeyCode::{Char, Enter, Esc};

use super::ReconcileScreen;
use crate::tui::action::Action;
use crate::tui::keys::{Binding, Press::Key, Section::Reconcile};

fn suggested(s: &ReconcileScreen) -> bool {
    s.candidate().is_some()
}

fn matched(s: &ReconcileScreen) -> bool {
    s.matched_id().is_some()
}

fn open(s: &ReconcileScreen) -> bool {
    s.selected_line().is_some() && !matched(s)
}

fn several(s: &ReconcileScreen) -> bool {
    s.candidates().len() > 1
}

pub static KEYS: &[Binding<ReconcileScreen>] = &[
    Binding::says().bar("↑↓", "move", |_| true),
    Binding::keys(&[Key(Enter)], |_| Action::Open)
        .bar("Enter", "accept", suggested)
        .help(
            Reconcile,
            "reconcile: Enter  x  e  n",
            "accept, reject; edit the group by hand; the next candidate",
        ),
    Binding::keys(&[Key(Char('x'))], |_| Action::ReconcileReject).bar("x", "reject", suggested),
    Binding::keys(&[Key(Char('e'))], |_| Action::ReconcileEditGroup).bar("e", "edit group", open),
    Binding::keys(&[Key(Char('n'))], |_| Action::ReconcileNextCandidate).bar(
        "n",
        "other candidate",
        several,
    ),
    Binding::keys(&[Key(Char('u'))], |_| Action::ReconcileUndo)
        .bar("u", "undo match", matched)
        .help(
            Reconcile,
            "reconcile: u  A  +  -",
            "undo a match; accept all as sure as the threshold; move it",
        ),
    Binding::keys(&[Key(Char('A'))], |_| Action::ReconcileAcceptAll).bar(
        "A",
        "accept all ≥",
        |_| true,
    ),
    Binding::keys(&[Key(Char('+'))], |_| Action::ReconcileThreshold(5)),
    Binding::keys(&[Key(Char('-'))], |_| Action::ReconcileThreshold(-5)).bar(
        "+/-",
        "threshold",
        |_| true,
    ),
    Binding::keys(&[Key(Char('/'))], |_| Action::OpenFilter).bar("/", "filter", |_| true),
    Binding::keys(&[Key(Esc), Key(Char('1'))], |_| Action::Back).bar("Esc", "hub", |_| true),
    Binding::says().bar("q", "quit", |_| true),
];
