//! Key tables: each screen, each overlay and the app declare their keys once, as rows of
//! (presses, action, bottom-bar label, help line, when). Dispatch, the bottom bar and the help
//! overlay are all read from the same rows, so a key cannot work without being shown or be
//! shown without working (yazi's keymaps and gitui's command lists are the models).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// One way to press a key.
#[derive(Debug, Clone, Copy)]
pub enum Press {
    /// The key without Ctrl or Alt (Shift is part of the character, or BackTab). Ctrl and
    /// Alt together count as neither: some terminals report AltGr that way (`/`, `?`, `:` on
    /// many keyboards).
    Key(KeyCode),
    Ctrl(char),
    Alt(KeyCode),
    /// Any key at all: a text field's typing, or a question that any key answers.
    Any,
}

impl Press {
    fn matches(self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match self {
            Press::Key(code) => ctrl == alt && code == key.code,
            Press::Ctrl(c) => ctrl && key.code == KeyCode::Char(c),
            Press::Alt(code) => alt && code == key.code,
            Press::Any => true,
        }
    }
}

/// Where a key's line goes in the help overlay, so the help reads in the order a person learns
/// the keys (moving, then anywhere, the selected integration, the chat) whichever table has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Moving,
    Anywhere,
    Selected,
    Chat,
    Reconcile,
    Reports,
    Categorize,
    Mouse,
}

/// A test over the state of a table's owner: whether a row applies now.
pub type When<S> = fn(&S) -> bool;

/// One row of a key table over the state `S` of whoever owns it.
pub struct Binding<S: ?Sized + 'static> {
    /// The presses that do it; none for a row that only names keys for the bar or the help.
    pub keys: &'static [Press],
    /// What the press does (the press is given for the keys that type).
    pub action: fn(KeyEvent) -> Action,
    /// Whether the presses do it now.
    pub when: When<S>,
    /// In the bottom bar while its test holds: the keys as shown, and what they do.
    pub bar: Option<(&'static str, &'static str, When<S>)>,
    /// In the help overlay: where, the keys as shown, and what they do.
    pub help: Option<(Section, &'static str, &'static str)>,
}

impl<S: ?Sized> Binding<S> {
    /// `keys` do `action`, always, shown nowhere (yet).
    pub const fn keys(keys: &'static [Press], action: fn(KeyEvent) -> Action) -> Self {
        Binding {
            keys,
            action,
            when: always,
            bar: None,
            help: None,
        }
    }

    /// A row that only says something: a hint for keys handled elsewhere (the app's, the
    /// movement keys), or a help line.
    pub const fn says() -> Self {
        Binding::keys(&[], nothing)
    }

    pub const fn when(self, when: fn(&S) -> bool) -> Self {
        Binding { when, ..self }
    }

    pub const fn bar(self, keys: &'static str, label: &'static str, when: fn(&S) -> bool) -> Self {
        Binding {
            bar: Some((keys, label, when)),
            ..self
        }
    }

    pub const fn help(self, section: Section, keys: &'static str, about: &'static str) -> Self {
        Binding {
            help: Some((section, keys, about)),
            ..self
        }
    }
}

/// For rows that always apply.
pub fn always<S: ?Sized>(_: &S) -> bool {
    true
}

/// What a row that only says something does (never asked: it has no keys).
pub fn nothing(_: KeyEvent) -> Action {
    Action::Tick
}

/// The action of the first row whose keys match and whose test holds.
pub fn dispatch<S: ?Sized>(table: &[Binding<S>], state: &S, key: KeyEvent) -> Option<Action> {
    table
        .iter()
        .find(|row| row.keys.iter().any(|p| p.matches(key)) && (row.when)(state))
        .map(|row| (row.action)(key))
}

/// The bottom-bar hints that apply now, in table order.
pub fn hints<'a, S: ?Sized>(
    table: &'a [Binding<S>],
    state: &'a S,
) -> impl Iterator<Item = (&'static str, &'static str)> + 'a {
    table.iter().filter_map(move |row| {
        let (keys, label, when) = row.bar?;
        when(state).then_some((keys, label))
    })
}

/// The help lines of a table, with their section.
pub fn help<S: ?Sized>(
    table: &[Binding<S>],
) -> impl Iterator<Item = (Section, &'static str, &'static str)> + '_ {
    table.iter().filter_map(|row| row.help)
}

/// The movement keys every list takes (a row, a page, the ends).
pub const MOVES: &[(Press, Action)] = &[
    (Press::Key(KeyCode::Char('j')), Action::Move(1)),
    (Press::Key(KeyCode::Down), Action::Move(1)),
    (Press::Key(KeyCode::Char('k')), Action::Move(-1)),
    (Press::Key(KeyCode::Up), Action::Move(-1)),
    (Press::Ctrl('d'), Action::Page(1)),
    (Press::Ctrl('u'), Action::Page(-1)),
    (Press::Key(KeyCode::PageDown), Action::Page(1)),
    (Press::Key(KeyCode::PageUp), Action::Page(-1)),
    (Press::Key(KeyCode::Char('g')), Action::Top),
    (Press::Key(KeyCode::Home), Action::Top),
    (Press::Key(KeyCode::Char('G')), Action::Bottom),
    (Press::Key(KeyCode::End), Action::Bottom),
];

/// The movement a key asks for, if it is one.
pub fn movement(key: KeyEvent) -> Option<Action> {
    MOVES
        .iter()
        .find(|(press, _)| press.matches(key))
        .map(|(_, action)| action.clone())
}
