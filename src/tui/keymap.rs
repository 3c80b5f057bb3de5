//! Keys and mouse to actions, and the keys named for the bottom bar and the help, all read from
//! the key tables: the open overlay's first (a text field takes every key but Enter, Esc and
//! Tab), then the screen's (`screens::*::KEYS`), then the app's own below, then movement.

use ratatui::crossterm::event::KeyCode::{BackTab, Char, Down, Enter, Esc, Left, Right, Tab, Up};
use ratatui::crossterm::event::{
    Event as TermEvent, KeyEvent, KeyEventKind, MouseButton, MouseEventKind,
};

use super::action::Action;
use super::app::{App, Overlay, Screen};
use super::keys::{self, Binding, Press::*, Section};
use super::screens;

pub fn action_for(app: &App, event: TermEvent) -> Option<Action> {
    match event {
        TermEvent::Key(key) if key.kind != KeyEventKind::Release => key_action(app, key),
        TermEvent::Mouse(mouse) => {
            let (column, row) = (mouse.column, mouse.row);
            match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column, row }),
                MouseEventKind::ScrollDown => Some(Action::Scroll {
                    column,
                    row,
                    delta: 1,
                }),
                MouseEventKind::ScrollUp => Some(Action::Scroll {
                    column,
                    row,
                    delta: -1,
                }),
                _ => None,
            }
        }
        TermEvent::Resize(width, height) => Some(Action::Resize { width, height }),
        _ => None,
    }
}

fn key_action(app: &App, key: KeyEvent) -> Option<Action> {
    // Ctrl-c works from inside any text field: it is asked of the app before anything else.
    if let Some(action) = keys::dispatch(FIRST, app, key) {
        return Some(action);
    }
    // The import overlay's keys are the Reconcile screen's to declare, beside its other keys.
    if let Overlay::Import(view) = &app.overlay {
        return keys::dispatch(screens::reconcile::IMPORT_KEYS, view, key);
    }
    if let Overlay::GroupEdit(edit) = &app.overlay {
        return keys::dispatch(screens::reconcile::GROUP_KEYS, edit, key);
    }
    if let Overlay::BudgetEdit(edit) = &app.overlay {
        return keys::dispatch(screens::reports::BUDGET_EDIT_KEYS, edit, key);
    }
    if !matches!(app.overlay, Overlay::None | Overlay::Welcome) {
        return keys::dispatch(OVERLAYS, &app.overlay, key).or_else(|| {
            matches!(
                app.overlay,
                Overlay::Help(_) | Overlay::Popup(_) | Overlay::Mapping(_)
            )
            .then(|| keys::movement(key))
            .flatten()
        });
    }
    // The welcome takes no keys: they do what they do with nothing open (and close it).
    let on_screen = match app.screen {
        Screen::Hub => keys::dispatch(screens::hub::KEYS, &app.hub.focus, key),
        Screen::Chat => keys::dispatch(screens::chat::KEYS, &app.chat, key),
        Screen::Transactions => keys::dispatch(screens::transactions::KEYS, &(), key),
        Screen::Events => keys::dispatch(screens::events::KEYS, &(), key),
        Screen::Reconcile => keys::dispatch(screens::reconcile::KEYS, &app.reconcile, key),
        Screen::Reports => keys::dispatch(screens::reports::KEYS, &app.reports, key),
        Screen::Categorize => keys::dispatch(screens::categorize::KEYS, &app.categorize, key),
    };
    on_screen
        .or_else(|| keys::dispatch(APP, app, key))
        .or_else(|| keys::movement(key))
}

/// The keys that work right now, for the status bar: (key, what it does).
pub fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    if let Overlay::Import(view) = &app.overlay {
        return keys::hints(screens::reconcile::IMPORT_KEYS, view).collect();
    }
    if let Overlay::GroupEdit(edit) = &app.overlay {
        return keys::hints(screens::reconcile::GROUP_KEYS, edit).collect();
    }
    if let Overlay::BudgetEdit(edit) = &app.overlay {
        return keys::hints(screens::reports::BUDGET_EDIT_KEYS, edit).collect();
    }
    if !matches!(app.overlay, Overlay::None) {
        return keys::hints(OVERLAYS, &app.overlay).collect();
    }
    match app.screen {
        Screen::Hub => keys::hints(screens::hub::KEYS, &app.hub.focus).collect(),
        Screen::Chat => keys::hints(screens::chat::KEYS, &app.chat).collect(),
        Screen::Transactions => keys::hints(screens::transactions::KEYS, &()).collect(),
        Screen::Events => keys::hints(screens::events::KEYS, &()).collect(),
        Screen::Reconcile => keys::hints(screens::reconcile::KEYS, &app.reconcile).collect(),
        Screen::Reports => keys::hints(screens::reports::KEYS, &app.reports).collect(),
        Screen::Categorize => keys::hints(screens::categorize::KEYS, &app.categorize).collect(),
    }
}

