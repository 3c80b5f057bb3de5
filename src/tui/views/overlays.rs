//! What opens over the panes: the help, the command palette, and text popups (`:status`, a sync
//! run's details).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;

use super::centered;
use crate::tui::app::{App, Overlay, Popup};
use crate::tui::keymap::HELP;
use crate::tui::palette;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    match &app.overlay {
        Overlay::Help => help(frame, &app.theme),
        Overlay::Palette(input) => command_palette(frame, input, &app.theme),
        Overlay::Popup(popup) => text_popup(frame, popup, &app.theme),
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
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(format!(" {key:<key_width$}  "), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    let area = centered(frame.area(), 86, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(popup_block("Keys · Esc closes".into(), theme)),
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
    let longest = popup
        .body
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as u16;
    let area = centered(
        frame.area(),
        (longest + 4).max(40),
        popup.body.lines().count() as u16 + 2,
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(popup.body.clone())
            .wrap(Wrap { trim: false })
            .scroll((popup.scroll, 0))
            .block(popup_block(format!("{} · Esc closes", popup.title), theme)),
        area,
    );
}
