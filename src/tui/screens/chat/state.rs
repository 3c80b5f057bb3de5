//! The chat screen's state: the conversations, the open one's messages rendered to lines ahead
//! of time (re-rendered only when a message changes or the width does), the input box, and the
//! reply that is arriving. Drawing copies the visible slice of lines and nothing more.
//!
//! Only the newest messages are rendered when a conversation opens (a few screens' worth); older
//! ones are rendered as the reader scrolls up to them, so a long conversation opens as fast as
//! a short one.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui_textarea::TextArea;

use crate::api::{Alias, GeminiSettings, IntegrationView};
use crate::api::{ChatMessage, ChatRole, Conversation, MessageState, ToolUse};
use crate::tui::text;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatFocus {
    Input,
    Messages,
    List,
}

pub struct ChatScreen {
    pub conversations: Vec<Conversation>,
    pub list_selected: usize,
    /// The open conversation; None for a new one not yet sent.
    pub current: Option<Conversation>,
    pub messages: Vec<ChatMessage>,
    /// The lines of `messages[first_rendered..]` at `width`, in order.
    rendered: Vec<Vec<Line<'static>>>,
    first_rendered: usize,
    /// Lines in `rendered`.
    total_lines: usize,
    width: usize,
    /// Rows of the message pane: how much to render ahead.
    height: usize,
    /// Lines scrolled up from the newest; 0 follows the reply as it arrives.
    pub scroll_from_bottom: usize,
    pub input: TextArea<'static>,
    pub focus: ChatFocus,
    /// The alias the next question goes to.
    pub alias: Alias,
    /// The reply arriving now: (conversation, seq).
    pub streaming: Option<(u64, u64)>,
    /// A question handed to the engine whose reply has not started yet.
    pub sending: bool,
    /// A reply waiting to ask Gemini again: its line counts down to it.
    pub retry: Option<RetryWait>,
    /// Gemini as the hub lists it (its settings name the models behind fast and pro).
    pub gemini: Option<IntegrationView>,
    /// The tool calls shown expanded: (message seq, call index).
    tools_open: HashSet<(u64, usize)>,
}

/// What starts a tool call's line: what the reader sees, and what finds it again.
const TOOL_MARK: &str = "⚙ ";

/// Gemini's settings as the integrations list them (the defaults before they are loaded).
pub fn gemini_settings(integrations: &[IntegrationView]) -> GeminiSettings {
    integrations
        .iter()
        .find(|v| v.provider == crate::api::Provider::Gemini)
        .map(|v| GeminiSettings::from_settings(&v.settings))
        .unwrap_or_else(|| GeminiSettings::from_settings(&Default::default()))
}

/// Why a reply waits to ask Gemini again ("quota used up"), and until when.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryWait {
    pub conversation: u64,
    pub seq: u64,
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl RetryWait {
    fn is_for(&self, conversation: u64, seq: u64) -> bool {
        (self.conversation, self.seq) == (conversation, seq)
    }

    fn of<'a>(wait: &'a Option<RetryWait>, message: &ChatMessage) -> Option<&'a RetryWait> {
        wait.as_ref()
            .filter(|w| w.is_for(message.conversation, message.seq))
    }
}

impl ChatScreen {
    pub fn new(alias: Alias) -> ChatScreen {
        let mut chat = ChatScreen {
            conversations: Vec::new(),
            list_selected: 0,
            current: None,
            messages: Vec::new(),
            rendered: Vec::new(),
            first_rendered: 0,
            total_lines: 0,
            width: 0,
            height: 0,
            scroll_from_bottom: 0,
            input: TextArea::default(),
            focus: ChatFocus::Input,
            alias,
            streaming: None,
            sending: false,
            retry: None,
            gemini: None,
            tools_open: HashSet::new(),
        };
        chat.reset_input();
        chat
    }

    /// Gemini's settings: the models behind fast and pro, the default alias.
    pub fn gemini_settings(&self) -> GeminiSettings {
        gemini_settings(self.gemini.as_slice())
    }