/// Every key, for the help overlay: (key, what it does), from every table, section by section.
pub fn help() -> Vec<(&'static str, &'static str)> {
    let mut lines: Vec<_> = keys::help(APP)
        .chain(keys::help(screens::hub::KEYS))
        .chain(keys::help(screens::chat::KEYS))
        .chain(keys::help(screens::transactions::KEYS))
        .chain(keys::help(screens::events::KEYS))
        .chain(keys::help(screens::reconcile::KEYS))
        .chain(keys::help(screens::reports::KEYS))
        .chain(keys::help(screens::categorize::KEYS))
        .collect();
    lines.sort_by_key(|(section, _, _)| *section); // stable: table order within a section
    lines.into_iter().map(|(_, k, about)| (k, about)).collect()
}

fn streaming_on_chat(app: &App) -> bool {
    app.screen == Screen::Chat && app.chat.streaming.is_some()
}

/// Asked before the overlays: the keys that work even in a text field.
static FIRST: &[Binding<App>] = &[
    // In the chat, Ctrl-C stops a reply the way it stops a command in a shell.
    Binding::keys(&[Ctrl('c')], |_| Action::ChatCancel).when(streaming_on_chat),
    Binding::keys(&[Ctrl('c')], |_| Action::Quit),
];

/// The app's keys: they work on every screen that does not take them for itself (the chat's
/// input box takes typing).
static APP: &[Binding<App>] = &[
    Binding::says().help(
        Section::Moving,
        "↑↓ jk PgUp PgDn g G",
        "move, page, first / last",
    ),
    Binding::keys(&[Key(Char(':'))], |_| Action::OpenPalette).help(
        Section::Anywhere,
        ":",
        "commands: :q :status :help :filter :history :chat :hub",
    ),
    Binding::keys(&[Key(Char('?'))], |_| Action::ToggleHelp).help(
        Section::Anywhere,
        "?",
        "this help",
    ),
    Binding::keys(&[Key(Char('q'))], |_| Action::Quit).help(Section::Anywhere, "q  Ctrl-c", "quit"),
    Binding::keys(&[Key(Char('1'))], |_| Action::ShowScreen(Screen::Hub)).help(
        Section::Anywhere,
        "1  2  3  4  5  6  7",
        "the hub; chat with Gemini; transactions; events; reconcile; reports; categorize",
    ),
    Binding::keys(&[Key(Char('2'))], |_| Action::ShowScreen(Screen::Chat)),
    Binding::keys(&[Key(Char('3'))], |_| {
        Action::ShowScreen(Screen::Transactions)
    }),
    Binding::keys(&[Key(Char('4'))], |_| Action::ShowScreen(Screen::Events)),
    Binding::keys(&[Key(Char('5'))], |_| Action::ShowScreen(Screen::Reconcile)),
    Binding::keys(&[Key(Char('6'))], |_| Action::ShowScreen(Screen::Reports)),
    Binding::keys(&[Key(Char('7'))], |_| {
        Action::ShowScreen(Screen::Categorize)
    }),
    Binding::says().help(
        Section::Mouse,
        "mouse",
        "a click selects a row, the wheel scrolls",
    ),
];

fn filter(o: &Overlay) -> bool {
    matches!(o, Overlay::Filter(_))
}
fn palette(o: &Overlay) -> bool {
    matches!(o, Overlay::Palette(_))
}
fn text_field(o: &Overlay) -> bool {
    filter(o) || palette(o)
}
fn confirm(o: &Overlay) -> bool {
    matches!(o, Overlay::Confirm(_))
}
fn connect(o: &Overlay) -> bool {
    matches!(o, Overlay::Connect(_))
}
fn naming_a_class(o: &Overlay) -> bool {
    matches!(o, Overlay::Mapping(view) if view.editing.is_some())
}
fn mapping(o: &Overlay) -> bool {
    matches!(o, Overlay::Mapping(view) if view.editing.is_none())
}
fn form(o: &Overlay) -> bool {
    matches!(o, Overlay::Form(_))
}
fn help_open(o: &Overlay) -> bool {
    matches!(o, Overlay::Help(_))
}
fn popup(o: &Overlay) -> bool {
    matches!(o, Overlay::Popup(_))
}
fn welcome(o: &Overlay) -> bool {
    matches!(o, Overlay::Welcome)
}

