//! OFX 1.x SGML made into XML that quick-xml reads: leaf tags closed, stray `&` escaped, the
//! `KEY:VALUE` header and processing instructions dropped. Every newline of the input is kept
//! in the output in the same order, so a line of the XML is the same line of the file.
//!
//! SGML OFX closes aggregates (`</STMTTRN>`) and leaves leaf tags open (`<TRNAMT>-12.50`). So an
//! element followed by text is a leaf and is closed after its text (an explicit `</TRNAMT>` is
//! then dropped); an element with no text is an aggregate if the file closes that name anywhere,
//! else an empty leaf (`<MEMO>` with nothing after it). A close tag shuts every element opened
//! inside the one it names; one that names no open element is dropped. Well-formed OFX 2.x XML
//! passes through unchanged in meaning, so the sloppy 2.x files banks write (unclosed leaves,
//! raw `&`) read too.

use std::collections::HashSet;

use super::super::statement::ReadError;
use super::super::text::line_of;
use super::super::xml::MAX_DEPTH;

/// Tag names longer than this are not OFX.
const MAX_NAME: usize = 64;
/// Distinct closed names kept while looking (OFX has a few hundred).
const MAX_CLOSED_NAMES: usize = 4_096;

/// One piece of the input: a tag, or the text up to the next tag.
enum Piece<'t> {
    Open(&'t str, bool),
    Close(&'t str),
    /// `<?...?>`, `<!...>`, comments: dropped.
    Other,
    Text(&'t str),
}

/// Splits `text` into pieces from `at`; returns the piece and where the next starts.
fn next_piece(text: &str, at: usize) -> Result<Option<(Piece<'_>, usize)>, ReadError> {
    let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if !rest.starts_with('<') {
        let len = rest.find('<').unwrap_or(rest.len());
        return Ok(Some((Piece::Text(&rest[..len]), at + len)));
    }
    if rest.starts_with("<!--") {
        let len = rest
            .find("-->")
            .map(|i| i + 3)
            .ok_or_else(|| cut_short(text, at))?;
        return Ok(Some((Piece::Other, at + len)));
    }
    let len = rest
        .find('>')
        .map(|i| i + 1)
        .ok_or_else(|| cut_short(text, at))?;
    let inner = &rest[1..len - 1];
    let piece = if inner.starts_with('?') || inner.starts_with('!') {
        Piece::Other
    } else if let Some(name) = inner.strip_prefix('/') {
        Piece::Close(tag_name(text, at, name)?)
    } else {
        let empty = inner.ends_with('/');
        let inner = inner.strip_suffix('/').unwrap_or(inner);
        // Attributes (none in OFX, but harmless) are dropped with the rest of the tag.
        let name = inner.split_whitespace().next().unwrap_or_default();
        Piece::Open(tag_name(text, at, name)?, empty)
    };
    Ok(Some((piece, at + len)))
}

fn cut_short(text: &str, at: usize) -> ReadError {
    ReadError::at(
        line_of(text.as_bytes(), at),
        "the file ends inside a tag",
        "the file is cut short: export it again from the bank",
    )
}

fn tag_name<'t>(text: &str, at: usize, name: &'t str) -> Result<&'t str, ReadError> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'));
    if valid {
        Ok(name)
    } else {
        Err(ReadError::at(
            line_of(text.as_bytes(), at),
            format!("`<{}>` is not an OFX tag", super::super::text::clean(name)),
            "the file is not OFX, or it was damaged: export it again from the bank",
        ))
    }
}

/// The names the file closes somewhere (`</NAME>`): its aggregates.
fn closed_names(text: &str) -> HashSet<&str> {
    let mut names = HashSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("</") {
        rest = &rest[i + 2..];
        let end = rest.find('>').unwrap_or(rest.len());
        let name = rest[..end].trim();
        if names.len() < MAX_CLOSED_NAMES && !name.is_empty() && name.len() <= MAX_NAME {
            names.insert(name);
        }
        rest = &rest[end..];
    }
    names
}

fn push_newlines(out: &mut String, text: &str) {
    for _ in text.bytes().filter(|&b| b == b'\n') {
        out.push('\n');
    }
}

/// Text as XML text: `&` escaped unless it starts one of XML's references; `<` cannot occur.
fn push_escaped(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if starts_reference(after) {
            out.push('&');
        } else {
            out.push_str("&amp;");
        }
        rest = after;
    }
    out.push_str(rest);
}