    pub fn reset_input(&mut self) {
        self.input = TextArea::default();
        self.input
            .set_placeholder_text("Ask Gemini about the hub… (Enter sends, Alt-Enter new line)");
        self.input
            .set_cursor_line_style(ratatui::style::Style::default());
    }

    pub fn busy(&self) -> bool {
        self.streaming.is_some() || self.sending
    }

    pub fn total_lines(&self) -> usize {
        self.total_lines
    }

    /// Opens a conversation with its messages.
    pub fn open(
        &mut self,
        conversation: Conversation,
        messages: Vec<ChatMessage>,
        theme: &Theme,
        now: DateTime<FixedOffset>,
    ) {
        self.streaming = messages
            .iter()
            .find(|m| m.state == MessageState::Streaming)
            .map(|m| (m.conversation, m.seq));
        self.current = Some(conversation);
        self.messages = messages;
        self.tools_open.clear();
        self.scroll_from_bottom = 0;
        self.rerender_all(theme, now);
    }

    /// A blank conversation: the next question starts a new one.
    pub fn start_new(&mut self) {
        self.current = None;
        self.messages.clear();
        self.rendered.clear();
        self.first_rendered = 0;
        self.total_lines = 0;
        self.scroll_from_bottom = 0;
        self.focus = ChatFocus::Input;
    }

    pub fn set_size(
        &mut self,
        width: usize,
        height: usize,
        theme: &Theme,
        now: DateTime<FixedOffset>,
    ) {
        self.height = height;
        if width != self.width {
            self.width = width;
            self.rerender_all(theme, now);
        }
    }

    fn rerender_all(&mut self, theme: &Theme, now: DateTime<FixedOffset>) {
        self.rendered.clear();
        self.first_rendered = self.messages.len();
        self.total_lines = 0;
        self.render_back(
            self.scroll_from_bottom + 3 * self.height.max(20),
            theme,
            now,
        );
    }

    /// Renders older messages until at least `lines` lines are ready (or all are).
    fn render_back(&mut self, lines: usize, theme: &Theme, now: DateTime<FixedOffset>) {
        let mut older = Vec::new();
        while self.total_lines < lines && self.first_rendered > 0 {
            self.first_rendered -= 1;
            let message = &self.messages[self.first_rendered];
            let wait = RetryWait::of(&self.retry, message);
            let rendered = render(message, self.width, theme, now, wait, &self.tools_open);
            self.total_lines += rendered.len();
            older.push(rendered);
        }
        if !older.is_empty() {
            older.reverse();
            older.append(&mut self.rendered);
            self.rendered = older;
        }
    }

    fn rerender(&mut self, index: usize, theme: &Theme, now: DateTime<FixedOffset>) {
        let Some(slot) = index.checked_sub(self.first_rendered) else {
            return; // not rendered yet: it will be when scrolled to
        };
        let message = &self.messages[index];
        let lines = render(
            message,
            self.width,
            theme,
            now,
            RetryWait::of(&self.retry, message),
            &self.tools_open,
        );
        let before = self.rendered[slot].len();
        self.total_lines = self.total_lines - before + lines.len();
        // Keep the reader's place when a message above the bottom grows.
        if self.scroll_from_bottom > 0 {
            self.scroll_from_bottom += lines.len().saturating_sub(before);
        }
        self.rendered[slot] = lines;
    }

    /// Adds or replaces a message of the open conversation.
    pub fn upsert(&mut self, message: ChatMessage, theme: &Theme, now: DateTime<FixedOffset>) {
        if self.current.as_ref().map(|c| c.id) != Some(message.conversation) {
            return;
        }
        match self.messages.iter().position(|m| m.seq == message.seq) {
            Some(i) => {
                self.messages[i] = message;
                self.rerender(i, theme, now);
            }
            None => {
                let wait = RetryWait::of(&self.retry, &message);
                let lines = render(&message, self.width, theme, now, wait, &self.tools_open);
                self.total_lines += lines.len();
                self.messages.push(message);
                self.rendered.push(lines);
            }
        }
    }

