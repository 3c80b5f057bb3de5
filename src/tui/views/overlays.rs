//! What opens over the panes: the help, the command palette, text popups (`:status`, a sync
//! run's details), the forms and sign-in, and the question before a destructive key.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;

use super::centered;
use crate::tui::app::{App, Overlay, Popup};
use crate::tui::confirm::Confirm;
use crate::tui::form::{FieldKind, Form};
use crate::tui::palette;
use crate::tui::screens::hub::ConnectView;
use crate::tui::screens::transactions::MappingView;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    match &app.overlay {
        Overlay::Help(scroll) => help(frame, *scroll, &app.theme),
        Overlay::Palette(input) => command_palette(frame, input, &app.theme),
        Overlay::Popup(popup) => text_popup(frame, popup, &app.theme),
        Overlay::Form(form) => settings_form(frame, form, &app.theme),
        Overlay::Connect(view) => sign_in(frame, view, &app.theme),
        Overlay::Mapping(view) => mapping(frame, view, &app.theme),
        Overlay::Confirm(confirm) => question(frame, confirm, &app.theme),
        Overlay::Import(view) => {
            crate::tui::screens::reconcile::import::view::draw(frame, view, &app.theme)
        }
        Overlay::Welcome => welcome(frame, &app.theme),
        Overlay::GroupEdit(edit) => {
            crate::tui::screens::reconcile::group_view::draw(frame, edit, &app.theme)
        }
        Overlay::BudgetEdit(edit) => {
            crate::tui::screens::reports::budget_edit::draw(frame, edit, &app.theme)
        }
        Overlay::None | Overlay::Filter(_) => {}
    }
}

fn popup_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title()))
}

fn help(frame: &mut Frame, scroll: u16, theme: &Theme) {
    let help = crate::tui::keymap::help();
    let key_width = help
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let about_width = help
        .iter()
        .map(|(_, a)| a.chars().count())
        .max()
        .unwrap_or(0);
    let full = frame.area();
    let width = ((key_width + about_width + 5) as u16).min(full.width);
    // What does not fit beside the keys wraps under the descriptions, not under the keys.
    let room = usize::from(width).saturating_sub(key_width + 5).max(8);
    let mut lines = Vec::new();
    for (key, what) in &help {
        for (i, piece) in crate::format::wrap(what, room).into_iter().enumerate() {
            let key = if i == 0 { *key } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {key:<key_width$}  "), theme.key()),
                Span::raw(piece),
            ]));
        }
    }
    let area = centered(full, width, lines.len() as u16 + 2);
    let title = if lines.len() as u16 + 2 > area.height {
        "Keys · ↑↓ scroll · Esc closes"
    } else {
        "Keys · Esc closes"
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(popup_block(title.into(), theme)),
        area,
    );
}

fn command_palette(frame: &mut Frame, input: &Input, theme: &Theme) {
    let suggestions = palette::suggestions(input.value());
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(72);
    let height = (suggestions.len() as u16 + 3).min(full.height);
    let area = Rect::new(full.x + (full.width - width) / 2, full.y + 1, width, height);
    frame.render_widget(Clear, area);
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.key()),
        Span::raw(input.value().to_string()),
    ])];
    for c in &suggestions {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<14}", c.usage), theme.key()),
            Span::styled(c.about, theme.dim()),
        ]));
    }
    if suggestions.is_empty() {
        lines.push(Line::styled(" no such command", theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines).block(popup_block("Command".into(), theme)),
        area,
    );
    let inner_width = width.saturating_sub(3) as usize;
    let cursor = input.visual_cursor().min(inner_width) as u16;
    frame.set_cursor_position(Position::new(area.x + 2 + cursor, area.y + 1));
}

