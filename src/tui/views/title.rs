//! The top line: the name of the tool, how many integrations need attention, today's sales, a
//! class projected under its budget when one is, and a badge (demo, data directory).

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
    // Today's sales, then the budget warning; when both do not fit, the sales lose their item
    // count before the warning is left out.
    let sales = app
        .transactions
        .todays_sales
        .as_ref()
        .filter(|s| s.items > 0)
        .map(|sales| {
            let total = crate::format::money_in(sales.total, &sales.currency);
            let items = if sales.items == 1 { "item" } else { "items" };
            [
                format!("  Today's sales {total} ({} {items})", sales.items),
                format!("  Today's sales {total}"),
            ]
        });
    let room = usize::from(area.width).saturating_sub(Line::from(left.clone()).width());
    let warnings = &app.transactions.budget_warnings;
    let after = |text: &String| room.saturating_sub(text.chars().count());
    let (sales, warning) = match sales {
        None => (None, budget_warning(warnings, room)),
        Some([full, short]) => match budget_warning(warnings, after(&full)) {
            Some(warning) => (Some(full), Some(warning)),
            None => match budget_warning(warnings, after(&short)) {
                Some(warning) => (Some(short), Some(warning)),
                None => (Some(full), None),
            },
        },
    };
    if let Some(text) = sales {
        left.push(Span::styled(text, theme.title()));
    }
    if let Some(text) = warning {
        left.push(Span::styled(text, theme.warning()));
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

/// "  ⚠ Drop-ins 18% under budget" (and how many more classes), shortened to fit `room`
/// columns; None when there is no warning or no room.
fn budget_warning(warnings: &[crate::api::budget::BudgetWarning], room: usize) -> Option<String> {
    let first = warnings.first()?;
    let class = crate::text::one_line_within(&crate::text::escape_controls(&first.class), 24);
    let percent = &first.short_percent;
    let more = match warnings.len() - 1 {
        0 => String::new(),
        n => format!(" (+{n} more)"),
    };
    [
        format!("  ⚠ {class} {percent}% under budget{more}"),
        format!("  ⚠ {class} {percent}% under budget"),
        format!("  ⚠ {class} -{percent}%"),
        "  ⚠ under budget".to_string(),
    ]
    .into_iter()
    .find(|text| text.chars().count() <= room)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_warning_shortens_to_the_room_left() {
        let warning = |class: &str, percent: i64| crate::api::budget::BudgetWarning {
            month: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            class: class.into(),
            currency: "USD".into(),
            budget: rust_decimal::Decimal::from(1000),
            projected: rust_decimal::Decimal::from(820),
            short_percent: rust_decimal::Decimal::from(percent),
        };
        let two = [warning("Drop-ins", 18), warning("Retail sales", 12)];
        assert_eq!(
            budget_warning(&two, 80).as_deref(),
            Some("  ⚠ Drop-ins 18% under budget (+1 more)")
        );
        assert_eq!(
            budget_warning(&two, 30).as_deref(),
            Some("  ⚠ Drop-ins 18% under budget")
        );
        assert_eq!(
            budget_warning(&two, 20).as_deref(),
            Some("  ⚠ Drop-ins -18%")
        );
        assert_eq!(budget_warning(&two, 5), None);
        assert_eq!(budget_warning(&[], 80), None);
    }
}
