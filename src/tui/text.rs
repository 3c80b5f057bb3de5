//! Turning text from outside into lines the dashboard can draw: control characters made
//! visible, Markdown rendered, and every line wrapped to the pane's width ahead of time, so a
//! frame only copies the lines it shows.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;

/// Markdown → owned lines of at most `width` columns.
pub fn markdown(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let safe = crate::text::escape_controls(text);
    let rendered = tui_markdown::from_str(&safe);
    let mut out = Vec::new();
    for line in rendered.lines {
        let base = theme.strip(line.style);
        let spans: Vec<Span<'static>> = line
            .spans
            .into_iter()
            .map(|s| Span::styled(s.content.into_owned(), theme.strip(base.patch(s.style))))
            .collect();
        out.extend(wrap(spans, width));
    }
    out
}

/// Plain text (kept as typed, no Markdown) → wrapped lines in one style.
pub fn plain(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    crate::text::escape_controls(text)
        .split('\n')
        .flat_map(|line| wrap(vec![Span::styled(line.to_string(), style)], width))
        .collect()
}

/// Wraps one line of styled spans at word boundaries; a word longer than the width is split.
pub fn wrap(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in spans {
        let style = span.style;
        // Words keep their trailing space so the text reads the same when joined.
        for word in span.content.split_inclusive(' ') {
            let mut word = word.to_string();
            loop {
                let word_width = word.width();
                if used + word.trim_end().width() <= width {
                    used += word_width;
                    current.push(Span::styled(word, style));
                    break;
                }
                if used > 0 {
                    lines.push(Line::from(std::mem::take(&mut current)));
                    used = 0;
                    continue;
                }
                // A word wider than the whole line: cut it.
                let cut = cut_at_width(&word, width);
                let rest = word.split_off(cut);
                lines.push(Line::from(vec![Span::styled(word, style)]));
                word = rest;
                if word.is_empty() {
                    break;
                }
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

/// The byte index where `text` reaches `width` columns (at least one character).
fn cut_at_width(text: &str, width: usize) -> usize {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width && i > 0 {
            return i;
        }
        used += w;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wraps_at_words_and_cuts_long_words() {
        let lines = wrap(vec![Span::raw("aaa bbb ccc")], 7);
        assert_eq!(texts(&lines), ["aaa bbb ", "ccc"]);
        let lines = wrap(vec![Span::raw("abcdefghij")], 4);
        assert_eq!(texts(&lines), ["abcd", "efgh", "ij"]);
        assert!(lines.iter().all(|l| l.width() <= 4));
    }

    #[test]
    fn markdown_renders_and_escapes_controls() {
        let theme = Theme::new(false);
        let lines = markdown("**bold** and `code`\n\n- item\x1b[2J", 40, &theme);
        let all = texts(&lines).join("\n");
        assert!(all.contains("bold and code"), "{all}");
        assert!(all.contains("item"), "{all}");
        assert!(!all.contains('\x1b'));
        assert!(all.contains('\u{241b}'));
    }
}
