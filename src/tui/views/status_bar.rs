//! The bottom line: the filter being typed, the last notice, and the keys that work here.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Overlay};
use crate::tui::keymap;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut spans = Vec::new();
    if let Overlay::Filter(input) = &app.overlay {
        let prompt_width = 2;
        let width = (area.width / 2).saturating_sub(prompt_width).max(1) as usize;
        let scroll = input.visual_scroll(width);
        let shown: String = input.value().chars().skip(scroll).take(width).collect();
        spans.push(Span::styled("/ ", theme.key()));
        spans.push(Span::raw(format!("{shown:<width$}")));
        frame.set_cursor_position(Position::new(
            area.x + prompt_width + (input.visual_cursor().saturating_sub(scroll)) as u16,
            area.y,
        ));
    } else if let Some(notice) = &app.notice {
        let style = if notice.is_error {
            theme.error()
        } else {
            theme.warning()
        };
        spans.push(Span::styled(format!(" {} ", notice.text), style));
    }
    // As many hints as fit, most important first; never half of one.
    let mut used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    for (key, what) in keymap::hints(app) {
        let width = 2 + key.chars().count() + 1 + what.chars().count();
        if used + width > usize::from(area.width) {
            break;
        }
        used += width;
        spans.push(Span::raw("  "));
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {what}"), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The bar on the last line of `size` (the full-screen lists).
pub fn draw_at_bottom(frame: &mut Frame, size: Rect, app: &App) {
    let area = Rect {
        y: size.bottom().saturating_sub(1),
        height: 1,
        ..size
    };
    draw(frame, area, app);
}
