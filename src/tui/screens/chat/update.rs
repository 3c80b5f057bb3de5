//! How the chat screen answers actions and engine events. Part of [`App::update`]: actions it
//! does not take are handed back for the common handling.

use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

use crate::api::Conversation;
use crate::api::Event;
use crate::api::{Alias, GeminiSettings};
use crate::tui::action::{Action, Request};
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::chat::{ChatFocus, RetryWait};
use crate::tui::layout;

impl App {
    /// Takes the chat's own actions (and, on the chat screen, movement); hands back the rest.
    pub(crate) fn chat_update(&mut self, action: Action) -> Option<Action> {
        let on_chat = self.screen == Screen::Chat && matches!(self.overlay, Overlay::None);
        match action {
            Action::ShowScreen(Screen::Chat) => self.enter_chat(),
            Action::ShowScreen(Screen::Hub) => self.screen = Screen::Hub,
            Action::ChatKey(key) => {
                self.chat.input.input(TermEvent::Key(key));
            }
            Action::ChatNewline => {
                self.chat.input.input(TermEvent::Key(KeyEvent::new(
                    KeyCode::Enter,
                    KeyModifiers::NONE,
                )));
            }
            Action::ChatSend => self.send_question(),
            Action::ChatCancel => match self.chat.streaming {
                Some((conversation, _)) => self.queue.push(Request::CancelChat(conversation)),
                None => self.notify("No reply is arriving.", false),
            },
            Action::ChatNew => {
                self.chat.start_new();
                self.notify("New conversation: your next question starts it.", false);
            }
            Action::ChatToggleAlias => {
                self.chat.alias = match self.chat.alias {
                    Alias::Fast => Alias::Pro,
                    Alias::Pro => Alias::Fast,
                };
                let model = self
                    .gemini_settings()
                    .model(self.chat.alias)
                    .map(str::to_string);
                self.notify(
                    format!(
                        "Next questions go to {} ({}).",
                        self.chat.alias.name(),
                        model.as_deref().unwrap_or("chosen at the first question")
                    ),
                    false,
                );
            }
            Action::ChatCopy => match self.chat.last_reply() {
                Some(text) => {
                    self.clipboard = Some(text.to_string());
                    self.notify(
                        "Copied the last reply (through the terminal, OSC 52).",
                        false,
                    );
                }
                None => self.notify("No reply to copy yet.", false),
            },
            Action::ChatFocusNext => {
                self.chat.focus = match self.chat.focus {
                    ChatFocus::Input => ChatFocus::Messages,
                    ChatFocus::Messages => ChatFocus::List,
                    ChatFocus::List => ChatFocus::Input,
                }
            }
            Action::ConversationsLoaded(list) => self.conversations_loaded(list),
            Action::ChatSendFailed(message) => {
                self.chat.sending = false;
                self.notify(message, true);
            }
            Action::ConversationLoaded(conversation, messages) => {
                self.chat
                    .open(conversation, messages, &self.theme, self.now);
            }
            Action::Move(delta) if on_chat => self.chat_move(delta),
            Action::Page(pages) if on_chat => {
                let rows = self.chat_view_rows() as i64;
                self.chat_scroll(pages * rows.max(1));
            }
            Action::Top if on_chat => self.chat_scroll(i64::MIN / 2),
            Action::Bottom if on_chat => self.chat_scroll(i64::MAX / 2),
            Action::Open if on_chat => self.open_selected_conversation(),
            Action::Scroll { delta, .. } if on_chat => self.chat_scroll(delta * 3),
            Action::Click { .. } if on_chat => {}
            Action::Tick if self.screen == Screen::Chat => {
                let (theme, now) = (self.theme, self.now);
                self.chat.tick(&theme, now);
            }
            other => return Some(other),
        }
        None
    }

    fn enter_chat(&mut self) {
        if self.screen != Screen::Chat && self.chat.conversations.is_empty() {
            self.chat.alias = self.gemini_settings().default_alias;
            self.queue.push(Request::LoadConversations);
        }
        self.screen = Screen::Chat;
        self.chat.focus = ChatFocus::Input;
        // A countdown left behind on the hub is a few seconds stale.
        let (theme, now) = (self.theme, self.now);
        self.chat.tick(&theme, now);
    }

    pub(crate) fn gemini_settings(&self) -> GeminiSettings {
        self.integrations
            .iter()
            .find(|v| v.provider == crate::api::Provider::Gemini)
            .map(|v| GeminiSettings::from_settings(&v.settings))
            .unwrap_or_else(|| GeminiSettings::from_settings(&Default::default()))
    }