    /// More text for the reply arriving in the open conversation.
    pub fn append(&mut self, seq: u64, delta: &str, theme: &Theme, now: DateTime<FixedOffset>) {
        if let Some(i) = self.messages.iter().position(|m| m.seq == seq) {
            self.messages[i].text.push_str(delta);
            self.rerender(i, theme, now);
        }
    }

    /// The reply `wait` names waits to ask again: its line becomes a countdown.
    pub fn retrying(&mut self, wait: RetryWait, theme: &Theme, now: DateTime<FixedOffset>) {
        self.retry = Some(wait);
        self.tick(theme, now);
    }

    /// The reply in (`conversation`, `seq`) goes on (text arrived) or ended: no more countdown.
    pub fn end_wait(&mut self, conversation: u64, seq: u64) {
        if self
            .retry
            .as_ref()
            .is_some_and(|w| w.is_for(conversation, seq))
        {
            self.retry = None;
        }
    }

    /// Whether a countdown is on screen and still counting: the dashboard ticks only then.
    pub fn counting_down(&self, now: DateTime<Utc>) -> bool {
        self.retry.as_ref().is_some_and(|w| {
            w.at > now && self.current.as_ref().map(|c| c.id) == Some(w.conversation)
        })
    }

    /// The countdown's line, at the time it is now.
    pub fn tick(&mut self, theme: &Theme, now: DateTime<FixedOffset>) {
        let index = self.retry.as_ref().and_then(|w| {
            self.messages
                .iter()
                .position(|m| w.is_for(m.conversation, m.seq))
        });
        if let Some(index) = index {
            self.rerender(index, theme, now);
        }
    }

    pub fn scroll(
        &mut self,
        delta: i64,
        visible: usize,
        theme: &Theme,
        now: DateTime<FixedOffset>,
    ) {
        let wanted = (self.scroll_from_bottom as i64)
            .saturating_sub(delta)
            .max(0) as usize;
        // Scrolling up into messages not rendered yet renders them (a screen ahead).
        self.render_back(wanted.saturating_add(2 * visible), theme, now);
        let max = self.total_lines.saturating_sub(visible);
        self.scroll_from_bottom = wanted.min(max);
    }

    /// The tool call Enter opens or closes: the lowest one in the window of `height` rows, as
    /// (message index, call index, its line in the window).
    pub fn tool_at_hand(&self, height: usize) -> Option<(usize, usize, usize)> {
        let end = self.total_lines.saturating_sub(self.scroll_from_bottom);
        let start = end.saturating_sub(height);
        let mut offset = 0;
        let mut found = None;
        for (slot, lines) in self.rendered.iter().enumerate() {
            let index = self.first_rendered + slot;
            let calls = self.messages.get(index).map_or(0, |m| m.tools.len());
            let marks = lines
                .iter()
                .enumerate()
                .filter(|(_, line)| {
                    line.spans
                        .first()
                        .is_some_and(|s| s.content.starts_with(TOOL_MARK))
                })
                .take(calls);
            for (call, (row, _)) in marks.enumerate() {
                let at = offset + row;
                if (start..end).contains(&at) {
                    found = Some((index, call, at - start));
                }
            }
            offset += lines.len();
            if offset >= end {
                break;
            }
        }
        found
    }

    /// Whether the window shows a tool call Enter can open or close.
    pub fn has_tool_at_hand(&self) -> bool {
        self.focus == ChatFocus::Messages && self.tool_at_hand(self.height).is_some()
    }

    /// Opens the tool call at hand, or closes it.
    pub fn toggle_tool(&mut self, theme: &Theme, now: DateTime<FixedOffset>) {
        let Some((index, call, _)) = self.tool_at_hand(self.height) else {
            return;
        };
        let key = (self.messages[index].seq, call);
        if !self.tools_open.remove(&key) {
            self.tools_open.insert(key);
        }
        self.rerender(index, theme, now);
    }

