//! Where each pane goes for a terminal size. Drawing and mouse hit-testing both use it, so a
//! click lands on the row that is drawn there.
//!
//! Wide terminals (100 columns and more) show the table and the detail side by side with the
//! history below; the top row grows to show the detail whole while the history keeps a few rows.
//! Narrow ones stack the table over one bottom pane that shows the detail or the history,
//! whichever is focused, as tabs.

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::Pane;

pub const WIDE_FROM: u16 = 100;
/// Four catalog rows, a header and two borders.
const TABLE_HEIGHT: u16 = 7;
/// Bank accounts shown under the integrations before the rest are left to `status`.
pub const MOST_BANK_LINES: usize = 3;
/// The bank accounts' and the mirror's.
const MOST_LINES_UNDER: usize = MOST_BANK_LINES + 1;
/// What the history keeps when the detail grows: borders, its header and three runs.
const HISTORY_LEAST: u16 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub table: Rect,
    /// None when a narrow terminal shows the history in the bottom pane.
    pub detail: Option<Rect>,
    /// None when a narrow terminal shows the detail in the bottom pane.
    pub history: Option<Rect>,
    pub status_bar: Rect,
    pub narrow: bool,
}

/// `detail_lines`: the lines the detail pane would like to show (see `screens::hub::detail`);
/// `lines_under`: the lines drawn under the integrations (the mirror's, a few bank accounts').
pub fn areas(size: Rect, focus: Pane, detail_lines: u16, lines_under: usize) -> Areas {
    let table_height = TABLE_HEIGHT + lines_under.min(MOST_LINES_UNDER) as u16;
    let [title, body, status_bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(size);
    if size.width >= WIDE_FROM {
        let least = (body.height / 2).clamp(table_height.min(body.height), 16);
        let most = body.height.saturating_sub(HISTORY_LEAST).max(least);
        let top_height = detail_lines.saturating_add(2).clamp(least, most);
        let [top, history] =
            Layout::vertical([Constraint::Length(top_height), Constraint::Min(0)]).areas(body);
        let [table, detail] = top_columns(top);
        Areas {
            title,
            table,
            detail: Some(detail),
            history: Some(history),
            status_bar,
            narrow: false,
        }
    } else {
        let [table, bottom] = Layout::vertical([
            Constraint::Length(table_height.min(body.height)),
            Constraint::Min(0),
        ])
        .areas(body);
        let show_history = focus == Pane::History;
        Areas {
            title,
            table,
            detail: (!show_history).then_some(bottom),
            history: show_history.then_some(bottom),
            status_bar,
            narrow: true,
        }
    }
}

/// The table and the detail side by side.
fn top_columns(top: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top)
}

/// The detail pane's width (borders included) for a terminal size.
pub fn detail_width(size: Rect) -> u16 {
    if size.width >= WIDE_FROM {
        top_columns(size)[1].width
    } else {
        size.width
    }
}

/// Rows of history that fit in the history pane (borders and header off), for a terminal size.
/// In a narrow terminal the pane may be hidden; its size when shown is what counts.
pub fn history_rows(size: Rect, detail_lines: u16, lines_under: usize) -> usize {
    let history = areas(size, Pane::History, detail_lines, lines_under)
        .history
        .unwrap_or_default();
    usize::from(history.height.saturating_sub(3))
}

/// The index of the body row under `row` in a bordered table with a one-line header.
pub fn table_row_at(area: Rect, column: u16, row: u16) -> Option<usize> {
    let inside = column > area.x
        && column < area.right().saturating_sub(1)
        && row >= area.y + 2
        && row < area.bottom().saturating_sub(1);
    inside.then(|| usize::from(row - area.y - 2))
}

pub fn contains(area: Rect, column: u16, row: u16) -> bool {
    column >= area.x && column < area.right() && row >= area.y && row < area.bottom()
}

/// The chat screen: conversations on the left (wide terminals; narrow ones show the list in
/// place of the messages while it has the focus), messages, and the input box under them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatAreas {
    pub title: Rect,
    pub list: Option<Rect>,
    pub messages: Option<Rect>,
    pub input: Rect,
    pub status_bar: Rect,
}

pub fn chat_areas(size: Rect, input_lines: usize, list_focused: bool) -> ChatAreas {
    let [title, body, status_bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(size);
    let input_height = (input_lines as u16 + 2).clamp(3, 8).min(body.height);
    let (list, rest) = if size.width >= WIDE_FROM {
        let [list, rest] =
            Layout::horizontal([Constraint::Length(32), Constraint::Min(0)]).areas(body);
        (Some(list), rest)
    } else {
        (None, body)
    };
    let [main, input] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(input_height)]).areas(rest);
    let (list, messages) = match list {
        Some(list) => (Some(list), Some(main)),
        None if list_focused => (Some(main), None),
        None => (None, Some(main)),
    };
    ChatAreas {
        title,
        list,
        messages,
        input,
        status_bar,
    }
}

/// The transactions screen's table: everything between the title line and the status bar.
/// The events table: the transactions' area below the counts line and the rejections line.
pub fn events_area(size: Rect) -> Rect {
    let body = transactions_area(size);
    let above = 2.min(body.height);
    Rect {
        y: body.y + above,
        height: body.height - above,
        ..body
    }
}

/// A list and its selected row's detail (the Reconcile and Categorize screens), side by side
/// from 100 columns, else the detail below the list.
pub fn list_and_detail_areas(size: Rect) -> (Rect, Rect) {
    let body = transactions_area(size);
    if body.width >= 100 {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(48), Constraint::Percentage(52)])
                .areas(body);
        (list, detail)
    } else {
        let [list, detail] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
        (list, detail)
    }
}

pub fn transactions_area(size: Rect) -> Rect {
    let [_, body, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(size);
    body
}