    fn send_question(&mut self) {
        let text = self.chat.input_text();
        if text.trim().is_empty() {
            return;
        }
        if self.chat.busy() {
            self.notify(
                "A reply is still arriving: wait for it, or Esc stops it.",
                false,
            );
            return;
        }
        self.chat.sending = true;
        self.chat.scroll_from_bottom = 0;
        self.queue.push(Request::SendChat {
            conversation: self.chat.current.as_ref().map(|c| c.id),
            text,
            model: self.chat.alias.name().to_string(),
        });
        self.chat.reset_input();
    }

    fn chat_move(&mut self, delta: i64) {
        match self.chat.focus {
            ChatFocus::List => {
                let last = self.chat.conversations.len().saturating_sub(1) as i64;
                self.chat.list_selected =
                    (self.chat.list_selected as i64 + delta).clamp(0, last.max(0)) as usize;
            }
            _ => self.chat_scroll(delta),
        }
    }

    fn open_selected_conversation(&mut self) {
        match self.chat.focus {
            ChatFocus::List => {
                if let Some(c) = self.chat.conversations.get(self.chat.list_selected) {
                    self.queue.push(Request::LoadConversation(c.id));
                }
                self.chat.focus = ChatFocus::Input;
            }
            _ => self.chat.focus = ChatFocus::Input,
        }
    }

    fn conversations_loaded(&mut self, list: Vec<Conversation>) {
        // After a restart, the most recent conversation opens where it was left.
        if self.chat.current.is_none()
            && self.chat.messages.is_empty()
            && !self.chat.busy()
            && let Some(latest) = list.first()
        {
            self.queue.push(Request::LoadConversation(latest.id));
        }
        let current = self.chat.current.as_ref().map(|c| c.id);
        self.chat.list_selected = current
            .and_then(|id| list.iter().position(|c| c.id == id))
            .unwrap_or(0);
        self.chat.conversations = list;
    }

    /// Chat events from the engine (Gemini's go to `gemini_event`).
    pub(crate) fn chat_or_gemini_event(&mut self, event: Event) {
        let (theme, now) = (self.theme, self.now);
        match event {
            Event::ChatStarted { user, reply } => {
                if self.chat.current.is_none() && self.chat.sending {
                    self.chat.current = Some(Conversation {
                        id: user.conversation,
                        title: crate::text::one_line(&user.text),
                        model: self.chat.alias.name().to_string(),
                        created_at: user.created_at,
                        updated_at: user.created_at,
                        messages: 0,
                    });
                }
                if self.chat.current.as_ref().map(|c| c.id) == Some(user.conversation) {
                    self.chat.sending = false;
                    self.chat.streaming = Some((reply.conversation, reply.seq));
                    self.chat.upsert(user, &theme, now);
                    self.chat.upsert(reply, &theme, now);
                }
                self.queue.push(Request::LoadConversations);
            }
            Event::ChatDelta {
                conversation,
                seq,
                text,
            } => {
                self.chat.end_wait(conversation, seq);
                if self.chat.current.as_ref().map(|c| c.id) == Some(conversation) {
                    self.chat.append(seq, &text, &theme, now);
                }
            }
            Event::ChatRetrying {
                conversation,
                seq,
                reason,
                at,
            } => {
                let wait = RetryWait {
                    conversation,
                    seq,
                    reason,
                    at,
                };
                self.chat.retrying(wait, &theme, now);
            }
            Event::ChatFinished(message) => {
                self.chat.end_wait(message.conversation, message.seq);
                if self.chat.streaming == Some((message.conversation, message.seq)) {
                    self.chat.streaming = None;
                }
                self.chat.upsert(message, &theme, now);
                self.queue.push(Request::LoadConversations);
            }
            other => self.hub_event(other),
        }
    }

    /// Rows of messages the chat pane shows.
    pub fn chat_view_rows(&self) -> usize {
        let areas = layout::chat_areas(self.size, self.chat.input.lines().len(), false);
        areas
            .messages
            .map_or(0, |a| usize::from(a.height.saturating_sub(2)))
    }

    /// Renders the chat for the pane's width when that changed (resize, first show).
    pub(crate) fn fit_chat_to_screen(&mut self) {
        let areas = layout::chat_areas(self.size, self.chat.input.lines().len(), false);
        let width = areas
            .messages
            .map_or(0, |a| usize::from(a.width.saturating_sub(2)));
        let height = self.chat_view_rows();
        let (theme, now) = (self.theme, self.now);
        self.chat.set_size(width, height, &theme, now);
    }

    fn chat_scroll(&mut self, delta: i64) {
        let rows = self.chat_view_rows();
        let (theme, now) = (self.theme, self.now);
        self.chat.scroll(delta, rows, &theme, now);
    }
}