    /// The lines in a window of `height` rows, at the current scroll; the tool call at hand is
    /// marked while the messages have the focus.
    pub fn visible_lines(&self, height: usize) -> Vec<Line<'static>> {
        let mut out = self.window(height);
        if self.focus == ChatFocus::Messages
            && let Some((_, _, row)) = self.tool_at_hand(height)
            && let Some(line) = out.get_mut(row)
        {
            line.style = line.style.add_modifier(Modifier::REVERSED);
        }
        out
    }

    fn window(&self, height: usize) -> Vec<Line<'static>> {
        let end = self.total_lines.saturating_sub(self.scroll_from_bottom);
        let start = end.saturating_sub(height);
        let mut out = Vec::with_capacity(height);
        let mut offset = 0;
        for lines in &self.rendered {
            let next = offset + lines.len();
            if next > start && offset < end {
                let from = start.saturating_sub(offset);
                let to = (end - offset).min(lines.len());
                out.extend(lines[from..to].iter().cloned());
            }
            if next >= end {
                break;
            }
            offset = next;
        }
        out
    }

    /// The text of the newest reply, for copying.
    pub fn last_reply(&self) -> Option<&str> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == ChatRole::Model && !m.text.is_empty())
            .map(|m| m.text.as_str())
    }

    pub fn input_text(&self) -> String {
        self.input.lines().join("\n")
    }
}

/// One message as lines: a header, the text (Markdown for replies), a note on how it ended (or
/// on the wait before Gemini is asked again).
fn render(
    message: &ChatMessage,
    width: usize,
    theme: &Theme,
    now: DateTime<FixedOffset>,
    wait: Option<&RetryWait>,
    tools_open: &HashSet<(u64, usize)>,
) -> Vec<Line<'static>> {
    let width = width.max(10);
    let time = crate::format::clock(message.created_at, now);
    let mut lines = Vec::new();
    match message.role {
        ChatRole::User => {
            lines.push(Line::from(vec![
                Span::styled("You", theme.key()),
                Span::styled(format!(" · {time}"), theme.dim()),
            ]));
            lines.extend(text::plain(&message.text, width, Default::default()));
        }
        ChatRole::Model => {
            let mut header = vec![Span::styled("Gemini", theme.title())];
            if let Some(model) = &message.model {
                header.push(Span::styled(format!(" · {model}"), theme.dim()));
            }
            header.push(Span::styled(format!(" · {time}"), theme.dim()));
            if let Some(usage) = message.usage {
                header.push(Span::styled(format!(" · {}", usage.words()), theme.dim()));
            }
            lines.push(Line::from(header));
            for (i, tool) in message.tools.iter().enumerate() {
                let open = tools_open.contains(&(message.seq, i));
                lines.extend(tool_lines(tool, open, width, theme));
            }
            if !message.tools.is_empty() && !message.text.is_empty() {
                lines.push(Line::default());
            }
            if !message.text.is_empty() {
                lines.extend(text::markdown(&message.text, width, theme));
            }
            match &message.state {
                MessageState::Complete => {}
                MessageState::Streaming => lines.push(match wait {
                    Some(wait) => Line::styled(
                        format!("{}, {} · Esc stops", wait.reason, retrying_in(wait.at, now)),
                        theme.warning(),
                    ),
                    None => Line::styled(
                        "… arriving (Esc stops it)",
                        theme.dim().add_modifier(Modifier::ITALIC),
                    ),
                }),
                MessageState::Cancelled => lines.push(Line::styled(
                    "⏹ stopped: this reply is partial",
                    theme.warning(),
                )),
                MessageState::Failed { error } => {
                    lines.extend(text::plain(&format!("✖ {error}"), width, theme.error()))
                }
            }
        }
    }
    lines.push(Line::default());
    lines
}