fn text_popup(frame: &mut Frame, popup: &Popup, theme: &Theme) {
    let full = frame.area();
    let longest = popup
        .body
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as u16;
    let width = (longest + 4).max(40).min(full.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // Height for the lines as wrapped, so the last one is never cut off.
    let wrapped_lines: usize = popup
        .body
        .lines()
        .map(|l| l.chars().count().div_ceil(inner).max(1))
        .sum();
    let area = centered(full, width, wrapped_lines as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(popup.body.clone())
            .wrap(Wrap { trim: false })
            .scroll((popup.scroll, 0))
            .block(popup_block(format!("{} · Esc closes", popup.title), theme)),
        area,
    );
}

fn settings_form(frame: &mut Frame, form: &Form, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(78);
    let mut lines = Vec::new();
    if let Some(note) = &form.note {
        lines.push(Line::styled(format!(" {note}"), theme.dim()));
        lines.push(Line::default());
    }
    for (i, field) in form.fields.iter().enumerate() {
        let selected = i == form.focus;
        let marker = if selected { "›" } else { " " };
        let mut spans = vec![
            Span::styled(format!(" {marker} {:<14}", field.label), theme.header()),
            Span::styled(
                field.shown(),
                if selected {
                    theme.selected(true)
                } else {
                    Style::default()
                },
            ),
        ];
        if selected && matches!(field.kind, FieldKind::Choice { .. }) {
            spans.push(Span::styled("  ← →", theme.dim()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    match &form.error {
        Some(error) => lines.push(Line::styled(format!(" {error}"), theme.error())),
        None => lines.push(Line::styled(
            " Enter saves (secrets sealed); ↑↓ moves between fields.",
            theme.dim(),
        )),
    }
    let area = centered(full, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(popup_block(
                format!("{} settings · Esc cancels", form.provider),
                theme,
            )),
        area,
    );
}

fn sign_in(frame: &mut Frame, view: &ConnectView, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(96);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines = Vec::new();
    match &view.sign_in {
        None => lines.push(Line::styled(" Preparing the sign-in…", theme.dim())),
        Some(sign_in) => {
            let first = if sign_in.browser_opened {
                "Your browser was opened: sign in to Mindbody and approve. If it did not open, use this address:"
            } else {
                "Open this address in a browser (Ctrl-y copies it), sign in to Mindbody and approve:"
            };
            for piece in crate::format::wrap(first, inner.saturating_sub(1)) {
                lines.push(Line::from(format!(" {piece}")));
            }
            lines.push(Line::default());
            // The address is cut to the width, never wrapped at spaces (it has none).
            let url: Vec<char> = sign_in.url.chars().collect();
            for chunk in url.chunks(inner.saturating_sub(1).max(1)) {
                lines.push(Line::styled(
                    format!(" {}", chunk.iter().collect::<String>()),
                    theme.key(),
                ));
            }
            lines.push(Line::default());
            let mut say = |text: &str, style: Style| {
                for piece in crate::format::wrap(text, inner.saturating_sub(1)) {
                    lines.push(Line::styled(format!(" {piece}"), style));
                }
            };
            if let Some(error) = &sign_in.listener_error {
                say(
                    &format!("No listener: {}", crate::text::one_line(error)),
                    theme.warning(),
                );
            }
            let listening = sign_in
                .listening_port
                .map(|port| format!("Listening on localhost:{port}. "));
            let forward = crate::present::ssh_forward(sign_in);
            if listening.is_some() || forward.is_some() {
                let text = listening.unwrap_or_default() + &forward.unwrap_or_default();
                say(&text, theme.dim());
            }
            lines.push(Line::from(
                " Or paste the whole address the browser ends on, then Enter:",
            ));
        }
    }
    let paste = view.paste.value();
    let shown: String = paste
        .chars()
        .rev()
        .take(inner.saturating_sub(3))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    lines.push(Line::from(vec![
        Span::styled(" › ", theme.key()),
        Span::raw(shown.clone()),
    ]));
    if let Some(error) = &view.error {
        for piece in crate::format::wrap(error, inner.saturating_sub(1)) {
            lines.push(Line::styled(format!(" {piece}"), theme.error()));
        }
    }
    let area = centered(full, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let paste_row = lines
        .iter()
        .position(|l| l.to_string().starts_with(" › "))
        .unwrap_or(0) as u16;
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(
            format!("Connect {} · Esc cancels", view.provider),
            theme,
        )),
        area,
    );
    frame.set_cursor_position(Position::new(
        area.x + 4 + shown.chars().count() as u16,
        area.y + 1 + paste_row,
    ));
}

fn mapping(frame: &mut Frame, view: &MappingView, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(80);
    let mut lines = vec![
        Line::styled(
            " Each Mindbody revenue category goes to a financial class in the books.",
            theme.dim(),
        ),
        Line::styled(
            " Unmapped ones are kept: their sales wait with no class.",
            theme.dim(),
        ),
        Line::default(),
    ];
    if view.categories.is_empty() {
        lines.push(Line::styled(
            " No categories yet: sync Mindbody first (s).",
            theme.dim(),
        ));
    }
    for (i, category) in view.categories.iter().enumerate() {
        let selected = i == view.selected;
        let class = match (&view.editing, selected) {
            (Some(input), true) => format!("{}▏", input.value()),
            _ => category
                .class
                .clone()
                .unwrap_or_else(|| "(unmapped)".into()),
        };
        let class_style = match (&category.class, selected) {
            (_, true) => theme.selected(true),
            (None, false) => theme.warning(),
            (Some(_), false) => Style::default(),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:<26}", crate::text::one_line(&category.name)),
                theme.header(),
            ),
            Span::styled(" → ", theme.dim()),
            Span::styled(class, class_style),
        ]));
    }
    let unmapped = view.categories.iter().filter(|c| c.class.is_none()).count();
    lines.push(Line::default());
    lines.push(Line::styled(
        format!(" {unmapped} of {} unmapped.", view.categories.len()),
        if unmapped > 0 {
            theme.warning()
        } else {
            theme.dim()
        },
    ));
    let area = centered(full, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(
            "Categories → classes · Esc closes".into(),
            theme,
        )),
        area,
    );
}

