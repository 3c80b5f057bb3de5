//! The Categorize screen's keys.

use ratatui::crossterm::event::KeyCode::{Char, Enter, Esc, Left, Right};

use super::CategorizeScreen;
use crate::tui::action::Action;
use crate::tui::keys::{Binding, Press::Key, Section::Categorize};

fn open(s: &CategorizeScreen) -> bool {
    s.open_item().is_some()
}

/// Open, with a class to apply (suggested, or picked with ←→).
fn acceptable(s: &CategorizeScreen) -> bool {
    s.class_to_apply().is_some()
}

fn decided(s: &CategorizeScreen) -> bool {
    s.decided_item().is_some()
}

fn has_classes(s: &CategorizeScreen) -> bool {
    open(s) && !s.classes().is_empty()
}

pub static KEYS: &[Binding<CategorizeScreen>] = &[
    Binding::says().bar("↑↓", "move", |_| true),
    Binding::keys(&[Key(Enter)], |_| Action::Open)
        .bar("Enter", "accept", acceptable)
        .help(
            Categorize,
            "categorize: Enter  r  ←→  x  u",
            "accept; accept as a rule; other class; reject; undo",
        ),
    Binding::keys(&[Key(Char('r'))], |_| Action::CategorizeRule).bar(
        "r",
        "accept + rule",
        acceptable,
    ),
    Binding::keys(&[Key(Right)], |_| Action::CategorizeClass(1)),
    Binding::keys(&[Key(Left)], |_| Action::CategorizeClass(-1)).bar("←→", "class", has_classes),
    Binding::keys(&[Key(Char('x'))], |_| Action::CategorizeReject).bar("x", "reject", open),
    Binding::keys(&[Key(Char('u'))], |_| Action::CategorizeUndo).bar("u", "undo", decided),
    Binding::keys(&[Key(Char('A'))], |_| Action::CategorizeAcceptAll)
        .bar("A", "accept all ≥", |_| true)
        .help(
            Categorize,
            "categorize: A  +  -  s",
            "accept all as sure as the threshold; move it; suggest",
        ),
    Binding::keys(&[Key(Char('+'))], |_| Action::CategorizeThreshold(5)),
    Binding::keys(&[Key(Char('-'))], |_| Action::CategorizeThreshold(-5)).bar(
        "+/-",
        "threshold",
        |_| true,
    ),
    Binding::keys(&[Key(Char('s'))], |_| Action::CategorizeRun).bar("s", "suggest", |s| !s.running),
    Binding::keys(&[Key(Char('/'))], |_| Action::OpenFilter).bar("/", "filter", |_| true),
    Binding::keys(&[Key(Esc), Key(Char('1'))], |_| Action::Back).bar("Esc", "hub", |_| true),
    Binding::says().bar("q", "quit", |_| true),
];
