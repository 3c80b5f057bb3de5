//! Which format a statement file is in, from its first bytes (never its name): OFX 1.x by its
//! `OFXHEADER:` header or a bare `<OFX>`, OFX 2.x by its `<?OFX ...?>` or `<?xml` prologue,
//! CAMT.053 by its namespace, CSV when it is text with a separator on its lines.

use std::borrow::Cow;

use super::statement::StatementFormat;

/// How much of the file is looked at.
const HEAD: usize = 64 * 1024;

/// The file's first bytes as text, for sniffing only (lossy: a cut character does not matter).
pub fn head(bytes: &[u8]) -> Cow<'_, str> {
    let head = bytes.get(..HEAD.min(bytes.len())).unwrap_or_default();
    match encoding_rs::Encoding::for_bom(head) {
        Some((encoding, len)) => {
            let (text, _) =
                encoding.decode_without_bom_handling(head.get(len..).unwrap_or_default());
            Cow::Owned(text.into_owned())
        }
        None => String::from_utf8_lossy(head),
    }
}

pub fn format_of(bytes: &[u8]) -> Option<StatementFormat> {
    let head = head(bytes);
    let start = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let upper: String = start
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_uppercase();
    if upper.starts_with("OFXHEADER") {
        // OFX 1.x's header; 2.x's is a processing instruction.
        return Some(StatementFormat::Ofx1);
    }
    if start.starts_with('<') {
        let ofx = upper.find("<OFX>");
        let prologue = upper.find("<?OFX").or_else(|| upper.find("<?XML"));
        if let Some(ofx) = ofx {
            return Some(match prologue {
                Some(p) if p < ofx => StatementFormat::Ofx2,
                _ => StatementFormat::Ofx1,
            });
        }
        if upper.contains("<?OFX") {
            return Some(StatementFormat::Ofx2);
        }
        if head.contains("camt.053") {
            return Some(StatementFormat::Camt053);
        }
        return None;
    }
    looks_like_csv(start).then_some(StatementFormat::Csv)
}

/// Text (no control characters but line ends and tabs) whose first lines have a separator.
fn looks_like_csv(head: &str) -> bool {
    let binary = head
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if binary {
        return false;
    }
    head.lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .any(|l| l.contains([',', ';', '\t', '|']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_by_its_first_bytes() {
        assert_eq!(
            format_of(b"OFXHEADER:100\r\nDATA:OFXSGML\r\n<OFX>"),
            Some(StatementFormat::Ofx1)
        );
        assert_eq!(
            format_of(b"\xEF\xBB\xBF\r\n<OFX>\n<SIGNONMSGSRSV1>"),
            Some(StatementFormat::Ofx1)
        );
        assert_eq!(
            format_of(b"<?xml version=\"1.0\"?>\n<?OFX OFXHEADER=\"200\"?>\n<OFX>"),
            Some(StatementFormat::Ofx2)
        );
        assert_eq!(
            format_of(
                b"<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
            ),
            Some(StatementFormat::Camt053)
        );
        assert_eq!(
            format_of(b"Date,Description,Amount\n2026-11-02,Rent,-1200.00\n"),
            Some(StatementFormat::Csv)
        );
        assert_eq!(format_of(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\0"), None);
        assert_eq!(format_of(b"<html><body>Sign in</body></html>"), None);
        assert_eq!(format_of(b"just words"), None);
    }
}
