//! The transactions screen: the synced transactions, newest first; only the rows on screen are
//! read from the store, so 100,000 scroll like 10.

use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::tui::screens::context::Context;

use super::TransactionsScreen;
use crate::tui::layout;
use crate::tui::views::pane_block;

/// Draws the list below the title line.
pub fn draw(frame: &mut Frame, screen: &TransactionsScreen, cx: &Context) {
    let theme = &cx.theme;
    let area = layout::transactions_area(cx.size);
    let list = &screen.list;
    let filter = list.key.clone().unwrap_or_default();
    let mut title = vec![Span::raw(format!(
        " Transactions · {} ",
        crate::format::thousands(list.total)
    ))];
    if !filter.is_empty() {
        title.push(Span::styled(format!("/{filter} "), theme.key()));
    }
    let block = pane_block(Line::from(title), cx.uncovered(), theme);
    if list.total == 0 {
        let text = if list.window.is_none() {
            "Loading…".to_string()
        } else if filter.is_empty() {
            "No transactions yet: sync Mindbody (s on Mindbody in the hub).".to_string()
        } else {
            format!("No transaction matches /{filter}. Esc clears the filter.")
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()).block(block), area);
    } else {
        let visible = usize::from(area.height.saturating_sub(3));
        // Every transaction comes from Mindbody for now: below 100 columns the source gives
        // its room to the description and the class.
        let with_source = area.width >= 100;
        let rows: Vec<Row> = (list.top..list.total)
            .take(visible)
            .map(|i| match list.row(i) {
                Some(tx) => {
                    let amount = Cell::from(
                        Line::from(crate::format::money(tx.amount, &tx.currency)).right_aligned(),
                    );
                    let customer = tx
                        .customer
                        .as_ref()
                        .map(|key| {
                            screen
                                .names
                                .get(key)
                                .cloned()
                                .unwrap_or_else(|| crate::api::visible(key))
                        })
                        .unwrap_or_default();
                    let mut cells = vec![
                        Cell::from(tx.date.format("%Y-%m-%d %H:%M").to_string()),
                        Cell::from(tx.description.clone()),
                        Cell::from(customer),
                        Cell::from(tx.class.clone().unwrap_or_else(|| "(unmapped)".into())),
                        if tx.amount.is_sign_negative() {
                            amount.style(theme.error())
                        } else {
                            amount
                        },
                    ];
                    if with_source {
                        cells.push(Cell::from(tx.source.clone()));
                    }
                    Row::new(cells)
                }
                None => Row::new([Cell::from("…")]),
            })
            .collect();
        let columns = if with_source { 6 } else { 5 };
        // The class names on screen whole ("Membership revenue"), "(unmapped)" at least; the
        // description and the customer share what is left.
        let class_width = (list.top..list.total)
            .take(visible)
            .filter_map(|i| list.row(i)?.class.as_ref())
            .map(|class| class.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(10, 24) as u16;
        let widths = [
            Constraint::Length(16),
            // What was sold says more than who bought it.
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(class_width),
            Constraint::Length(10),
            Constraint::Length(9),
        ];
        let header = [
            "DATE",
            "DESCRIPTION",
            "CUSTOMER",
            "CLASS",
            "    AMOUNT",
            "SOURCE",
        ];
        let table = Table::new(rows, widths.into_iter().take(columns))
            .header(Row::new(header.into_iter().take(columns)).style(theme.header()))
            .column_spacing(1)
            .row_highlight_style(theme.selected(true))
            .block(block);
        crate::tui::views::render_paged(frame, area, table, list, visible);
    }
}
