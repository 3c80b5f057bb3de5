//! The Reconcile screen's keys, and its overlays' (import, the group put together by hand).

use ratatui::crossterm::event::KeyCode::{BackTab, Char, Down, Enter, Esc, Tab, Up};

use super::import::{Field, ImportView, Stage};
use super::{GroupEdit, ReconcileScreen};
use crate::tui::action::Action;
use crate::tui::keys::{
    Binding,
    Press::{Any, Key},
    Section::Reconcile,
};

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
    Binding::keys(&[Key(Char('i'))], |_| Action::ReconcileImport)
        .bar("i", "import", |_| true)
        .help(
            Reconcile,
            "reconcile: i",
            "import a bank statement (Tab completes its path)",
        ),
    Binding::keys(&[Key(Char('/'))], |_| Action::OpenFilter).bar("/", "filter", |_| true),
    Binding::keys(&[Key(Esc), Key(Char('1'))], |_| Action::Back).bar("Esc", "hub", |_| true),
    Binding::says().bar("q", "quit", |_| true),
];

fn editing(v: &ImportView) -> bool {
    v.stage == Stage::Editing
}

fn on_file(v: &ImportView) -> bool {
    editing(v) && v.focus == Field::File
}

fn working(v: &ImportView) -> bool {
    matches!(v.stage, Stage::Working { .. })
}

fn confirming(v: &ImportView) -> bool {
    matches!(v.stage, Stage::Confirming { .. })
}

fn done(v: &ImportView) -> bool {
    matches!(v.stage, Stage::Done { .. })
}

fn scrolling(v: &ImportView) -> bool {
    confirming(v) || done(v)
}

/// The import overlay's keys: a form of three fields, then the guess to keep or not, then
/// what the import did.
pub static IMPORT_KEYS: &[Binding<ImportView>] = &[
    Binding::keys(&[Key(Tab)], |_| Action::Complete)
        .when(editing)
        .bar("Tab", "complete", on_file),
    Binding::keys(&[Key(Down)], |_| Action::FormNext)
        .when(editing)
        .bar("↑↓", "field", editing),
    Binding::keys(&[Key(Up), Key(BackTab)], |_| Action::FormPrev).when(editing),
    Binding::keys(&[Key(Enter)], |_| Action::Submit)
        .when(editing)
        .bar("Enter", "import", editing),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .when(editing)
        .bar("Esc", "cancel", editing),
    Binding::keys(&[Any], Action::Edit).when(editing),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .when(working)
        .bar("Esc", "close (the import goes on)", working),
    Binding::keys(&[Key(Enter)], |_| Action::Submit)
        .when(confirming)
        .bar("Enter", "keep the rules and import", confirming),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .when(confirming)
        .bar("Esc", "keep nothing", confirming),
    Binding::keys(&[Key(Down), Key(Char('j'))], |_| Action::Move(1))
        .when(scrolling)
        .bar("↑↓", "scroll", scrolling),
    Binding::keys(&[Key(Up), Key(Char('k'))], |_| Action::Move(-1)).when(scrolling),
    Binding::keys(&[Key(Esc), Key(Enter), Key(Char('q'))], |_| Action::Back)
        .when(done)
        .bar("Esc", "close", done),
];

/// The group overlay's keys (`e`): a list to tick, then accept or leave.
pub static GROUP_KEYS: &[Binding<GroupEdit>] = &[
    Binding::keys(&[Key(Up), Key(Char('k'))], |_| Action::Move(-1)).bar("↑↓", "move", |_| true),
    Binding::keys(&[Key(Down), Key(Char('j'))], |_| Action::Move(1)),
    Binding::keys(&[Key(Char(' '))], |_| Action::ReconcileGroupToggle)
        .bar("Space", "tick", |_| true),
    Binding::keys(&[Key(Enter)], |_| Action::Submit).bar("Enter", "accept the group", |_| true),
    Binding::keys(&[Key(Esc), Key(Char('q'))], |_| Action::Back).bar("Esc", "leave", |_| true),
];
