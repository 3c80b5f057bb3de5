//! Text from outside made safe to show: one line without control characters, control characters
//! made visible, HTML escaped. Any floor may use it (providers, oauth, the store, the front ends);
//! it imports nothing of the crate, so it closes no import circle. Formatting for people (money,
//! times, the status table) lives with the front ends in `present`.

/// Keeps a message on one line and strips control characters, so text from outside (an API's
/// error message) cannot move the cursor or change colours.
pub fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// [`one_line`], cut to at most `max` characters: a name or label from outside as it is kept.
pub fn one_line_within(text: &str, max: usize) -> String {
    one_line(text).chars().take(max).collect()
}

/// Text from outside (a model's reply) made safe to print: control characters other than
/// newline become visible symbols (ESC as ␛), so nothing can move the cursor, recolour the
/// screen or set the clipboard. Tabs become spaces.
pub fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => c,
            '\t' => ' ',
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            '\u{80}'..='\u{9f}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}

/// Text made safe to put in an HTML page.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_controls_keeps_newlines_and_shows_the_rest() {
        assert_eq!(
            escape_controls("a\x1b[2Jb\nc\td\u{9b}"),
            "a\u{241b}[2Jb\nc d\u{fffd}"
        );
    }

    #[test]
    fn one_line_strips_escapes() {
        assert_eq!(one_line("a\x1b[2J\nb\tc"), "a[2J b c");
    }
}
