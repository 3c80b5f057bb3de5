//! The chat screen: past conversations, the open one's messages (only the visible lines are
//! copied into the frame), and the input box.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use crate::tui::app::{App, Overlay};
use crate::tui::chat::ChatFocus;
use crate::tui::layout;
use crate::tui::views::pane_block;

pub fn draw(frame: &mut Frame, app: &App) {
    let chat = &app.chat;
    let theme = &app.theme;
    let no_overlay = matches!(app.overlay, Overlay::None);
    let areas = layout::chat_areas(
        frame.area(),
        chat.input.lines().len(),
        chat.focus == ChatFocus::List,
    );
    title(frame, areas.title, app);

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
                            crate::format::clock(c.updated_at, app.now),
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
    crate::tui::views::status_bar::draw(frame, areas.status_bar, app);
}

fn title(frame: &mut Frame, area: ratatui::layout::Rect, app: &App) {
    let theme = &app.theme;
    let alias = app.chat.alias;
    let model = app.gemini_settings().model(alias).map(str::to_string);
    let gemini = app
        .integrations
        .iter()
        .find(|v| v.provider == crate::api::Provider::Gemini);
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
