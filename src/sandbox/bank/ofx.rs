//! The statement as OFX, in the two spellings banks serve: 1.02 (SGML, the `KEY:VALUE` header,
//! CP1252, CRLF, leaf tags left unclosed: what banks call QFX or Web Connect) and 2.2 (XML). One
//! tree, as a US bank fills it: sign-on, then the checking statement with its transactions,
//! `LEDGERBAL` and `AVAILBAL`. `NAME` holds the description's first 32 characters (the
//! standard's limit) and `MEMO` the rest, as banks split long ACH descriptions.

use chrono::NaiveDate;

use super::xml::Node;
use super::{BankLine, LineKind, Statement, money};

/// OFX's limit on `NAME`.
const NAME_CHARS: usize = 32;
/// OFX's limit on `MEMO`.
const MEMO_CHARS: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Sgml102,
    Xml220,
}

pub(super) fn write(statement: &Statement, version: Version) -> Vec<u8> {
    let tree = tree(statement);
    match version {
        Version::Sgml102 => {
            let header = [
                "OFXHEADER:100",
                "DATA:OFXSGML",
                "VERSION:102",
                "SECURITY:NONE",
                "ENCODING:USASCII",
                "CHARSET:1252",
                "COMPRESSION:NONE",
                "OLDFILEUID:NONE",
                "NEWFILEUID:NONE",
                "",
                "",
            ]
            .join("\r\n");
            cp1252(&(header + &tree.sgml()))
        }
        Version::Xml220 => {
            let mut text = String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<?OFX OFXHEADER=\"200\" VERSION=\"220\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n",
            );
            text.push_str(&tree.xml());
            text.into_bytes()
        }
    }
}

fn tree(statement: &Statement) -> Node {
    let status = || {
        Node::parent(
            "STATUS",
            vec![Node::leaf("CODE", "0"), Node::leaf("SEVERITY", "INFO")],
        )
    };
    let account = &statement.account;
    let mut transactions = vec![
        Node::leaf("DTSTART", date(statement.from)),
        Node::leaf("DTEND", date(statement.to)),
    ];
    transactions.extend(statement.lines.iter().map(transaction));
    let balance = |name| {
        Node::parent(
            name,
            vec![
                Node::leaf("BALAMT", money(statement.closing)),
                Node::leaf("DTASOF", date(statement.to)),
            ],
        )
    };
    Node::parent(
        "OFX",
        vec![
            Node::parent(
                "SIGNONMSGSRSV1",
                vec![Node::parent(
                    "SONRS",
                    vec![
                        status(),
                        Node::leaf(
                            "DTSERVER",
                            format!("{}[0:GMT]", statement.written_at.format("%Y%m%d%H%M%S")),
                        ),
                        Node::leaf("LANGUAGE", "ENG"),
                        Node::parent(
                            "FI",
                            vec![Node::leaf("ORG", "B1"), Node::leaf("FID", "10898")],
                        ),
                        Node::leaf("INTU.BID", "10898"),
                    ],
                )],
            ),
            Node::parent(
                "BANKMSGSRSV1",
                vec![Node::parent(
                    "STMTTRNRS",
                    vec![
                        Node::leaf("TRNUID", "1"),
                        status(),
                        Node::parent(
                            "STMTRS",
                            vec![
                                Node::leaf("CURDEF", account.currency.clone()),
                                Node::parent(
                                    "BANKACCTFROM",
                                    vec![
                                        Node::leaf("BANKID", account.routing.clone()),
                                        Node::leaf("ACCTID", account.number.clone()),
                                        Node::leaf("ACCTTYPE", "CHECKING"),
                                    ],
                                ),
                                Node::parent("BANKTRANLIST", transactions),
                                balance("LEDGERBAL"),
                                balance("AVAILBAL"),
                            ],
                        ),
                    ],
                )],
            ),
        ],
    )
}

fn transaction(line: &BankLine) -> Node {
    let kind = match line.kind {
        LineKind::ProcessorDeposit if line.amount.is_sign_negative() => "DEBIT",
        LineKind::ProcessorDeposit => "CREDIT",
        LineKind::BranchDeposit => "DEP",
        LineKind::AchDebit => "DIRECTDEBIT",
        LineKind::CardPurchase => "POS",
        LineKind::ChequePaid => "CHECK",
        LineKind::Transfer => "XFER",
        LineKind::ServiceFee => "SRVCHG",
    };
    let (name, memo) = split_at_char(&line.description, NAME_CHARS);
    let mut fields = vec![
        Node::leaf("TRNTYPE", kind),
        Node::leaf("DTPOSTED", date(line.date)),
        Node::leaf("TRNAMT", money(line.amount)),
        Node::leaf("FITID", line.id.clone()),
    ];
    if line.kind == LineKind::ChequePaid
        && let Some(number) = line.check_or_slip
    {
        fields.push(Node::leaf("CHECKNUM", number.to_string()));
    }
    fields.push(Node::leaf("NAME", name.trim_end()));
    let memo = split_at_char(memo.trim(), MEMO_CHARS).0;
    if !memo.is_empty() {
        fields.push(Node::leaf("MEMO", memo));
    }
    Node::parent("STMTTRN", fields)
}

/// An OFX date as banks write a day: noon, GMT.
fn date(day: NaiveDate) -> String {
    format!("{}120000[0:GMT]", day.format("%Y%m%d"))
}

/// `text` cut after `chars` characters, and the rest.
fn split_at_char(text: &str, chars: usize) -> (&str, &str) {
    text.char_indices()
        .nth(chars)
        .map_or((text, ""), |(at, _)| text.split_at(at))
}

/// Text in Windows-1252, as the header says: ASCII as it is, Latin-1 letters as their byte,
/// typographic quotes and dashes where 1252 has them, `?` for anything else.
fn cp1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            c if c.is_ascii() => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_keeps_ascii_and_maps_what_1252_has() {
        assert_eq!(
            cp1252("Café – “ok” €5 ✓"),
            b"Caf\xe9 \x96 \x93ok\x94 \x805 ?"
        );
    }

    #[test]
    fn long_descriptions_split_into_name_and_memo() {
        let (name, memo) = split_at_char("ORIG CO NAME:MINDBODY INC     ORIG ID:1461415098", 32);
        assert_eq!(name, "ORIG CO NAME:MINDBODY INC     OR");
        assert_eq!(memo, "IG ID:1461415098");
        assert_eq!(
            split_at_char("MONTHLY SERVICE FEE", 32),
            ("MONTHLY SERVICE FEE", "")
        );
    }
}
