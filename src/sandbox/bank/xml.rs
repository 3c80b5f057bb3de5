//! A small element tree and its two spellings: XML (closed tags, escaped text and attributes,
//! indented) for OFX 2 and CAMT.053, and OFX 1's SGML (leaf elements left unclosed, one tag a
//! line, CRLF). Enough for writing statements; nothing here reads.

/// One element: text, or children.
#[derive(Debug, Clone)]
pub(super) struct Node {
    name: &'static str,
    attributes: Vec<(&'static str, String)>,
    content: Content,
}

#[derive(Debug, Clone)]
enum Content {
    Text(String),
    Children(Vec<Node>),
}

impl Node {
    pub fn leaf(name: &'static str, text: impl Into<String>) -> Node {
        Node {
            name,
            attributes: Vec::new(),
            content: Content::Text(text.into()),
        }
    }

    pub fn parent(name: &'static str, children: Vec<Node>) -> Node {
        Node {
            name,
            attributes: Vec::new(),
            content: Content::Children(children),
        }
    }

    pub fn with_attribute(mut self, name: &'static str, value: impl Into<String>) -> Node {
        self.attributes.push((name, value.into()));
        self
    }

    /// As XML, indented two spaces a level, each line ending with `\n`.
    pub fn xml(&self) -> String {
        let mut out = String::new();
        self.write_xml(0, &mut out);
        out
    }

    fn write_xml(&self, depth: usize, out: &mut String) {
        out.extend(std::iter::repeat_n("  ", depth));
        out.push('<');
        out.push_str(self.name);
        for (name, value) in &self.attributes {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(&escape(value));
            out.push('"');
        }
        out.push('>');
        match &self.content {
            Content::Text(text) => out.push_str(&escape(text)),
            Content::Children(children) => {
                out.push('\n');
                for child in children {
                    child.write_xml(depth + 1, out);
                }
                out.extend(std::iter::repeat_n("  ", depth));
            }
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push_str(">\n");
    }

    /// As OFX 1.x SGML: a tag a line, leaf elements unclosed, lines ending with CRLF.
    pub fn sgml(&self) -> String {
        let mut out = String::new();
        self.write_sgml(&mut out);
        out
    }

    fn write_sgml(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.name);
        out.push('>');
        match &self.content {
            Content::Text(text) => {
                out.push_str(&escape_sgml(text));
                out.push_str("\r\n");
            }
            Content::Children(children) => {
                out.push_str("\r\n");
                for child in children {
                    child.write_sgml(out);
                }
                out.push_str("</");
                out.push_str(self.name);
                out.push_str(">\r\n");
            }
        }
    }
}

/// Text for XML content or a quoted attribute.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters have no place in XML 1.0 text; a line break ends a value in
            // SGML OFX. Neither comes from the sandbox, but nothing written may carry one.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for an OFX 1.x value: the SGML entities OFX names (`&amp;`, `&lt;`, `&gt;`).
fn escape_sgml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_sgml_leaves_stay_open() {
        let tree = Node::parent(
            "A",
            vec![
                Node::leaf("B", "AT&T <\"x\">").with_attribute("Ccy", "U&\"S"),
                Node::parent("C", vec![Node::leaf("D", "line\nbreak")]),
            ],
        );
        assert_eq!(
            tree.xml(),
            "<A>\n  <B Ccy=\"U&amp;&quot;S\">AT&amp;T &lt;&quot;x&quot;&gt;</B>\n  <C>\n    <D>line break</D>\n  </C>\n</A>\n"
        );
        assert_eq!(
            tree.sgml(),
            "<A>\r\n<B>AT&amp;T &lt;\"x\"&gt;\r\n<C>\r\n<D>line break\r\n</C>\r\n</A>\r\n"
        );
    }
}
