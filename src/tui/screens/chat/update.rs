//! How the chat screen answers actions, the engine's answers and its events.

use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

use crate::api::Conversation;
use crate::api::Event;
use crate::api::{Alias, ChatMessage, IntegrationView, Provider};
use crate::tui::action::{Action, Request};
use crate::tui::layout;
use crate::tui::screens::context::{Context, Outbox};

use super::state::{ChatFocus, ChatScreen, RetryWait};

impl ChatScreen {
    /// Takes the chat's actions while it is on show; hands back the rest.
    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        match action {
            Action::ChatKey(key) => {
                self.input.input(TermEvent::Key(key));
            }
            Action::ChatNewline => {
                self.input.input(TermEvent::Key(KeyEvent::new(
                    KeyCode::Enter,
                    KeyModifiers::NONE,
                )));
            }
            Action::ChatSend => self.send_question(out),
            Action::ChatCancel => match self.streaming {
                Some((conversation, _)) => out.request(Request::CancelChat(conversation)),
                None => out.notify("No reply is arriving.", false),
            },
            Action::ChatNew => {
                self.start_new();
                out.notify("New conversation: your next question starts it.", false);
            }
            Action::ChatToggleAlias => {
                self.alias = match self.alias {
                    Alias::Fast => Alias::Pro,
                    Alias::Pro => Alias::Fast,
                };
                let model = self.gemini_settings().model(self.alias).map(str::to_string);
                out.notify(
                    format!(
                        "Next questions go to {} ({}).",
                        self.alias.name(),
                        model.as_deref().unwrap_or("chosen at the first question")
                    ),
                    false,
                );
            }
            Action::ChatCopy => match self.last_reply() {
                Some(text) => {
                    out.copy(text.to_string());
                    out.notify(
                        "Copied the last reply (through the terminal, OSC 52).",
                        false,
                    );
                }
                None => out.notify("No reply to copy yet.", false),
            },
            Action::ChatToggleTool => self.toggle_tool(&cx.theme, cx.now),
            Action::ChatFocusNext => {
                self.focus = match self.focus {
                    ChatFocus::Input => ChatFocus::Messages,
                    ChatFocus::Messages => ChatFocus::List,
                    ChatFocus::List => ChatFocus::Input,
                }
            }
            Action::Move(delta) => self.chat_move(cx, delta),
            Action::Page(pages) => {
                let rows = Self::view_rows(self, cx) as i64;
                self.chat_scroll(cx, pages * rows.max(1));
            }
            Action::Top => self.chat_scroll(cx, i64::MIN / 2),
            Action::Bottom => self.chat_scroll(cx, i64::MAX / 2),
            Action::Open => self.open_selected_conversation(out),
            Action::Scroll { delta, .. } => self.chat_scroll(cx, delta * 3),
            Action::Click { .. } => {}
            Action::Tick => self.tick(&cx.theme, cx.now),
            other => return Some(other),
        }
        None
    }

    /// `2`: the conversations are read the first time; the input box has the focus.
    pub fn on_show(&mut self, was_here: bool, cx: &Context, out: &mut Outbox) {
        if !was_here && self.conversations.is_empty() {
            self.alias = self.gemini_settings().default_alias;
            out.request(Request::LoadConversations);
        }
        self.focus = ChatFocus::Input;
        // A countdown left behind on the hub is a few seconds stale.
        self.tick(&cx.theme, cx.now);
    }

    /// The models behind fast and pro follow Gemini's settings.
    pub fn integrations_loaded(&mut self, views: &[IntegrationView]) {
        self.gemini = views
            .iter()
            .find(|v| v.provider == Provider::Gemini)
            .cloned();
    }

    fn send_question(&mut self, out: &mut Outbox) {
        let text = self.input_text();
        if text.trim().is_empty() {
            return;
        }
        if self.busy() {
            out.notify(
                "A reply is still arriving: wait for it, or Esc stops it.",
                false,
            );
            return;
        }
        self.sending = true;
        self.scroll_from_bottom = 0;
        out.request(Request::SendChat {
            conversation: self.current.as_ref().map(|c| c.id),
            text,
            model: self.alias.name().to_string(),
        });
        self.reset_input();
    }

    fn chat_move(&mut self, cx: &Context, delta: i64) {
        match self.focus {
            ChatFocus::List => {
                let last = self.conversations.len().saturating_sub(1) as i64;
                self.list_selected =
                    (self.list_selected as i64 + delta).clamp(0, last.max(0)) as usize;
            }
            _ => self.chat_scroll(cx, delta),
        }
    }

    fn open_selected_conversation(&mut self, out: &mut Outbox) {
        if self.focus == ChatFocus::List
            && let Some(c) = self.conversations.get(self.list_selected)
        {
            out.request(Request::LoadConversation(c.id));
        }
        self.focus = ChatFocus::Input;
    }

    pub fn conversations_loaded(&mut self, list: Vec<Conversation>, out: &mut Outbox) {
        // After a restart, the most recent conversation opens where it was left.
        if self.current.is_none()
            && self.messages.is_empty()
            && !self.busy()
            && let Some(latest) = list.first()
        {
            out.request(Request::LoadConversation(latest.id));
        }
        let current = self.current.as_ref().map(|c| c.id);
        self.list_selected = current
            .and_then(|id| list.iter().position(|c| c.id == id))
            .unwrap_or(0);
        self.conversations = list;
    }

    pub fn conversation_loaded(
        &mut self,
        conversation: Conversation,
        messages: Vec<ChatMessage>,
        cx: &Context,
    ) {
        self.open(conversation, messages, &cx.theme, cx.now);
    }

    /// The engine would not take the question.
    pub fn send_failed(&mut self, message: String, out: &mut Outbox) {
        self.sending = false;
        out.notify(message, true);
    }

    /// The chat's events from the engine: a reply starting, arriving, waiting, finishing; and
    /// Gemini's settings changing.
    pub fn on_event(&mut self, event: &Event, cx: &Context, out: &mut Outbox) {
        match event {
            Event::IntegrationChanged(view) if view.provider == Provider::Gemini => {
                self.gemini = Some(view.clone());
            }
            Event::ChatStarted { .. }
            | Event::ChatDelta { .. }
            | Event::ChatRetrying { .. }
            | Event::ChatFinished(_) => self.reply_event(event.clone(), cx, out),
            _ => {}
        }
    }

    fn reply_event(&mut self, event: Event, cx: &Context, out: &mut Outbox) {
        let (theme, now) = (&cx.theme, cx.now);
        match event {
            Event::ChatStarted { user, reply } => {
                if self.current.is_none() && self.sending {
                    self.current = Some(Conversation {
                        id: user.conversation,
                        title: crate::text::one_line(&user.text),
                        model: self.alias.name().to_string(),
                        created_at: user.created_at,
                        updated_at: user.created_at,
                        messages: 0,
                    });
                }
                if self.current.as_ref().map(|c| c.id) == Some(user.conversation) {
                    self.sending = false;
                    self.streaming = Some((reply.conversation, reply.seq));
                    self.upsert(user, theme, now);
                    self.upsert(reply, theme, now);
                }
                out.request(Request::LoadConversations);
            }
            Event::ChatDelta {
                conversation,
                seq,
                text,
            } => {
                self.end_wait(conversation, seq);
                if self.current.as_ref().map(|c| c.id) == Some(conversation) {
                    self.append(seq, &text, theme, now);
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
                self.retrying(wait, theme, now);
            }
            Event::ChatFinished(message) => {
                self.end_wait(message.conversation, message.seq);
                if self.streaming == Some((message.conversation, message.seq)) {
                    self.streaming = None;
                }
                self.upsert(message, theme, now);
                out.request(Request::LoadConversations);
            }
            _ => {}
        }
    }

    /// Rows of messages the chat pane shows.
    pub fn view_rows(&self, cx: &Context) -> usize {
        let areas = layout::chat_areas(cx.size, self.input.lines().len(), false);
        areas
            .messages
            .map_or(0, |a| usize::from(a.height.saturating_sub(2)))
    }

    /// Renders the chat for the pane's width when that changed (resize, first show, the input
    /// box growing).
    pub fn fit(&mut self, cx: &Context) {
        let areas = layout::chat_areas(cx.size, self.input.lines().len(), false);
        let width = areas
            .messages
            .map_or(0, |a| usize::from(a.width.saturating_sub(2)));
        let height = self.view_rows(cx);
        self.set_size(width, height, &cx.theme, cx.now);
    }

    fn chat_scroll(&mut self, cx: &Context, delta: i64) {
        let rows = self.view_rows(cx);
        self.scroll(delta, rows, &cx.theme, cx.now);
    }
}
