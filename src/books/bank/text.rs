//! Bytes of a bank's file made into text, and text made fit for a statement line: the encodings
//! banks write (UTF-8, Windows-1252 and Latin-1, UTF-16 behind a byte-order mark) decoded or
//! refused with the line that cannot be read, never garbled; fields cleaned to one line and cut
//! to [`bounds::MAX_TEXT`] characters; byte offsets turned into the line numbers errors name.

use std::borrow::Cow;

use super::statement::{ReadError, bounds};

/// The encodings a statement may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    /// Windows-1252, which is what "Latin-1" and "ISO-8859-1" mean in practice (the WHATWG
    /// reading, which every browser and encoding_rs use): a superset of Latin-1's printable
    /// characters, with € and the typographic quotes in 0x80–0x9F.
    Windows1252,
}

impl Charset {
    /// The charset a label names (`utf-8`, `latin1`, `iso-8859-1`, `windows-1252`, `cp1252`,
    /// `1252`, `us-ascii`), if it is one this reader knows.
    pub fn from_label(label: &str) -> Option<Charset> {
        let label = label.trim().to_ascii_lowercase();
        match label.as_str() {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            // ASCII is a subset of both; a file that says ASCII and holds other bytes is read
            // as its writer (a Windows bank system) meant it.
            "us-ascii" | "usascii" | "ascii" => Some(Charset::Windows1252),
            "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "l1"
            | "windows-1252" | "cp1252" | "1252" | "iso-8859-15" | "latin9" => {
                Some(Charset::Windows1252)
            }
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Windows1252 => "windows-1252",
        }
    }
}

/// Refuses a file past the size bound before anything else looks at it.
pub fn check_size(bytes: &[u8]) -> Result<(), ReadError> {
    if bytes.len() > bounds::MAX_FILE_BYTES {
        return Err(ReadError::at(
            0,
            format!(
                "the file is {} MB, more than the {} MB a statement may be",
                bytes.len() / (1024 * 1024),
                bounds::MAX_FILE_BYTES / (1024 * 1024)
            ),
            "export a shorter period from the bank (a year at a time is plenty)",
        ));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::at(
            0,
            "the file is empty",
            "export the statement again from the bank's website",
        ));
    }
    Ok(())
}

/// The charset a byte-order mark announces and the mark's length; UTF-16 marks are reported
/// as such so the caller can decode them.
fn bom(bytes: &[u8]) -> Option<(&'static encoding_rs::Encoding, usize)> {
    encoding_rs::Encoding::for_bom(bytes)
}

/// The text of a file. A byte-order mark wins (UTF-8 or UTF-16); otherwise `declared` decides,
/// and with nothing declared valid UTF-8 is UTF-8 and anything else Windows-1252 (what Excel
/// and older bank systems write). Declared UTF-8 that is not is refused at its line.
pub fn decode(bytes: &[u8], declared: Option<Charset>) -> Result<Cow<'_, str>, ReadError> {
    if let Some((encoding, len)) = bom(bytes) {
        let rest = bytes.get(len..).unwrap_or_default();
        return encoding
            .decode_without_bom_handling_and_without_replacement(rest)
            .ok_or_else(|| {
                ReadError::at(
                    0,
                    format!(
                        "the file starts with a {} byte-order mark but is not {} throughout",
                        encoding.name(),
                        encoding.name()
                    ),
                    "export the statement again, or save it as UTF-8",
                )
            });
    }
    match declared {
        Some(Charset::Windows1252) => Ok(decode_1252(bytes)),
        Some(Charset::Utf8) => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            let line = line_of(bytes, e.valid_up_to());
            ReadError::at(
                line,
                "the file says it is UTF-8, but this line is not",
                "if the bank writes Latin-1 or Windows-1252, say so (`encoding latin1` in the \
                 CSV rules); otherwise export the statement again",
            )
        }),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(_) => Ok(decode_1252(bytes)),
        },
    }
}

