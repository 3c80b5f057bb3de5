//! The chat screen's keys: the input box takes typing; the messages and the conversations move.

use ratatui::crossterm::event::KeyCode::{Char, Enter, Esc, PageDown, PageUp, Tab};

use super::{ChatFocus, ChatScreen};
use crate::tui::action::Action;
use crate::tui::keys::{Binding, Press::*, Section::Chat as InChat};

fn streaming(chat: &ChatScreen) -> bool {
    chat.streaming.is_some()
}

fn typing(chat: &ChatScreen) -> bool {
    chat.focus == ChatFocus::Input
}

pub static KEYS: &[Binding<ChatScreen>] = &[
    Binding::says().help(
        InChat,
        "chat: Enter  Alt-Enter",
        "send; new line (also Ctrl-j)",
    ),
    // Ctrl-c stops the reply too: it is the app's key (it quits from anywhere else).
    Binding::keys(&[Key(Esc)], |_| Action::ChatCancel)
        .when(streaming)
        .bar("Esc", "stop the reply", streaming)
        .help(
            InChat,
            "chat: Esc  Ctrl-c",
            "stop the reply arriving; Esc again: the hub",
        ),
    Binding::says().bar("PgUp/PgDn", "scroll", streaming),
    Binding::says().bar("Ctrl-y", "copy", streaming),
    Binding::says().bar("↑↓", "scroll", |c| {
        !streaming(c) && c.focus == ChatFocus::Messages
    }),
    Binding::says().bar("↑↓", "choose", |c| {
        !streaming(c) && c.focus == ChatFocus::List
    }),
    Binding::keys(&[Key(PageUp)], |_| Action::Page(-1)),
    Binding::keys(&[Key(PageDown)], |_| Action::Page(1)),
    Binding::keys(&[Key(Enter)], |_| Action::ChatSend)
        .when(typing)
        .bar("Enter", "send", |c| !streaming(c) && typing(c)),
    Binding::keys(&[Key(Enter)], |_| Action::ChatToggleTool)
        .when(ChatScreen::has_tool_at_hand)
        .bar("Enter", "open/close the tool call", |c| {
            !streaming(c) && c.has_tool_at_hand()
        })
        .help(
            InChat,
            "chat: Enter on ⚙",
            "open or close the marked tool call",
        ),
    Binding::keys(&[Key(Enter), Key(Char('i'))], |_| Action::Open)
        .when(|c| !typing(c))
        .bar("Enter", "type", |c| {
            !streaming(c) && c.focus == ChatFocus::Messages && !c.has_tool_at_hand()
        }),
    Binding::says().bar("Enter", "open", |c| {
        !streaming(c) && c.focus == ChatFocus::List
    }),
    Binding::keys(&[Alt(Enter), Ctrl('j')], |_| Action::ChatNewline)
        .when(typing)
        .bar("Alt-Enter", "new line", |c| !streaming(c) && typing(c)),
    Binding::keys(&[Ctrl('o')], |_| Action::ChatToggleAlias)
        .bar("Ctrl-o", "fast/pro", |c| !streaming(c) && typing(c)),
    Binding::keys(&[Ctrl('n')], |_| Action::ChatNew)
        .bar("Ctrl-n", "new", |c| {
            !streaming(c) && c.focus != ChatFocus::Messages
        })
        .help(
            InChat,
            "chat: Ctrl-n Ctrl-o Ctrl-y",
            "new conversation; fast / pro; copy the reply",
        ),
    Binding::keys(&[Ctrl('y')], |_| Action::ChatCopy)
        .bar("Ctrl-y", "copy reply", |c| !streaming(c) && typing(c)),
    Binding::keys(&[Key(Tab)], |_| Action::ChatFocusNext).bar("Tab", "pane", |c| !streaming(c)),
    Binding::keys(&[Key(Esc)], |_| {
        Action::ShowScreen(crate::tui::app::Screen::Hub)
    })
    .bar("Esc", "hub", |c| !streaming(c)),
    Binding::says().bar("q", "quit", |c| {
        !streaming(c) && c.focus == ChatFocus::Messages
    }),
    // The input box takes every other key.
    Binding::keys(&[Any], Action::ChatKey).when(typing),
];
