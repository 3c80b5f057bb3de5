//! The top line: the name of the tool, how many integrations need attention, and a badge (demo,
//! data directory).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let attention = app
        .hub
        .integrations
        .iter()
        .filter(|v| v.needs_attention())
        .count();
    let mut left = vec![
        Span::styled(" legion-hub ", theme.selected(true)),
        Span::styled(" Integrations Hub", theme.title()),
    ];
    if attention > 0 {
        let noun = if attention == 1 {
            "integration needs"
        } else {
            "integrations need"
        };
        left.push(Span::styled(
            format!("  {attention} {noun} attention"),
            theme.warning(),
        ));
    }
    if let Some(sales) = app
        .transactions
        .todays_sales
        .as_ref()
        .filter(|s| s.items > 0)
    {
        left.push(Span::styled(
            format!(
                "  Today's sales {} ({} item{})",
                crate::format::money_in(sales.total, &sales.currency),
                sales.items,
                if sales.items == 1 { "" } else { "s" }
            ),
            theme.title(),
        ));
    }
    let left = Line::from(left);
    let used = left.width() as u16;
    frame.render_widget(Paragraph::new(left), area);
    // The badge takes what the left side leaves: whole, or its first part ("demo" of "demo ·
    // throwaway data"), never cut in the middle of a word.
    let room = usize::from(area.width.saturating_sub(used + 2));
    let badge = app.badge.as_deref().and_then(|badge| {
        [badge, badge.split(" · ").next().unwrap_or(badge)]
            .into_iter()
            .map(|text| format!("{text} "))
            .find(|text| text.chars().count() <= room)
    });
    if let Some(text) = badge {
        let width = text.chars().count() as u16;
        let right = Rect::new(area.right() - width, area.y, width, 1);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, theme.dim()))).right_aligned(),
            right,
        );
    }
}