/// Windows-1252 maps every byte to a character, so this cannot fail.
fn decode_1252(bytes: &[u8]) -> Cow<'_, str> {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
}

/// Whether the bytes carry a byte-order mark, or are valid UTF-8: what the guess reports.
pub fn sniff(bytes: &[u8]) -> Charset {
    match bom(bytes) {
        Some(_) => Charset::Utf8,
        None if std::str::from_utf8(bytes).is_ok() => Charset::Utf8,
        None => Charset::Windows1252,
    }
}

/// A field from a statement as a line keeps it: whitespace runs and line breaks made one space,
/// control characters dropped, cut (not refused) at [`bounds::MAX_TEXT`] characters.
pub fn clean(text: &str) -> String {
    let simple = text.len() <= bounds::MAX_TEXT
        && !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains("  ")
        && text.bytes().all(|b| (0x20..0x7f).contains(&b));
    if simple {
        // The common case (an ASCII payee) without the allocations of the general one.
        return text.to_owned();
    }
    let mut line = crate::text::one_line(text);
    if let Some((cut, _)) = line.char_indices().nth(bounds::MAX_TEXT) {
        line.truncate(cut);
    }
    line
}

/// The 1-based line of a byte offset.
pub fn line_of(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    1 + bytes
        .get(..end)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Line numbers of increasing byte offsets in one text, counted once: each call counts only
/// the newlines since the last.
#[derive(Debug)]
pub struct LineCounter {
    counted_to: usize,
    line: usize,
}

impl LineCounter {
    pub fn new(first_line: usize) -> LineCounter {
        LineCounter {
            counted_to: 0,
            line: first_line,
        }
    }

    /// The line of `offset` in `text`; offsets before the last one asked give that one's line.
    pub fn line_at(&mut self, text: &[u8], offset: usize) -> usize {
        let end = offset.min(text.len());
        if end > self.counted_to {
            let newlines = text
                .get(self.counted_to..end)
                .unwrap_or_default()
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += newlines;
            self.counted_to = end;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_read_as_windows_1252() {
        assert_eq!(
            decode(b"CAF\xC9 \x80", Some(Charset::Windows1252)).unwrap(),
            "CAFÉ €"
        );
        assert_eq!(decode(b"CAF\xC9", None).unwrap(), "CAFÉ");
        assert_eq!(decode("CAFÉ".as_bytes(), None).unwrap(), "CAFÉ");
    }

    #[test]
    fn declared_utf8_that_is_not_is_refused_at_its_line() {
        let error = decode(b"a\nb\nCAF\xC9\n", Some(Charset::Utf8)).unwrap_err();
        assert_eq!(error.line, 3);
    }

    #[test]
    fn a_bom_wins() {
        assert_eq!(decode(b"\xEF\xBB\xBFabc", None).unwrap(), "abc");
        assert_eq!(decode(b"\xFF\xFEa\0b\0", None).unwrap(), "ab");
        assert!(
            decode(b"\xFF\xFE\x00\xD8", None).is_err(),
            "a lone surrogate"
        );
    }

    #[test]
    fn clean_makes_one_line_and_cuts() {
        assert_eq!(clean("  CAFÉ\r\n  du\tcoin \u{1b}[2J"), "CAFÉ du coin [2J");
        assert_eq!(clean("plain text"), "plain text");
        assert_eq!(clean(&"é".repeat(600)).chars().count(), bounds::MAX_TEXT);
    }

    #[test]
    fn lines_are_counted_once_and_in_order() {
        let text = b"a\nb\nc\nd";
        let mut lines = LineCounter::new(1);
        assert_eq!(lines.line_at(text, 0), 1);
        assert_eq!(lines.line_at(text, 4), 3);
        assert_eq!(lines.line_at(text, 2), 3);
        assert_eq!(lines.line_at(text, 99), 4);
        assert_eq!(line_of(text, 4), 3);
    }
}
