//! The import overlay drawn: the three fields (a long path shows its end, where the typing is),
//! the names a second Tab listed, and what is under way; or the guessed rules to confirm; or
//! what the import did.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{Field, ImportView, Stage};
use crate::tui::theme::Theme;

/// Rows of names a second Tab lists; the rest are counted.
const CHOICE_ROWS: usize = 4;
const LABEL_WIDTH: usize = 10;

pub fn draw(frame: &mut Frame, view: &ImportView, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(96);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor = None;
    let title;
    match &view.stage {
        Stage::Editing | Stage::Working { .. } => {
            title = "Import a bank statement · Esc closes";
            for field in Field::ALL {
                let (shown, at) = field_line(view, field, inner, theme);
                if view.editing() && field == view.focus {
                    cursor = Some((at, lines.len()));
                }
                lines.push(shown.into_iter().collect::<Line>());
            }
            lines.push(Line::default());
            lines.extend(
                choices(&view.choices, inner)
                    .into_iter()
                    .map(|row| Line::styled(row, theme.key())),
            );
            if let Some((note, is_error)) = &view.note {
                let style = if *is_error {
                    theme.error()
                } else {
                    theme.dim()
                };
                prose(&mut lines, std::slice::from_ref(note), style, inner);
            }
            let next = match &view.stage {
                Stage::Working { file } => format!("Reading {file} and importing it…"),
                _ => {
                    "Enter imports. Tab completes the path, twice lists the names. ↑↓ field.".into()
                }
            };
            prose(&mut lines, &[next], theme.dim(), inner);
        }
        Stage::Confirming { words, scroll, .. } => {
            title = "Rules for this CSV · Enter keeps them · Esc does not";
            // First, so a short terminal still shows what the keys do.
            let account = view.account.value().trim();
            prose(
                &mut lines,
                &[format!(
                    "Enter keeps these rules for {account} and imports; Esc keeps nothing. ↑↓ scrolls."
                )],
                theme.key(),
                inner,
            );
            lines.push(Line::default());
            indented(&mut lines, words, *scroll, inner);
        }
        Stage::Done { words, scroll } => {
            title = "Imported · Esc closes";
            indented(&mut lines, words, *scroll, inner);
        }
    }
    // The title line and the key bar stay in sight.
    let height = (lines.len() as u16 + 2).min(full.height.saturating_sub(2));
    let area = crate::tui::views::centered(full, width, height);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if let Some((column, row)) = cursor {
        let inside = Rect::new(
            area.x + 1,
            area.y + 1,
            area.width.saturating_sub(2),
            area.height.saturating_sub(2),
        );
        let (x, y) = (inside.x + column as u16, inside.y + row as u16);
        if inside.contains(Position::new(x, y)) {
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}

/// A field's line and the column of its cursor: the label, then the value (its end when it is
/// longer than the room), or a hint while it is empty.
fn field_line<'a>(
    view: &ImportView,
    field: Field,
    inner: usize,
    theme: &Theme,
) -> (Vec<Span<'a>>, usize) {
    let (label, hint) = match field {
        Field::File => ("File", "a path: ~/Downloads/statement.ofx (Tab completes)"),
        Field::Account => (
            "Account",
            "a name: Studio checking, say (a new name makes a new account)",
        ),
        Field::Currency => (
            "Currency",
            "only if a new account's file does not say: USD, EUR…",
        ),
    };
    let focused = view.focus == field && view.editing();
    let marker = if focused { "›" } else { " " };
    let head = format!(" {marker} {label:<LABEL_WIDTH$}");
    let room = inner.saturating_sub(head.chars().count() + 1).max(1);
    let input = view.input(field);
    let value = input.value();
    let style = if focused {
        theme.selected(true)
    } else {
        Style::default()
    };
    let label_style = theme.header();
    if value.is_empty() {
        let hint: String = hint.chars().take(room).collect();
        let spans = vec![
            Span::styled(head.clone(), label_style),
            Span::styled(hint, theme.dim()),
        ];
        return (spans, head.chars().count());
    }
    let count = value.chars().count();
    let skip = count.saturating_sub(room);
    let shown: String = value.chars().skip(skip).collect();
    let at = head.chars().count() + input.visual_cursor().saturating_sub(skip).min(room);
    (
        vec![Span::styled(head, label_style), Span::styled(shown, style)],
        at,
    )
}

/// The listed names, as many to a row as fit, [`CHOICE_ROWS`] rows at most, then how many more.
fn choices(names: &[String], inner: usize) -> Vec<String> {
    if names.is_empty() {
        return Vec::new();
    }
    let column = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(1, inner.saturating_sub(3).max(1))
        + 2;
    let per_row = (inner.saturating_sub(3) / column).max(1);
    let mut rows: Vec<String> = names
        .chunks(per_row)
        .take(CHOICE_ROWS)
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .map(|n| {
                    let cut: String = n.chars().take(column - 2).collect();
                    format!("{cut:<column$}")
                })
                .collect();
            format!("  {}", cells.concat().trim_end())
        })
        .collect();
    let shown = (per_row * CHOICE_ROWS).min(names.len());
    if shown < names.len() {
        rows.push(format!("  and {} more", names.len() - shown));
    }
    rows
}

/// Texts wrapped to the width, one space in.
fn prose(lines: &mut Vec<Line>, texts: &[String], style: Style, inner: usize) {
    for text in texts {
        for paragraph in text.lines() {
            for piece in crate::format::wrap(paragraph, inner.saturating_sub(1).max(8)) {
                lines.push(Line::styled(format!(" {piece}"), style));
            }
        }
    }
}

/// Lines from `scroll` on: the rules and the lines they read (indented four) are cut to the
/// width so their columns stay; the sentences wrap under their own indent.
fn indented(lines: &mut Vec<Line>, words: &[String], scroll: u16, inner: usize) {
    let room = inner.saturating_sub(1).max(8);
    for word in words.iter().skip(usize::from(scroll)) {
        let indent = word.chars().take_while(|c| *c == ' ').count();
        if word.chars().count() <= room {
            lines.push(Line::raw(format!(" {word}")));
        } else if indent >= 4 {
            let cut: String = word.chars().take(room - 1).collect();
            lines.push(Line::raw(format!(" {cut}…")));
        } else {
            for piece in crate::format::wrap(word, room - indent) {
                lines.push(Line::raw(format!(" {}{piece}", " ".repeat(indent))));
            }
        }
    }
}