fn starts_reference(after: &str) -> bool {
    // References are short (`&#x10FFFF;` is the longest): looking further would make a text of
    // many `&` and no `;` quadratic.
    let Some(end) = after.bytes().take(10).position(|b| b == b';') else {
        return false;
    };
    let name = &after[..end];
    matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
        || name
            .strip_prefix("#x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
        || name
            .strip_prefix('#')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The XML of an OFX file's text (header included: it is dropped, its lines kept).
pub fn to_xml(text: &str) -> Result<String, ReadError> {
    let aggregates = closed_names(text);
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut stack: Vec<&str> = Vec::new();
    let mut at = 0;
    while let Some((piece, next)) = next_piece(text, at)? {
        let raw = &text[at..next];
        at = next;
        match piece {
            Piece::Open(name, true) => {
                out.push('<');
                out.push_str(name);
                out.push_str("/>");
                push_newlines(&mut out, raw);
            }
            Piece::Open(name, false) => {
                push_newlines(&mut out, raw);
                let content = match next_piece(text, at)? {
                    Some((Piece::Text(content), after)) => Some((content, after)),
                    _ => None,
                };
                let leaf = content.filter(|(content, _)| !content.trim().is_empty());
                if let Some((content, after)) = leaf {
                    let value = content.trim();
                    out.push('<');
                    out.push_str(name);
                    out.push('>');
                    push_escaped(&mut out, value);
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                    // The value's own newlines went out with it; the rest of the text's follow.
                    let inside = value.bytes().filter(|&b| b == b'\n').count();
                    let all = content.bytes().filter(|&b| b == b'\n').count();
                    out.extend(std::iter::repeat_n('\n', all - inside));
                    at = after;
                    // An explicit close of this leaf is already written.
                    if let Some((Piece::Close(closing), after)) = next_piece(text, at)?
                        && closing == name
                    {
                        push_newlines(&mut out, &text[at..after]);
                        at = after;
                    }
                } else if aggregates.contains(name) {
                    if stack.len() >= MAX_DEPTH {
                        return Err(ReadError::at(
                            line_of(text.as_bytes(), at),
                            format!("the OFX elements nest more than {MAX_DEPTH} deep"),
                            "the file is not a statement, or it was damaged: export it again",
                        ));
                    }
                    out.push('<');
                    out.push_str(name);
                    out.push('>');
                    stack.push(name);
                } else {
                    out.push('<');
                    out.push_str(name);
                    out.push_str("/>");
                }
            }
            Piece::Close(name) => {
                if stack.contains(&name) {
                    while let Some(open) = stack.pop() {
                        out.push_str("</");
                        out.push_str(open);
                        out.push('>');
                        if open == name {
                            break;
                        }
                    }
                }
                push_newlines(&mut out, raw);
            }
            // Text outside a leaf (the header, whitespace between tags, stray words): only its
            // lines are kept.
            Piece::Other | Piece::Text(_) => push_newlines(&mut out, raw),
        }
    }
    while let Some(open) = stack.pop() {
        out.push_str("</");
        out.push_str(open);
        out.push('>');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_closed_and_aggregates_kept() {
        let sgml = "OFXHEADER:100\r\n\r\n<OFX>\r\n<STMTTRN>\r\n<TRNAMT>-12.50\r\n<NAME>AT&T\r\n\
                    <MEMO>\r\n</STMTTRN>\r\n</OFX>\r\n";
        let xml = to_xml(sgml).unwrap();
        assert_eq!(
            xml,
            "\n\n<OFX>\n<STMTTRN>\n<TRNAMT>-12.50</TRNAMT>\n<NAME>AT&amp;T</NAME>\n<MEMO/>\n\
             </STMTTRN>\n</OFX>\n"
        );
        assert_eq!(
            xml.matches('\n').count(),
            sgml.matches('\n').count(),
            "every line is where it was"
        );
    }

    #[test]
    fn xml_passes_through() {
        let xml = "<?xml version=\"1.0\"?>\n<?OFX OFXHEADER=\"200\"?>\n<OFX><A><B>x &amp; y</B>\
                   <C></C><D/></A></OFX>";
        assert_eq!(
            to_xml(xml).unwrap(),
            "\n\n<OFX><A><B>x &amp; y</B><C></C><D/></A></OFX>"
        );
    }

    #[test]
    fn a_close_shuts_what_was_opened_inside_and_strays_are_dropped() {
        let sgml = "<OFX><A><B></A><B></B></NOTOPEN><C></OFX>";
        assert_eq!(
            to_xml(sgml).unwrap(),
            "<OFX><A><B></B></A><B></B><C/></OFX>"
        );
    }

    #[test]
    fn every_stray_ampersand_is_escaped() {
        let text = format!("<NAME>{}&amp;", "&".repeat(100_000));
        let xml = to_xml(&text).unwrap();
        assert_eq!(xml.matches("&amp;").count(), 100_001);
    }

    #[test]
    fn broken_tags_are_refused_with_their_line() {
        assert_eq!(to_xml("<OFX>\n<TRN AMT").unwrap_err().line, 2);
        assert_eq!(to_xml("<OFX>\n\n<%$>").unwrap_err().line, 3);
        let deep = "<A>".repeat(10_000) + &"</A>".repeat(10_000);
        assert!(to_xml(&deep).is_err(), "nesting is bounded");
    }
}
