//! Drawing: a pure function of [`App`]. The app draws its own lines (the title, the status
//! bar) and the overlays; each screen's view draws the rest from the screen's state.

mod overlays;
pub(crate) mod status_bar;
pub(crate) mod title;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders};

use super::app::{App, Pane, Screen};
use super::screens::context::Context;
use super::screens::hub::{detail, history, view as integrations};
use super::screens::{categorize, chat, events, reconcile, reports, transactions};
use super::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    let size = frame.area();
    // Laid out for the frame it draws into.
    let cx = Context {
        size,
        ..app.context()
    };
    let top_line = Rect { height: 1, ..size };
    match app.screen {
        Screen::Chat => {
            let status_bar = chat::view::draw(frame, &app.chat, &cx);
            status_bar::draw(frame, status_bar, app);
        }
        Screen::Transactions => {
            title::draw(frame, top_line, app);
            transactions::view::draw(frame, &app.transactions, &cx);
            status_bar::draw_at_bottom(frame, size, app);
        }
        Screen::Events => {
            title::draw(frame, top_line, app);
            events::view::draw(frame, &app.events, &cx);
            status_bar::draw_at_bottom(frame, size, app);
        }
        Screen::Reconcile => {
            title::draw(frame, top_line, app);
            reconcile::view::draw(frame, &app.reconcile, &cx);
            status_bar::draw_at_bottom(frame, size, app);
        }
        Screen::Reports => {
            title::draw(frame, top_line, app);
            reports::view::draw(frame, &app.reports, &cx);
            status_bar::draw_at_bottom(frame, size, app);
        }
        Screen::Categorize => {
            title::draw(frame, top_line, app);
            categorize::view::draw(frame, &app.categorize, &cx);
            status_bar::draw_at_bottom(frame, size, app);
        }
        Screen::Hub => {
            let hub = &app.hub;
            let areas = hub.areas(&cx);
            title::draw(frame, areas.title, app);
            integrations::draw(frame, areas.table, hub, &cx);
            if let Some(area) = areas.detail {
                detail::draw(frame, area, hub, &cx, areas.narrow);
            }
            if let Some(area) = areas.history {
                history::draw(frame, area, hub, &cx, areas.narrow);
            }
            status_bar::draw(frame, areas.status_bar, app);
        }
    }
    overlays::draw(frame, app);
}

/// A screen with nothing to show yet: its title and why (loading, or what went wrong), dimmed
/// across its whole body.
pub(crate) fn placeholder_pane(
    frame: &mut Frame,
    title: &str,
    text: String,
    area: Rect,
    cx: &crate::tui::screens::context::Context,
) {
    use ratatui::widgets::{Paragraph, Wrap};
    frame.render_widget(
        Paragraph::new(text)
            .style(cx.theme.dim())
            .wrap(Wrap { trim: true })
            .block(pane_block(title.to_string(), cx.uncovered(), &cx.theme)),
        area,
    );
}

/// A pane's frame: highlighted when it has the focus.
pub(crate) fn pane_block<'a>(
    title: impl Into<Line<'a>>,
    focused: bool,
    theme: &Theme,
) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(focused))
        .title(title.into().style(theme.title()))
}

/// The bottom pane of a narrow terminal shows detail or history; its title shows both as tabs.
pub(crate) fn tab_title<'a>(focus: Pane, theme: &Theme) -> Line<'a> {
    use ratatui::text::Span;
    let tab = |label: &'static str, on: bool| {
        if on {
            Span::styled(format!(" {label} "), theme.selected(true))
        } else {
            Span::styled(format!(" {label} "), theme.dim())
        }
    };
    let on_history = focus == Pane::History;
    Line::from(vec![
        tab("Detail", !on_history),
        Span::raw("│"),
        tab("History", on_history),
    ])
}

/// A bordered table showing a window of a long list: the selected row highlighted, and a
/// scrollbar beside the rows (not over the header or the borders) when the list is longer.
pub(crate) fn render_paged<K, T>(
    frame: &mut Frame,
    area: Rect,
    table: ratatui::widgets::Table,
    list: &super::paged::Paged<K, T>,
    visible: usize,
) {
    use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState, TableState};
    let selected = list
        .selected
        .checked_sub(list.top)
        .and_then(|i| usize::try_from(i).ok())
        .filter(|i| *i < visible);
    frame.render_stateful_widget(
        table,
        area,
        &mut TableState::default().with_selected(selected),
    );
    if list.total > visible as u64 {
        let track = Rect {
            y: area.y + 2,
            height: area.height.saturating_sub(3),
            ..area
        };
        let mut state = ScrollbarState::new(list.total as usize)
            .position(list.selected as usize)
            .viewport_content_length(visible);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            track,
            &mut state,
        );
    }
}

/// A rectangle of `width` x `height` centred in `area`, clipped to it.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
