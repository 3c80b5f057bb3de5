//! The chat screen: past conversations, the open one's messages (only the visible lines are
//! copied into the frame), and the input box.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::{ChatFocus, ChatScreen};
use crate::tui::layout;
use crate::tui::screens::context::Context;
use crate::tui::views::pane_block;

/// Draws the chat; the status bar goes in the area it gives back.
pub fn draw(frame: &mut Frame, chat: &ChatScreen, cx: &Context) -> ratatui::layout::Rect {
    let theme = &cx.theme;
    let no_overlay = cx.uncovered();
    let areas = layout::chat_areas(
        frame.area(),
        chat.input.lines().len(),
        chat.focus == ChatFocus::List,
    );
    title(frame, areas.title, chat, cx);

    if let Some(area) = areas.list {
        let focused = no_overlay && chat.focus == ChatFocus::List;
        let items: Vec<ListItem> = chat
            .conversations
            .iter()
            .map(|c| {
                let current = chat.current.as_ref().is_some_and(|open| open.id == c.id);
                let mark = if current { "● " } else { "  " };
                ListItem::new(vec![
                    Line::from(format!("{mark}{}", crate::text::one_line(&c.title))),
                    Line::styled(
                        format!(
                            "  {} · {} messages",
                            crate::format::clock(c.updated_at, cx.now),
                            c.messages
                        ),
                        theme.dim(),
                    ),
                ])
            })
            .collect();
        let block = pane_block(" Conversations ", focused, theme);
        if items.is_empty() {
            frame.render_widget(
                Paragraph::new("None yet: ask something below.")
                    .style(theme.dim())
                    .block(block),
                area,
            );
        } else {
            let list = List::new(items)
                .highlight_style(theme.selected(focused))
                .block(block);
            let mut state = ListState::default().with_selected(Some(chat.list_selected));
            frame.render_stateful_widget(list, area, &mut state);
        }
    }

    if let Some(area) = areas.messages {
        let focused = no_overlay && chat.focus == ChatFocus::Messages;
        let title = chat
            .current
            .as_ref()
            .map(|c| format!(" {} ", crate::text::one_line(&c.title)))
            .unwrap_or_else(|| " New conversation ".into());
        let mut title = Line::from(title);
        if chat.scroll_from_bottom > 0 {
            title.push_span(Span::styled(
                format!("· {} lines below ", chat.scroll_from_bottom),
                theme.dim(),
            ));
        }
        let block = pane_block(title, focused, theme);
        let height = usize::from(area.height.saturating_sub(2));
        let body = if chat.messages.is_empty() {
            vec![
                Line::styled(
                    "Ask Gemini about the hub: what failed, when Mindbody last synced,",
                    theme.dim(),
                ),
                Line::styled(
                    "what a status means. Replies stream in as they are written.",
                    theme.dim(),
                ),
            ]
        } else {
            chat.visible_lines(height)
        };
        frame.render_widget(Paragraph::new(body).block(block), area);
    }

    let focused = no_overlay && chat.focus == ChatFocus::Input;
    let label = if chat.busy() {
        " Message · the reply is arriving (Esc stops it) ".to_string()
    } else {
        format!(" Message → {} ", chat.alias.name())
    };
    let mut input = chat.input.clone();
    input.set_block(pane_block(label, focused, theme));
    if !focused {
        input.set_cursor_style(ratatui::style::Style::default());
    }
    frame.render_widget(&input, areas.input);
    areas.status_bar
}

fn title(frame: &mut Frame, area: ratatui::layout::Rect, chat: &ChatScreen, cx: &Context) {
    let theme = &cx.theme;
    let alias = chat.alias;
    let model = chat.gemini_settings().model(alias).map(str::to_string);
    let gemini = chat.gemini.as_ref();
    let mut spans = vec![
        Span::styled(" legion-hub ", theme.selected(true)),
        Span::styled(" Chat with Gemini", theme.title()),
        Span::styled(
            format!(
                "  {} → {}",
                alias.name(),
                model.as_deref().unwrap_or("chosen at the first question")
            ),
            theme.dim(),
        ),
    ];
    if let Some(view) = gemini.filter(|v| v.status != crate::api::Status::Connected) {
        spans.push(Span::styled(
            format!("  Gemini is {}: see the hub (Esc)", view.status.label()),
            theme.warning(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
