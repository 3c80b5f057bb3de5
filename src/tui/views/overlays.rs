//! What opens over the panes: the help, the command palette, and text popups (`:status`, a sync
//! run's details).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;

use super::centered;
use crate::tui::app::{App, Overlay, Popup};
use crate::tui::gemini_form::{Field, GeminiForm};
use crate::tui::keymap::HELP;
use crate::tui::palette;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    match &app.overlay {
        Overlay::Help => help(frame, &app.theme),
        Overlay::Palette(input) => command_palette(frame, input, &app.theme),
        Overlay::Popup(popup) => text_popup(frame, popup, &app.theme),
        Overlay::GeminiForm(form) => gemini_form(frame, form, &app.theme),
        Overlay::None | Overlay::Filter(_) => {}
    }
}

fn popup_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title()))
}

fn help(frame: &mut Frame, theme: &Theme) {
    let key_width = HELP
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let about_width = HELP
        .iter()
        .map(|(_, a)| a.chars().count())
        .max()
        .unwrap_or(0);
    let full = frame.area();
    let width = ((key_width + about_width + 5) as u16).min(full.width);
    // What does not fit beside the keys wraps under the descriptions, not under the keys.
    let room = usize::from(width).saturating_sub(key_width + 5).max(8);
    let mut lines = Vec::new();
    for (key, what) in HELP {
        for (i, piece) in crate::present::wrap(what, room).into_iter().enumerate() {
            let key = if i == 0 { *key } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {key:<key_width$}  "), theme.key()),
                Span::raw(piece),
            ]));
        }
    }
    let area = centered(full, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block("Keys · Esc closes".into(), theme)),
        area,
    );
}

fn command_palette(frame: &mut Frame, input: &Input, theme: &Theme) {
    let suggestions = palette::suggestions(input.value());
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(72);
    let height = (suggestions.len() as u16 + 3).min(full.height);
    let area = Rect::new(full.x + (full.width - width) / 2, full.y + 1, width, height);
    frame.render_widget(Clear, area);
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.key()),
        Span::raw(input.value().to_string()),
    ])];
    for c in &suggestions {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<14}", c.usage), theme.key()),
            Span::styled(c.about, theme.dim()),
        ]));
    }
    if suggestions.is_empty() {
        lines.push(Line::styled(" no such command", theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines).block(popup_block("Command".into(), theme)),
        area,
    );
    let inner_width = width.saturating_sub(3) as usize;
    let cursor = input.visual_cursor().min(inner_width) as u16;
    frame.set_cursor_position(Position::new(area.x + 2 + cursor, area.y + 1));
}

fn text_popup(frame: &mut Frame, popup: &Popup, theme: &Theme) {
    let full = frame.area();
    let longest = popup
        .body
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as u16;
    let width = (longest + 4).max(40).min(full.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // Height for the lines as wrapped, so the last one is never cut off.
    let wrapped_lines: usize = popup
        .body
        .lines()
        .map(|l| l.chars().count().div_ceil(inner).max(1))
        .sum();
    let area = centered(full, width, wrapped_lines as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(popup.body.clone())
            .wrap(Wrap { trim: false })
            .scroll((popup.scroll, 0))
            .block(popup_block(format!("{} · Esc closes", popup.title), theme)),
        area,
    );
}

fn gemini_form(frame: &mut Frame, form: &GeminiForm, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(76);
    let models_note = match &form.models {
        None => "loading the models your key can use…".to_string(),
        Some(Ok(models)) => format!("{} models: ← → to choose", models.len()),
        Some(Err(error)) => format!("no model list: {}", crate::present::one_line(error)),
    };
    let value = |field: Field| -> String {
        match field {
            // Masked: one dot per character, never the key.
            Field::ApiKey if form.api_key.value().is_empty() => {
                if form.has_key {
                    "(saved; type to replace)".into()
                } else {
                    "(paste the key)".into()
                }
            }
            Field::ApiKey => "•".repeat(form.api_key.value().chars().count().min(40)),
            Field::Fast => form
                .fast
                .clone()
                .unwrap_or_else(|| "(chosen at the test)".into()),
            Field::Pro => form
                .pro
                .clone()
                .unwrap_or_else(|| "(chosen at the test)".into()),
            Field::DefaultAlias => form.default_alias.name().to_string(),
            Field::Temperature if form.temperature.value().is_empty() => "(model default)".into(),
            Field::Temperature => form.temperature.value().to_string(),
        }
    };
    let mut lines = vec![
        Line::styled(format!(" {models_note}"), theme.dim()),
        Line::default(),
    ];
    for field in Field::ALL {
        let selected = field == form.field;
        let marker = if selected { "›" } else { " " };
        let mut spans = vec![
            Span::styled(format!(" {marker} {:<12}", field.label()), theme.header()),
            Span::styled(
                value(field),
                if selected {
                    theme.selected(true)
                } else {
                    Style::default()
                },
            ),
        ];
        if selected && matches!(field, Field::Fast | Field::Pro | Field::DefaultAlias) {
            spans.push(Span::styled("  ← →", theme.dim()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    match &form.error {
        Some(error) => lines.push(Line::styled(format!(" {error}"), theme.error())),
        None => lines.push(Line::styled(
            " Enter saves (the key sealed) and tests Gemini.",
            theme.dim(),
        )),
    }
    let area = Rect::new(
        full.x + (full.width - width) / 2,
        full.y + full.height.saturating_sub(lines.len() as u16 + 2) / 2,
        width,
        (lines.len() as u16 + 2).min(full.height),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(popup_block("Gemini settings · Esc cancels".into(), theme)),
        area,
    );
}
