//! The sync-history pane: the selected integration's runs, newest first. Only the rows on screen
//! are loaded, so a million runs scroll like ten.

use chrono::{DateTime, FixedOffset};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::api::SyncLog;
use crate::api::SyncStatus;
use crate::tui::screens::context::Context;

use super::{HubScreen, Pane};
use crate::tui::views::{pane_block, tab_title};

/// Below this width the history drops its less important columns.
const FULL_FROM: u16 = 110;

pub fn draw(frame: &mut Frame, area: Rect, hub: &HubScreen, cx: &Context, narrow: bool) {
    let theme = &cx.theme;
    let history = &hub.history;
    let focused = hub.focus == Pane::History && cx.uncovered();
    let name = hub
        .selected_view()
        .map(|v| format!(" · {}", v.name))
        .unwrap_or_default();
    let position = if history.total == 0 {
        String::new()
    } else {
        format!(
            " · {} of {}",
            crate::format::thousands(history.selected + 1),
            crate::format::thousands(history.total)
        )
    };
    let title = if narrow {
        let mut tabs = tab_title(hub.focus, theme);
        tabs.push_span(format!("{}{position} ", name.trim_start()));
        tabs
    } else {
        Line::from(format!(" Sync history{name}{position} "))
    };
    let block = pane_block(title, focused, theme);

    if history.total == 0 {
        let text = match hub.selected_view() {
            None => String::new(),
            Some(v) if !v.available => format!("{} is coming soon: no syncs to show.", v.name),
            Some(v) if history.window.is_none() => format!("Loading {}'s sync history…", v.name),
            Some(v) => format!("No syncs yet for {}.", v.name),
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()).block(block), area);
        return;
    }

    let full = area.width >= FULL_FROM;
    let visible = usize::from(area.height.saturating_sub(3));
    let rows: Vec<Row> = (history.top..history.total)
        .take(visible)
        .map(|i| match history.row(i) {
            Some(run) => run_row(run, cx, full),
            None => Row::new([Cell::from("…")]),
        })
        .collect();
    let columns: Vec<&Column> = COLUMNS.iter().filter(|c| full || c.compact).collect();
    let header = Row::new(columns.iter().map(|c| c.header));
    let widths = columns.iter().map(|c| c.width);
    let table = Table::new(rows, widths)
        .header(header.style(theme.header()))
        .column_spacing(1)
        .row_highlight_style(theme.selected(focused))
        .block(block);
    crate::tui::views::render_paged(frame, area, table, history, visible);
}

/// A history column: what heads it, how wide it is, and whether narrow panes keep it.
struct Column {
    header: &'static str,
    width: Constraint,
    compact: bool,
}

const COLUMNS: [Column; 9] = [
    Column {
        header: "STARTED",
        width: Constraint::Length(16),
        compact: true,
    },
    Column {
        header: "TYPE",
        width: Constraint::Length(12),
        compact: true,
    },
    Column {
        header: "RESULT",
        width: Constraint::Length(11),
        compact: true,
    },
    Column {
        header: "NEW",
        width: Constraint::Length(6),
        compact: true,
    },
    Column {
        header: "UPDATED",
        width: Constraint::Length(8),
        compact: true,
    },
    Column {
        header: "UNCHANGED",
        width: Constraint::Length(10),
        compact: false,
    },
    Column {
        header: "CALLS",
        width: Constraint::Length(6),
        compact: false,
    },
    Column {
        header: "TOOK",
        width: Constraint::Length(10),
        compact: false,
    },
    Column {
        header: "ERROR",
        width: Constraint::Fill(1),
        compact: true,
    },
];

/// One run as a row, with a cell for each column in [`COLUMNS`] that is shown.
fn run_row<'a>(run: &SyncLog, cx: &Context, full: bool) -> Row<'a> {
    let theme = &cx.theme;
    let result = match run.status {
        SyncStatus::Started => "↻ running",
        SyncStatus::Completed => "✓ completed",
        SyncStatus::Failed => "✖ failed",
        SyncStatus::Interrupted => "⏸ interrupted",
        SyncStatus::Skipped => "- skipped",
    };
    let took = run
        .completed_at
        .map(|end| crate::format::duration(end - run.started_at))
        .unwrap_or_else(|| "-".into());
    let counts = &run.records;
    let cells: [Cell; 9] = [
        Cell::from(crate::format::clock(run.started_at, cx.now)),
        Cell::from(run.sync_type.clone()),
        Cell::from(result).style(theme.sync_status(run.status)),
        Cell::from(counts.new.to_string()),
        Cell::from(counts.updated.to_string()),
        Cell::from(counts.unchanged.to_string()),
        Cell::from(run.api_calls.to_string()),
        Cell::from(took),
        Cell::from(crate::text::one_line(
            run.error_details.as_deref().unwrap_or(""),
        ))
        .style(theme.error()),
    ];
    Row::new(
        cells
            .into_iter()
            .zip(&COLUMNS)
            .filter(|(_, column)| full || column.compact)
            .map(|(cell, _)| cell),
    )
}

/// Everything about one run, for the popup opened with Enter.
pub fn run_details(run: &SyncLog, now: DateTime<FixedOffset>) -> String {
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(now.offset())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let mut out = format!(
        "Type        {}\nResult      {}\nStarted     {}\n",
        run.sync_type,
        run.status.label(),
        local(run.started_at)
    );
    if let Some(end) = run.completed_at {
        out.push_str(&format!(
            "Finished    {} (took {})\n",
            local(end),
            crate::format::duration(end - run.started_at)
        ));
    }
    let c = &run.records;
    out.push_str(&format!(
        "Records     {} new, {} updated, {} unchanged\nAPI calls   {}\n",
        c.new, c.updated, c.unchanged, run.api_calls
    ));
    if run.status == SyncStatus::Completed && c.new == 0 && c.updated == 0 {
        out.push_str("\nNothing new: nothing changed since the last run. That is normal.\n");
    }
    if let Some(error) = &run.error_details {
        out.push_str(&format!("\nError\n{}\n", crate::text::one_line(error)));
    }
    out
}
