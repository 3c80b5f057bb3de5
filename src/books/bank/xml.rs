//! The XML under OFX and CAMT.053, walked with quick-xml as a stream of opened and closed
//! elements, each named by the reader's own tag type (so nothing is allocated per element) and
//! given its line and its parents. Depth is bounded; no DTD is read and no entity is expanded
//! beyond XML's five and character references (an unknown `&name;` stays as written).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::statement::ReadError;
use super::text::LineCounter;

/// Elements nested deeper than this are refused: statements nest about ten deep.
pub const MAX_DEPTH: usize = 64;

/// What a reader does with the elements it meets. `parents` are the open elements around
/// `tag`, outermost first.
pub trait Visitor<T> {
    fn open(
        &mut self,
        tag: T,
        parents: &[T],
        start: &BytesStart<'_>,
        line: usize,
    ) -> Result<(), ReadError>;

    /// `text` is the element's own text, entities resolved, untrimmed.
    fn close(&mut self, tag: T, parents: &[T], text: &str, line: usize) -> Result<(), ReadError>;
}

/// The value of an attribute of an element (`Ccy` of `<Amt Ccy="EUR">`), unescaped.
pub fn attribute(start: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Walks `xml`, naming each element with `tag_of` (its local name, without a namespace prefix).
/// `first_line` is the line `xml` starts at in the file.
pub fn walk<T: Copy>(
    xml: &str,
    first_line: usize,
    tag_of: impl Fn(&[u8]) -> T,
    visitor: &mut impl Visitor<T>,
) -> Result<(), ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut lines = LineCounter::new(first_line);
    let mut stack: Vec<T> = Vec::new();
    let mut text = String::new();
    let broken = |lines: &mut LineCounter, at: u64, what: String| {
        ReadError::at(
            lines.line_at(xml.as_bytes(), usize::try_from(at).unwrap_or(usize::MAX)),
            format!("the XML is broken here: {}", super::text::clean(&what)),
            "the file may be cut short or edited; export it again from the bank",
        )
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| broken(&mut lines, reader.error_position(), e.to_string()))?;
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match event {
            Event::Start(_) if stack.len() >= MAX_DEPTH => {
                return Err(broken(
                    &mut lines,
                    reader.buffer_position(),
                    format!("elements nest more than {MAX_DEPTH} deep"),
                ));
            }
            Event::Start(start) => {
                let tag = tag_of(start.local_name().as_ref());
                let line = lines.line_at(xml.as_bytes(), position);
                visitor.open(tag, &stack, &start, line)?;
                stack.push(tag);
                text.clear();
            }
            Event::Empty(start) => {
                let tag = tag_of(start.local_name().as_ref());
                let line = lines.line_at(xml.as_bytes(), position);
                visitor.open(tag, &stack, &start, line)?;
                visitor.close(tag, &stack, "", line)?;
                text.clear();
            }
            Event::End(_) => {
                let line = lines.line_at(xml.as_bytes(), position);
                if let Some(tag) = stack.pop() {
                    visitor.close(tag, &stack, &text, line)?;
                }
                text.clear();
            }
            Event::Text(part) => {
                if let Ok(part) = part.decode() {
                    text.push_str(&part);
                }
            }
            Event::CData(part) => {
                if let Ok(part) = part.decode() {
                    text.push_str(&part);
                }
            }
            Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => {
                    let name = reference.decode().unwrap_or_default();
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(resolved) => text.push_str(resolved),
                        None => {
                            text.push('&');
                            text.push_str(&name);
                            text.push(';');
                        }
                    }
                }
            },
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(broken(
            &mut lines,
            xml.len() as u64,
            "the file ends before its elements are closed".to_owned(),
        ))
    }
}
