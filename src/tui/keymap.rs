//! Keys and mouse to actions. What a key does depends only on what is open: a text field takes
//! every key but Enter, Esc and Tab; otherwise the usual terminal-tool keys apply.

use ratatui::crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

use super::action::Action;
use super::app::{App, Overlay, Screen};
use super::chat::ChatFocus;

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
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        // In the chat, Ctrl-C stops a reply the way it stops a command in a shell.
        if app.screen == Screen::Chat && app.chat.streaming.is_some() {
            return Some(Action::ChatCancel);
        }
        return Some(Action::Quit);
    }
    match &app.overlay {
        Overlay::Filter(_) | Overlay::Palette(_) => Some(match key.code {
            KeyCode::Enter => Action::Submit,
            KeyCode::Esc => Action::Back,
            KeyCode::Tab => Action::Complete,
            _ => Action::Edit(key),
        }),
        // Only `y` goes ahead: anything else, a stray key included, cancels.
        Overlay::Confirm(_) => Some(match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Action::Confirm,
            _ => Action::Back,
        }),
        Overlay::Connect(_) => Some(match key.code {
            KeyCode::Enter => Action::Submit,
            KeyCode::Esc => Action::Back,
            KeyCode::Char('y') if ctrl => Action::CopyUrl,
            _ => Action::Edit(key),
        }),
        Overlay::Mapping(view) if view.editing.is_some() => Some(match key.code {
            KeyCode::Enter => Action::Submit,
            KeyCode::Esc => Action::Back,
            _ => Action::Edit(key),
        }),
        Overlay::Mapping(_) => match key.code {
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Esc | KeyCode::Char('q') => Some(Action::Back),
            _ => movement(key, ctrl),
        },
        Overlay::Form(_) => Some(match key.code {
            KeyCode::Enter => Action::Submit,
            KeyCode::Esc => Action::Back,
            KeyCode::Tab | KeyCode::Down => Action::FormNext,
            KeyCode::BackTab | KeyCode::Up => Action::FormPrev,
            KeyCode::Left => Action::FormCycle(-1),
            KeyCode::Right => Action::FormCycle(1),
            _ => Action::Edit(key),
        }),
        Overlay::Help(_) => match key.code {
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {
                Some(Action::ToggleHelp)
            }
            _ => movement(key, ctrl),
        },
        Overlay::Popup(_) => match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => Some(Action::Back),
            _ => movement(key, ctrl),
        },
        // The welcome takes no keys: they do what they do with nothing open (and close it).
        Overlay::None | Overlay::Welcome if app.screen == Screen::Chat => chat_key(app, key, ctrl),
        Overlay::None | Overlay::Welcome if app.screen == Screen::Transactions => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char('?') => Some(Action::ToggleHelp),
            KeyCode::Char('/') => Some(Action::OpenFilter),
            KeyCode::Char(':') => Some(Action::OpenPalette),
            KeyCode::Char('1') | KeyCode::Esc => Some(Action::Back),
            KeyCode::Char('2') => Some(Action::ShowScreen(Screen::Chat)),
            KeyCode::Char('4') => Some(Action::ShowScreen(Screen::Events)),
            _ => movement(key, ctrl),
        },
        Overlay::None | Overlay::Welcome if app.screen == Screen::Events => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char('?') => Some(Action::ToggleHelp),
            KeyCode::Char(':') => Some(Action::OpenPalette),
            KeyCode::Char('1') | KeyCode::Esc => Some(Action::Back),
            KeyCode::Char('2') => Some(Action::ShowScreen(Screen::Chat)),
            KeyCode::Char('3') => Some(Action::ShowScreen(Screen::Transactions)),
            KeyCode::Char('r') => Some(Action::RetryWebhooks),
            KeyCode::Enter => Some(Action::Open),
            _ => movement(key, ctrl),
        },
        Overlay::None | Overlay::Welcome => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char('?') => Some(Action::ToggleHelp),
            KeyCode::Char('/') => Some(Action::OpenFilter),
            KeyCode::Char(':') => Some(Action::OpenPalette),
            KeyCode::Char('2') => Some(Action::ShowScreen(Screen::Chat)),
            KeyCode::Char('3') => Some(Action::ShowScreen(Screen::Transactions)),
            KeyCode::Char('4') => Some(Action::ShowScreen(Screen::Events)),
            KeyCode::Char('s') => Some(Action::SyncSelected),
            KeyCode::Char('m') => Some(Action::OpenMapping),
            KeyCode::Char('t') => Some(Action::TestSelected),
            KeyCode::Char('c') => Some(Action::ConfigureSelected),
            KeyCode::Char('o') => Some(Action::ConnectSelected),
            KeyCode::Char('x') => Some(Action::DisconnectSelected),
            KeyCode::Char('a') => Some(Action::AcceptOffer),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Tab => Some(Action::NextPane),
            KeyCode::BackTab => Some(Action::PrevPane),
            KeyCode::Enter => Some(Action::Open),
            _ => movement(key, ctrl),
        },
    }
}