/// What sits on top of the screen takes the keys first; the rows say which overlay they are for.
static OVERLAYS: &[Binding<Overlay>] = &[
    // The demo's welcome names the keys worth trying; they go to the screen.
    Binding::says().bar("2", "chat", welcome),
    Binding::says().bar("j o", "sign in", welcome),
    Binding::says().bar("3", "transactions", welcome),
    Binding::says().bar("?", "help", welcome),
    Binding::says().bar("q", "quit", welcome),
    // `/` and `:`: a line of text.
    Binding::keys(&[Key(Tab)], |_| Action::Complete)
        .when(text_field)
        .bar("Tab", "complete", palette),
    Binding::keys(&[Key(Enter)], |_| Action::Submit)
        .when(text_field)
        .bar("Enter", "keep", filter),
    Binding::says().bar("Enter", "run", palette),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .when(text_field)
        .bar("Esc", "clear", filter),
    Binding::says().bar("Esc", "cancel", palette),
    Binding::keys(&[Any], Action::Edit).when(text_field),
    // The question before a destructive key: only `y` goes ahead; any other key, a stray one
    // included, cancels.
    Binding::keys(&[Key(Char('y')), Key(Char('Y'))], |_| Action::Confirm)
        .when(confirm)
        .bar("y", "yes", confirm),
    Binding::keys(&[Any], |_| Action::Back)
        .when(confirm)
        .bar("n/Esc/other", "no", confirm),
    // The sign-in: a field for the address the browser ends on.
    Binding::keys(&[Key(Enter)], |_| Action::Submit)
        .when(connect)
        .bar("Enter", "use the pasted address", connect),
    Binding::keys(&[Ctrl('y')], |_| Action::CopyUrl)
        .when(connect)
        .bar("Ctrl-y", "copy the address", connect),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .when(connect)
        .bar("Esc", "cancel", connect),
    Binding::keys(&[Any], Action::Edit).when(connect),
    // The category mapping: a list, and a field for the selected category's class.
    Binding::says().bar("↑↓", "move", mapping),
    Binding::keys(&[Key(Enter)], |_| Action::Submit)
        .when(naming_a_class)
        .bar("Enter", "save the class", naming_a_class),
    Binding::keys(&[Key(Enter)], |_| Action::Submit)
        .when(mapping)
        .bar("Enter", "set the class", mapping),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .when(naming_a_class)
        .bar("Esc", "cancel", naming_a_class),
    Binding::keys(&[Key(Esc), Key(Char('q'))], |_| Action::Back)
        .when(mapping)
        .bar("Esc", "close", mapping),
    Binding::keys(&[Any], Action::Edit).when(naming_a_class),
    // A provider's settings.
    Binding::keys(&[Key(Tab), Key(Down)], |_| Action::FormNext)
        .when(form)
        .bar("↑↓", "field", form),
    Binding::keys(&[Key(BackTab), Key(Up)], |_| Action::FormPrev).when(form),
    Binding::keys(&[Key(Left)], |_| Action::FormCycle(-1))
        .when(form)
        .bar("←→", "choose", form),
    Binding::keys(&[Key(Right)], |_| Action::FormCycle(1)).when(form),
    Binding::keys(&[Key(Enter)], |_| Action::Submit)
        .when(form)
        .bar("Enter", "save", form),
    Binding::keys(&[Key(Esc)], |_| Action::Back)
        .when(form)
        .bar("Esc", "cancel", form),
    Binding::keys(&[Any], Action::Edit).when(form),
    // The help and the text popups scroll; these keys close them.
    Binding::says().bar("↑↓", "scroll", |o| help_open(o) || popup(o)),
    Binding::keys(
        &[Key(Esc), Key(Char('?')), Key(Char('q')), Key(Enter)],
        |_| Action::ToggleHelp,
    )
    .when(help_open)
    .bar("Esc", "close", help_open),
    Binding::keys(&[Key(Esc), Key(Char('q')), Key(Enter)], |_| Action::Back)
        .when(popup)
        .bar("Esc", "close", popup),
];
