//! The detail pane: everything about the selected integration, its last error with a hint, and
//! the keys that act on it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{pane_block, tab_title};
use crate::present;
use crate::tui::app::{App, Overlay, Pane};

const LABEL_WIDTH: usize = 12;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, narrow: bool) {
    let theme = &app.theme;
    let focused = app.focus == Pane::Detail && matches!(app.overlay, Overlay::None);
    let title = match (narrow, app.selected_view()) {
        (true, _) => tab_title(app, theme),
        (false, Some(view)) => Line::from(format!(" {} ", view.name)),
        (false, None) => Line::from(" Detail "),
    };
    let block = pane_block(title, focused, theme);
    let paragraph = Paragraph::new(lines(app))
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll, 0))
        .block(block);
    frame.render_widget(paragraph, area);
}

/// How many lines the detail has before wrapping (the most it can be scrolled).
pub fn line_count(app: &App) -> usize {
    lines(app).len()
}

fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let Some(view) = app.selected_view() else {
        return vec![Line::styled(
            "No integration selected. Esc clears the filter.",
            theme.dim(),
        )];
    };
    let field = |label: &str, value: Span<'static>| {
        Line::from(vec![
            Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.header()),
            value,
        ])
    };
    let mut out = vec![
        Line::styled(view.description.clone(), theme.dim()),
        Line::default(),
        field(
            "Status",
            Span::styled(
                format!("{} {}", view.status.symbol(), view.status.label()),
                theme.status(view.status),
            ),
        ),
    ];
    if view.available {
        let last_sync = view
            .last_sync_at
            .map(|t| present::clock(t, app.now))
            .unwrap_or_else(|| "never".into());
        out.push(field("Last sync", Span::raw(last_sync)));
        out.push(field(
            "Enabled",
            Span::raw(if view.enabled { "yes" } else { "no (paused)" }),
        ));
        out.push(field(
            "Credentials",
            Span::raw(if view.has_credentials {
                "saved, sealed"
            } else {
                "none saved"
            }),
        ));
        if view.settings.is_empty() {
            out.push(field("Settings", Span::styled("none yet", theme.dim())));
        }
        for (i, (key, value)) in view.settings.iter().enumerate() {
            let label = if i == 0 { "Settings" } else { "" };
            out.push(field(label, Span::raw(format!("{key} = {value}"))));
        }
    }
    if let Some(error) = &view.error_message {
        out.push(Line::default());
        out.push(field(
            "Last error",
            Span::styled(present::one_line(error), theme.error()),
        ));
    }
    if let Some(hint) = &view.hint {
        out.push(Line::default());
        out.push(field("What to do", Span::raw(hint.clone())));
    }
    out.push(Line::default());
    let keys = if view.available {
        "Tab or Enter: sync history · Enter on a run: its details"
    } else {
        "none yet"
    };
    out.push(field("Actions", Span::styled(keys, theme.dim())));
    out
}
