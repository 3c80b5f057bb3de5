//! The detail pane: everything about the selected integration, its last error with a hint, and
//! the keys that act on it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::IntegrationView;
use crate::api::Provider;
use crate::present;
use crate::tui::screens::context::Context;

use super::{HubScreen, Pane};
use crate::tui::layout;
use crate::tui::views::{pane_block, tab_title};

const LABEL_WIDTH: usize = 12;

pub fn draw(frame: &mut Frame, area: Rect, hub: &HubScreen, cx: &Context, narrow: bool) {
    let theme = &cx.theme;
    let focused = hub.focus == Pane::Detail && cx.uncovered();
    let title = match (narrow, hub.selected_view()) {
        (true, _) => tab_title(hub.focus, theme),
        (false, Some(view)) => Line::from(format!(" {} ", view.name)),
        (false, None) => Line::from(" Detail "),
    };
    let block = pane_block(title, focused, theme);
    let width = usize::from(area.width.saturating_sub(2));
    let paragraph = Paragraph::new(lines(hub, cx, width))
        .scroll((hub.detail_scroll, 0))
        .block(block);
    frame.render_widget(paragraph, area);
}

/// How far the detail can scroll: the lines that do not fit in the pane.
pub fn max_scroll(hub: &HubScreen, cx: &Context) -> usize {
    let area = hub
        .areas_with_focus(cx, Pane::Detail)
        .detail
        .unwrap_or_default();
    let lines = lines(hub, cx, usize::from(area.width.saturating_sub(2))).len();
    lines.saturating_sub(usize::from(area.height.saturating_sub(2)))
}

/// Lines the longest detail of the integrations listed needs in a terminal of `size`: the
/// layout makes room for it when there is room to make, so the actions are not below the fold.
pub fn wanted_lines(hub: &HubScreen, cx: &Context) -> u16 {
    let width = usize::from(layout::detail_width(cx.size).saturating_sub(2));
    hub.visible()
        .into_iter()
        .map(|view| lines_for(cx, Some(view), width).len())
        .max()
        .unwrap_or(1) as u16
}

/// The selected integration's detail as lines of at most `width` columns.
fn lines(hub: &HubScreen, cx: &Context, width: usize) -> Vec<Line<'static>> {
    lines_for(cx, hub.selected_view(), width)
}

/// An integration's detail as lines of at most `width` columns; values wrap under their own
/// column.
fn lines_for(cx: &Context, view: Option<&IntegrationView>, width: usize) -> Vec<Line<'static>> {
    let theme = &cx.theme;
    let Some(view) = view else {
        return vec![Line::styled(
            "No integration selected. Esc clears the filter.",
            theme.dim(),
        )];
    };
    let value_width = width.saturating_sub(LABEL_WIDTH).max(10);
    let mut out: Vec<Line<'static>> = crate::format::wrap(&view.description, width)
        .into_iter()
        .map(|l| Line::styled(l, theme.dim()))
        .collect();
    out.push(Line::default());
    let mut field = |label: &str, value: Span<'static>| {
        let style = value.style;
        for (i, piece) in crate::format::wrap(&value.content, value_width)
            .into_iter()
            .enumerate()
        {
            let label = if i == 0 { label } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.header()),
                Span::styled(piece, style),
            ]));
        }
    };
    // What needs doing comes first, so it shows in a short pane; the particulars follow.
    field(
        "Status",
        Span::styled(
            format!("{} {}", view.status.symbol(), present::status_words(view)),
            theme.status(view.status),
        ),
    );
    if let Some(at) = view.retry_at {
        let left = (at - cx.now.to_utc()).num_seconds();
        if left > 0 {
            field(
                "Retry in",
                Span::styled(format!("{left} s"), theme.warning()),
            );
        }
    }
    if let Some(error) = &view.error_message {
        field(
            "Last error",
            Span::styled(crate::text::one_line(error), theme.error()),
        );
    }
    if let Some(reason) = &view.attention {
        field(
            "Needs a look",
            Span::styled(crate::text::one_line(reason), theme.error()),
        );
    }
    if let Some(advice) = view.advice(crate::api::FrontEnd::Dashboard) {
        field("What to do", Span::raw(advice));
    }
    if let Some(offer) = &view.offer {
        field(
            "On offer",
            Span::styled(format!("{offer} (a accepts)"), theme.key()),
        );
    }
    for warning in &view.warnings {
        field("Warning", Span::styled(warning.clone(), theme.warning()));
    }
    // The keys that act come before the particulars: a short pane (80x24) still shows them.
    let keys = match view.provider {
        _ if !view.available => "none yet",
        Provider::Gemini => "t test · c configure · a accept the offer · 2 chat",
        // A chain's further site shares the first site's settings and categories.
        Provider::Mindbody if view.site.is_some() => "s sync · o connect · t test · x disconnect",
        Provider::Mindbody => {
            "s sync · m categories → classes · 3 transactions · c configure · o connect · t test · x disconnect"
        }
        _ => "Tab or Enter: sync history; Enter on a run: its details",
    };
    field("Actions", Span::styled(keys, theme.dim()));
    if view.available {
        field("", Span::raw(""));
        let last_sync = view
            .last_sync_at
            .map(|t| crate::format::clock(t, cx.now))
            .unwrap_or_else(|| "never".into());
        field("Last sync", Span::raw(last_sync));
        field(
            "Enabled",
            Span::raw(if view.enabled { "yes" } else { "no (paused)" }),
        );
        field(
            "Credentials",
            Span::raw(match (view.has_credentials, &view.site) {
                (true, _) => "saved, sealed",
                (false, Some(_)) => "the first Mindbody site's (one developer account)",
                (false, None) => "none saved",
            }),
        );
        for fact in &view.facts {
            field(&fact.label, Span::raw(fact.value.clone()));
        }
        if let Some(next) = view.next_sync_at {
            field("Next sync", Span::raw(crate::format::clock(next, cx.now)));
        }
        if view.settings.is_empty() {
            field("Settings", Span::styled("none yet", theme.dim()));
        }
        for (i, (key, value)) in view.settings.iter().enumerate() {
            let label = if i == 0 { "Settings" } else { "" };
            field(label, Span::raw(format!("{key} = {value}")));
        }
    }
    out
}