/// The chat screen: the input box takes typing; the message and conversation panes move.
fn chat_key(app: &App, key: KeyEvent, ctrl: bool) -> Option<Action> {
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        KeyCode::Esc if app.chat.streaming.is_some() => return Some(Action::ChatCancel),
        KeyCode::Esc => return Some(Action::ShowScreen(Screen::Hub)),
        KeyCode::Char('n') if ctrl => return Some(Action::ChatNew),
        KeyCode::Char('o') if ctrl => return Some(Action::ChatToggleAlias),
        KeyCode::Char('y') if ctrl => return Some(Action::ChatCopy),
        KeyCode::Tab => return Some(Action::ChatFocusNext),
        KeyCode::PageUp => return Some(Action::Page(-1)),
        KeyCode::PageDown => return Some(Action::Page(1)),
        _ => {}
    }
    match app.chat.focus {
        ChatFocus::Input => Some(match key.code {
            KeyCode::Enter if alt => Action::ChatNewline,
            KeyCode::Char('j') if ctrl => Action::ChatNewline,
            KeyCode::Enter => Action::ChatSend,
            _ => Action::ChatKey(key),
        }),
        ChatFocus::Messages | ChatFocus::List => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char('?') => Some(Action::ToggleHelp),
            KeyCode::Char(':') => Some(Action::OpenPalette),
            KeyCode::Enter | KeyCode::Char('i') => Some(Action::Open),
            _ => movement(key, ctrl),
        },
    }
}

fn movement(key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('j') | KeyCode::Down => Action::Move(1),
        KeyCode::Char('k') | KeyCode::Up => Action::Move(-1),
        KeyCode::Char('d') if ctrl => Action::Page(1),
        KeyCode::Char('u') if ctrl => Action::Page(-1),
        KeyCode::PageDown => Action::Page(1),
        KeyCode::PageUp => Action::Page(-1),
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        _ => return None,
    })
}