/// A tool call behind a reply: "⚙ sales_summary 2026-11-01..2026-11-30 by class", and when
/// open, its arguments and what it answered beneath.
fn tool_lines(tool: &ToolUse, open: bool, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let title = crate::text::one_line(&format!("{TOOL_MARK}{} {}", tool.name, tool.arguments));
    let shown: String = title.chars().take(width.saturating_sub(2)).collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(shown, theme.dim()),
        Span::styled(if open { " ▾" } else { " ▸" }, theme.dim()),
    ])];
    if open {
        let arguments = if tool.arguments.is_empty() {
            "none"
        } else {
            &tool.arguments
        };
        for detail in [
            format!("  arguments: {arguments}"),
            format!("  answered: {}", tool.result),
        ] {
            lines.extend(text::plain(&detail, width, theme.dim()));
        }
    }
    lines
}

/// "retrying in 24 s", counted in whole seconds up (never "in 0 s"), then "retrying now".
fn retrying_in(at: DateTime<Utc>, now: DateTime<FixedOffset>) -> String {
    let left = (at - now.to_utc()).num_milliseconds();
    match (left + 999) / 1000 {
        secs if secs > 0 => format!("retrying in {secs} s"),
        _ => "retrying now".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TokenUsage;
    use chrono::Utc;

    fn message(seq: u64, role: ChatRole, text: &str) -> ChatMessage {
        ChatMessage {
            conversation: 1,
            seq,
            role,
            text: text.into(),
            model: Some("gemini-3.8-flash".into()),
            usage: Some(TokenUsage {
                prompt: 3,
                reply: 5,
                total: 8,
            }),
            state: MessageState::Complete,
            created_at: Utc::now(),
            tools: Vec::new(),
        }
    }

    fn conversation() -> Conversation {
        Conversation {
            id: 1,
            title: "t".into(),
            model: "fast".into(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            messages: 0,
        }
    }

    #[test]
    fn the_window_follows_the_bottom_and_scrolls_back() {
        let theme = Theme::new(false);
        let now = Utc::now().fixed_offset();
        let mut chat = ChatScreen::new(Alias::Fast);
        chat.set_size(40, 4, &theme, now);
        let messages: Vec<ChatMessage> = (1..=50)
            .map(|i| {
                message(
                    i,
                    if i % 2 == 1 {
                        ChatRole::User
                    } else {
                        ChatRole::Model
                    },
                    &format!("message number {i}"),
                )
            })
            .collect();
        chat.open(conversation(), messages, &theme, now);
        let bottom: Vec<String> = chat
            .visible_lines(4)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(
            bottom.iter().any(|l| l.contains("message number 50")),
            "{bottom:?}"
        );
        chat.scroll(-1000, 4, &theme, now);
        let top: Vec<String> = chat
            .visible_lines(4)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(top[1].contains("message number 1"), "{top:?}");
        assert_eq!(chat.visible_lines(4).len(), 4);
    }

    #[test]
    fn deltas_grow_the_reply_in_place() {
        let theme = Theme::new(false);
        let now = Utc::now().fixed_offset();
        let mut chat = ChatScreen::new(Alias::Fast);
        chat.set_size(60, 20, &theme, now);
        chat.open(
            conversation(),
            vec![message(1, ChatRole::User, "hi")],
            &theme,
            now,
        );
        let mut reply = message(2, ChatRole::Model, "");
        reply.state = MessageState::Streaming;
        chat.upsert(reply, &theme, now);
        chat.append(2, "Hello ", &theme, now);
        chat.append(2, "there", &theme, now);
        assert_eq!(chat.messages[1].text, "Hello there");
        let shown: String = chat
            .visible_lines(20)
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect();
        assert!(shown.contains("Hello there"));
        assert!(shown.contains("arriving"));
        assert_eq!(chat.last_reply(), Some("Hello there"));
    }
}