/// The question before a destructive key: what goes, what stays, and which key does what.
fn question(frame: &mut Frame, confirm: &Confirm, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(72);
    let room = usize::from(width.saturating_sub(6)).max(8);
    let mut lines = Vec::new();
    // A question that forgets nothing (accepting in bulk) has no "Forgotten" heading.
    let mut list = |heading: &str, items: &[String], style: Style| {
        if items.is_empty() {
            return;
        }
        lines.push(Line::styled(format!(" {heading}"), theme.header()));
        for item in items {
            for (i, piece) in crate::format::wrap(item, room).into_iter().enumerate() {
                let bullet = if i == 0 { "·" } else { " " };
                lines.push(Line::styled(format!("  {bullet} {piece}"), style));
            }
        }
    };
    let (forgets, keeps) = confirm.headings;
    list(forgets, &confirm.forgets, theme.warning());
    list(keeps, &confirm.keeps, Style::default());
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled(" y", theme.key()),
        Span::raw(format!(" {}   ", confirm.yes)),
        Span::styled("n, Esc, any other key", theme.key()),
        Span::raw(format!(" {}", confirm.no)),
    ]));
    let area = centered(full, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(confirm.question.clone(), theme)),
        area,
    );
}

/// The demo's first screen: what to try, at the bottom so the integrations stay in sight.
fn welcome(frame: &mut Frame, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(76);
    let room = usize::from(width.saturating_sub(12)).max(8);
    let prose = |text: &str, style: Style| -> Vec<Line<'static>> {
        crate::format::wrap(text, usize::from(width.saturating_sub(4)))
            .into_iter()
            .map(|piece| Line::styled(format!(" {piece}"), style))
            .collect()
    };
    let mut lines = prose(
        "It all runs on this machine, on sample data. Four things to try:",
        Style::default(),
    );
    lines.push(Line::default());
    for (keys, what) in [
        ("2", "chat with Gemini about the studio's books"),
        (
            "j x o",
            "Mindbody, signed in for you: x signs out, o signs in again",
        ),
        ("3", "the transactions, as syncs and webhooks bring them in"),
        (
            "5",
            "the bank statement beside the sales, mostly reconciled",
        ),
    ] {
        for (i, piece) in crate::format::wrap(what, room).into_iter().enumerate() {
            let keys = if i == 0 { keys } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("   {keys:<6}  "), theme.key()),
                Span::raw(piece),
            ]));
        }
    }
    lines.push(Line::default());
    lines.extend(prose(
        "? lists every key. Any key closes this and does what it says.",
        theme.dim(),
    ));
    let height = (lines.len() as u16 + 2).min(full.height);
    let area = Rect::new(
        full.x + (full.width - width) / 2,
        full.bottom().saturating_sub(height + 1),
        width,
        height,
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block("Welcome to the legion-hub demo".into(), theme)),
        area,
    );
}