/// The keys that work right now, for the status bar: (key, what it does).
pub fn hints(app: &App) -> &'static [(&'static str, &'static str)] {
    use super::app::Pane;
    if app.screen == Screen::Chat && matches!(app.overlay, Overlay::None) {
        return match (app.chat.streaming.is_some(), app.chat.focus) {
            (true, _) => &[
                ("Esc", "stop the reply"),
                ("PgUp/PgDn", "scroll"),
                ("Ctrl-y", "copy"),
            ],
            (false, ChatFocus::Input) => &[
                ("Enter", "send"),
                ("Alt-Enter", "new line"),
                ("Ctrl-o", "fast/pro"),
                ("Ctrl-n", "new"),
                ("Ctrl-y", "copy reply"),
                ("Tab", "pane"),
                ("Esc", "hub"),
            ],
            (false, ChatFocus::Messages) => &[
                ("↑↓", "scroll"),
                ("Enter", "type"),
                ("Tab", "pane"),
                ("Esc", "hub"),
                ("q", "quit"),
            ],
            (false, ChatFocus::List) => &[
                ("↑↓", "choose"),
                ("Enter", "open"),
                ("Ctrl-n", "new"),
                ("Tab", "pane"),
                ("Esc", "hub"),
            ],
        };
    }
    if app.screen == Screen::Events && matches!(app.overlay, Overlay::None) {
        return &[
            ("↑↓", "move"),
            ("PgUp/PgDn", "page"),
            ("Enter", "details"),
            ("r", "retry failed"),
            ("Esc", "hub"),
            ("q", "quit"),
        ];
    }
    if app.screen == Screen::Transactions && matches!(app.overlay, Overlay::None) {
        return &[
            ("↑↓", "move"),
            ("PgUp/PgDn", "page"),
            ("/", "filter"),
            ("Esc", "hub"),
            ("q", "quit"),
        ];
    }
    match (&app.overlay, app.focus) {
        (Overlay::Welcome, _) => &[
            ("2", "chat"),
            ("j o", "sign in"),
            ("3", "transactions"),
            ("?", "help"),
            ("q", "quit"),
        ],
        (Overlay::Filter(_), _) => &[("Enter", "keep"), ("Esc", "clear")],
        (Overlay::Mapping(view), _) if view.editing.is_some() => {
            &[("Enter", "save the class"), ("Esc", "cancel")]
        }
        (Overlay::Mapping(_), _) => &[("↑↓", "move"), ("Enter", "set the class"), ("Esc", "close")],
        (Overlay::Palette(_), _) => &[("Tab", "complete"), ("Enter", "run"), ("Esc", "cancel")],
        (Overlay::Help(_), _) => &[("↑↓", "scroll"), ("Esc", "close")],
        (Overlay::Connect(_), _) => &[
            ("Enter", "use the pasted address"),
            ("Ctrl-y", "copy the address"),
            ("Esc", "cancel"),
        ],
        (Overlay::Form(_), _) => &[
            ("↑↓", "field"),
            ("←→", "choose"),
            ("Enter", "save"),
            ("Esc", "cancel"),
        ],
        (Overlay::Popup(_), _) => &[("↑↓", "scroll"), ("Esc", "close")],
        (Overlay::Confirm(_), _) => &[("y", "yes"), ("n/Esc/other", "no")],
        (Overlay::None, Pane::Integrations) => &[
            ("↑↓", "move"),
            ("Enter", "open"),
            ("Tab", "pane"),
            ("/", "filter"),
            (":", "command"),
            ("?", "help"),
            ("q", "quit"),
        ],
        (Overlay::None, Pane::Detail) => &[
            ("↑↓", "scroll"),
            ("Enter", "history"),
            ("Tab", "pane"),
            ("Esc", "back"),
            ("?", "help"),
            ("q", "quit"),
        ],
        (Overlay::None, Pane::History) => &[
            ("↑↓", "move"),
            ("PgUp/PgDn", "page"),
            ("g/G", "ends"),
            ("Enter", "details"),
            ("Esc", "back"),
            ("q", "quit"),
        ],
    }
}

/// Every key, for the help overlay: (key, what it does). Short enough to fit 80x24.
pub const HELP: &[(&str, &str)] = &[
    ("↑↓ jk PgUp PgDn g G", "move, page, first / last"),
    ("Tab  Shift-Tab", "next / previous pane"),
    (
        "Enter",
        "open: integration → detail → history → run details",
    ),
    ("Esc", "close, clear the filter, back"),
    (
        "/",
        "filter the integrations (the transactions on screen 3)",
    ),
    (
        ":",
        "commands: :q :status :help :filter :history :chat :hub",
    ),
    ("?", "this help"),
    ("q  Ctrl-c", "quit"),
    (
        "1  2  3  4",
        "the hub; chat with Gemini; transactions; events",
    ),
    ("t  c", "test, configure the selected integration"),
    ("a", "accept the fix on offer (models, webhooks)"),
    ("o  x", "Mindbody: connect (or reconnect), disconnect"),
    ("s  m", "Mindbody: sync now; map categories to classes"),
    ("chat: Enter  Alt-Enter", "send; new line (also Ctrl-j)"),
    (
        "chat: Esc  Ctrl-c",
        "stop the reply arriving; Esc again: the hub",
    ),
    (
        "chat: Ctrl-n Ctrl-o Ctrl-y",
        "new conversation; fast / pro; copy the reply",
    ),
    ("mouse", "a click selects a row, the wheel scrolls"),
];
