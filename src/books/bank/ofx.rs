//! OFX and QFX statements, 1.x (SGML, often Windows-1252) and 2.x (XML): bank (`STMTRS`) and
//! credit-card (`CCSTMTRS`) statements, several to a file if the bank puts them there. Each
//! `STMTTRN` is a line: `TRNAMT`, `DTPOSTED` (its date as the bank wrote it; the time and
//! `[offset:TZ]` are dropped), `FITID` as the bank's id (else `SRVRTID`), `NAME` or `PAYEE`,
//! `MEMO`, `TRNTYPE` as its kind, `DTAVAIL` as its value date. `LEDGERBAL` is the closing balance,
//! `DTSTART`/`DTEND` the period, `CURDEF` the currency, `ACCTID` the account.
//!
//! The crate `ofx-rs` was tried for this and is not used: its SGML pass pushes each byte of the
//! text as a character (so `CAFÉ` comes out as `CAFÃ\u{89}`), a `DTPOSTED` with `]` before `[`
//! panics it, and its errors carry no line. This reader converts SGML to XML itself
//! ([`sgml`]), keeping every line where it was, and reads the XML with quick-xml.

mod sgml;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::amount::{self, DecimalMark};
use super::detect;
use super::statement::{
    ParsedLine, ParsedStatement, ReadError, StatedBalance, StatementFormat, bounds,
};
use super::text::{self, Charset};
use super::xml::{self, Visitor};

/// Reads every bank and credit-card statement in an OFX or QFX file.
pub fn read(bytes: &[u8]) -> Result<Vec<ParsedStatement>, ReadError> {
    text::check_size(bytes)?;
    let format = match detect::format_of(bytes) {
        Some(format @ (StatementFormat::Ofx1 | StatementFormat::Ofx2)) => format,
        _ => {
            return Err(ReadError::at(
                1,
                "this is not an OFX or QFX file (it has no `OFXHEADER` header or `<OFX>` element)",
                "export the statement from the bank's website as OFX, QFX, Quicken or Money",
            ));
        }
    };
    let text = text::decode(bytes, declared_charset(bytes)?)?;
    let xml = sgml::to_xml(&text)?;
    let mut reader = Ofx::new(format);
    xml::walk(&xml, 1, tag_of, &mut reader)?;
    reader.finish()
}

/// The charset the header declares: OFX 1.x's `ENCODING:`/`CHARSET:` lines, 2.x's XML
/// declaration. `None`: not said (UTF-8 if the bytes are, else Windows-1252).
fn declared_charset(bytes: &[u8]) -> Result<Option<Charset>, ReadError> {
    if bytes.is_ascii() {
        return Ok(Some(Charset::Utf8));
    }
    let head = detect::head(bytes);
    let label = if let Some(decl) = head.find("<?xml").and_then(|i| head.get(i..)) {
        let decl = decl.split("?>").next().unwrap_or_default();
        decl.split_once("encoding=").map(|(_, rest)| {
            rest.trim_start_matches(['"', '\''])
                .split(['"', '\''])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    } else {
        let header = head.split('<').next().unwrap_or_default();
        let field = |key: &str| {
            header.split_whitespace().find_map(|pair| {
                let (k, v) = pair.split_once(':')?;
                k.eq_ignore_ascii_case(key).then(|| v.to_owned())
            })
        };
        match field("ENCODING") {
            Some(encoding) if encoding.eq_ignore_ascii_case("UTF-8") => Some(encoding),
            _ => field("CHARSET").filter(|c| !c.eq_ignore_ascii_case("NONE")),
        }
    };
    match label {
        None => Ok(None),
        Some(label) => Charset::from_label(&label).map(Some).ok_or_else(|| {
            ReadError::at(
                1,
                format!(
                    "the file says its characters are `{}`, which I cannot read",
                    text::clean(&label)
                ),
                "export the statement as UTF-8 or Windows-1252 (Latin-1), or ask the bank for a CSV",
            )
        }),
    }
}

/// The elements this reader looks at; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    StmtRs,
    CcStmtRs,
    StmtTrn,
    TrnAmt,
    DtPosted,
    DtAvail,
    FitId,
    SrvrTid,
    Name,
    Payee,
    Memo,
    TrnType,
    CheckNum,
    LedgerBal,
    BalAmt,
    DtAsOf,
    BankTranList,
    DtStart,
    DtEnd,
    CurDef,
    AcctId,
    BankAcctFrom,
    CcAcctFrom,
    Currency,
    CurSym,
    Status,
    Code,
    Message,
    Other,
}

fn tag_of(name: &[u8]) -> Tag {
    let mut buffer = [0u8; 16];
    let Some(upper) = buffer.get_mut(..name.len()) else {
        return Tag::Other;
    };
    upper.copy_from_slice(name);
    upper.make_ascii_uppercase();
    match &*upper {
        b"STMTRS" => Tag::StmtRs,
        b"CCSTMTRS" => Tag::CcStmtRs,
        b"STMTTRN" => Tag::StmtTrn,
        b"TRNAMT" => Tag::TrnAmt,
        b"DTPOSTED" => Tag::DtPosted,
        b"DTAVAIL" => Tag::DtAvail,
        b"FITID" => Tag::FitId,
        b"SRVRTID" => Tag::SrvrTid,
        b"NAME" => Tag::Name,
        b"PAYEE" => Tag::Payee,
        b"MEMO" => Tag::Memo,
        b"TRNTYPE" => Tag::TrnType,
        b"CHECKNUM" => Tag::CheckNum,
        b"LEDGERBAL" => Tag::LedgerBal,
        b"BALAMT" => Tag::BalAmt,
        b"DTASOF" => Tag::DtAsOf,
        b"BANKTRANLIST" => Tag::BankTranList,
        b"DTSTART" => Tag::DtStart,
        b"DTEND" => Tag::DtEnd,
        b"CURDEF" => Tag::CurDef,
        b"ACCTID" => Tag::AcctId,
        b"BANKACCTFROM" => Tag::BankAcctFrom,
        b"CCACCTFROM" => Tag::CcAcctFrom,
        b"CURRENCY" => Tag::Currency,
        b"CURSYM" => Tag::CurSym,
        b"STATUS" => Tag::Status,
        b"CODE" => Tag::Code,
        b"MESSAGE" => Tag::Message,
        _ => Tag::Other,
    }
}

/// An OFX date-time's day as the bank wrote it: `YYYYMMDD`, then anything (time, fraction,
/// `[-5:EST]`), which does not move the day.
fn ofx_date(value: &str) -> Option<NaiveDate> {
    let digits = value.trim().get(..8)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(4..6)?, number(6..8)?)
}

fn date_at(value: &str, line: usize, what: &str) -> Result<NaiveDate, ReadError> {
    ofx_date(value).ok_or_else(|| {
        ReadError::at(
            line,
            format!("`{}` is not a date ({what})", text::clean(value)),
            "OFX dates start with YYYYMMDD; the file may be damaged: export it again",
        )
    })
}

/// A currency code as statements write it: three letters.
fn currency_code(value: &str) -> Option<String> {
    let value = value.trim();
    (value.len() == 3 && value.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| value.to_ascii_uppercase())
}

#[derive(Default)]
struct StatementDraft {
    account_id: Option<String>,
    currency: Option<String>,
    balance: Option<Decimal>,
    balance_date: Option<NaiveDate>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    lines: Vec<ParsedLine>,
}

struct LineDraft {
    file_line: usize,
    date: Option<NaiveDate>,
    value_date: Option<NaiveDate>,
    amount: Option<Decimal>,
    currency: Option<String>,
    name: String,
    payee: String,
    memo: String,
    fit_id: Option<String>,
    server_id: Option<String>,
    kind: Option<String>,
    check: Option<String>,
}

impl LineDraft {
    fn new(file_line: usize) -> LineDraft {
        LineDraft {
            file_line,
            date: None,
            value_date: None,
            amount: None,
            currency: None,
            name: String::new(),
            payee: String::new(),
            memo: String::new(),
            fit_id: None,
            server_id: None,
            kind: None,
            check: None,
        }
    }

    fn finish(self) -> Result<ParsedLine, ReadError> {
        let missing = |what: &str| {
            ReadError::at(
                self.file_line,
                format!("this transaction has no {what}"),
                "every STMTTRN needs DTPOSTED and TRNAMT; the file may be damaged: export it again",
            )
        };
        let date = self.date.ok_or_else(|| missing("DTPOSTED (date)"))?;
        let amount = self.amount.ok_or_else(|| missing("TRNAMT (amount)"))?;
        let payee = if self.name.is_empty() {
            self.payee
        } else {
            self.name
        };
        let memo = match self.check {
            Some(check) if self.memo.is_empty() => format!("check {check}"),
            Some(check) => format!("{} (check {check})", self.memo),
            None => self.memo,
        };
        Ok(ParsedLine {
            file_line: self.file_line,
            date,
            value_date: self.value_date,
            amount,
            currency: self.currency,
            payee: text::clean(&payee),
            memo: text::clean(&memo),
            bank_id: self.fit_id.or(self.server_id),
            kind: self.kind,
            balance_after: None,
            parts: Vec::new(),
        })
    }
}

struct Ofx {
    format: StatementFormat,
    statements: Vec<ParsedStatement>,
    statement: Option<StatementDraft>,
    line: Option<LineDraft>,
    lines_read: usize,
    /// The first error status the bank's server put in the file, and its message.
    status: Option<(String, String)>,
}

impl Ofx {
    fn new(format: StatementFormat) -> Ofx {
        Ofx {
            format,
            statements: Vec::new(),
            statement: None,
            line: None,
            lines_read: 0,
            status: None,
        }
    }

    fn finish(self) -> Result<Vec<ParsedStatement>, ReadError> {
        if !self.statements.is_empty() {
            return Ok(self.statements);
        }
        Err(match self.status {
            Some((code, message)) => ReadError::at(
                0,
                format!(
                    "the bank's server answered with error {code} instead of a statement{}",
                    if message.is_empty() {
                        String::new()
                    } else {
                        format!(": {message}")
                    }
                ),
                "download the statement again from the bank's website",
            ),
            None => ReadError::at(
                0,
                "this OFX file holds no bank or credit-card statement",
                "investment statements are not read: export the checking, savings or card account",
            ),
        })
    }

    fn line_field(
        &mut self,
        tag: Tag,
        parents: &[Tag],
        value: &str,
        line: usize,
    ) -> Result<(), ReadError> {
        let Some(draft) = self.line.as_mut() else {
            return Ok(());
        };
        let owned = || Some(text::clean(value)).filter(|v| !v.is_empty());
        match tag {
            Tag::TrnAmt => {
                // OFX allows a decimal comma; it never groups thousands.
                let mark = if value.contains(',') && !value.contains('.') {
                    DecimalMark::Comma
                } else {
                    DecimalMark::Point
                };
                let parsed = amount::parse(value, mark).map_err(|e| {
                    ReadError::at(
                        line,
                        e.describe(value, mark),
                        "TRNAMT must be a number such as -12.50; the file may be damaged: export it again",
                    )
                })?;
                draft.amount = Some(parsed);
            }
            Tag::DtPosted => draft.date = Some(date_at(value, line, "DTPOSTED")?),
            Tag::DtAvail => draft.value_date = ofx_date(value),
            Tag::FitId => draft.fit_id = owned(),
            Tag::SrvrTid => draft.server_id = owned(),
            Tag::Name if parents.contains(&Tag::Payee) || draft.name.is_empty() => {
                draft.name = value.to_owned();
            }
            Tag::Payee => draft.payee = value.to_owned(),
            Tag::Memo => draft.memo = value.to_owned(),
            Tag::TrnType => draft.kind = owned(),
            Tag::CheckNum => draft.check = owned(),
            Tag::CurSym if parents.contains(&Tag::Currency) => {
                draft.currency = currency_code(value)
            }
            _ => {}
        }
        Ok(())
    }

    fn statement_field(
        &mut self,
        tag: Tag,
        parents: &[Tag],
        value: &str,
        line: usize,
    ) -> Result<(), ReadError> {
        let Some(draft) = self.statement.as_mut() else {
            return Ok(());
        };
        let inside = |t: Tag| parents.contains(&t);
        match tag {
            Tag::BalAmt if inside(Tag::LedgerBal) => {
                let parsed = amount::parse(value, DecimalMark::Point).map_err(|e| {
                    ReadError::at(
                        line,
                        e.describe(value, DecimalMark::Point),
                        "the closing balance (LEDGERBAL) must be a number; export the file again",
                    )
                })?;
                draft.balance = Some(parsed);
            }
            Tag::DtAsOf if inside(Tag::LedgerBal) => {
                draft.balance_date = Some(date_at(value, line, "DTASOF")?);
            }
            Tag::DtStart if inside(Tag::BankTranList) => {
                draft.start = Some(date_at(value, line, "DTSTART")?);
            }
            Tag::DtEnd if inside(Tag::BankTranList) => {
                draft.end = Some(date_at(value, line, "DTEND")?);
            }
            Tag::CurDef => draft.currency = currency_code(value),
            Tag::AcctId if inside(Tag::BankAcctFrom) || inside(Tag::CcAcctFrom) => {
                draft.account_id = Some(text::clean(value)).filter(|v| !v.is_empty());
            }
            _ => {}
        }
        Ok(())
    }
}

impl Visitor<Tag> for Ofx {
    fn open(
        &mut self,
        tag: Tag,
        _parents: &[Tag],
        _start: &quick_xml::events::BytesStart<'_>,
        line: usize,
    ) -> Result<(), ReadError> {
        match tag {
            Tag::StmtRs | Tag::CcStmtRs => self.statement = Some(StatementDraft::default()),
            Tag::StmtTrn if self.statement.is_some() => self.line = Some(LineDraft::new(line)),
            _ => {}
        }
        Ok(())
    }

    fn close(
        &mut self,
        tag: Tag,
        parents: &[Tag],
        text: &str,
        line: usize,
    ) -> Result<(), ReadError> {
        let value = text.trim();
        match tag {
            Tag::StmtRs | Tag::CcStmtRs => {
                if let Some(draft) = self.statement.take() {
                    let closing = draft.balance.and_then(|amount| {
                        Some(StatedBalance {
                            amount,
                            date: draft.balance_date.or(draft.end)?,
                        })
                    });
                    self.statements.push(ParsedStatement {
                        format: self.format,
                        account_id: draft.account_id,
                        currency: draft.currency,
                        opening: None,
                        closing,
                        period: draft.start.zip(draft.end),
                        lines: draft.lines,
                    });
                }
            }
            Tag::StmtTrn => {
                if let (Some(draft), Some(statement)) = (self.line.take(), self.statement.as_mut())
                {
                    self.lines_read += 1;
                    if self.lines_read > bounds::MAX_LINES {
                        return Err(ReadError::at(
                            line,
                            format!("the file has more than {} transactions", bounds::MAX_LINES),
                            "export a shorter period from the bank",
                        ));
                    }
                    statement.lines.push(draft.finish()?);
                }
            }
            Tag::Code if parents.contains(&Tag::Status) => {
                if value != "0" && self.status.is_none() {
                    self.status = Some((text::clean(value), String::new()));
                }
            }
            Tag::Message if parents.contains(&Tag::Status) => {
                if let Some(status) = self.status.as_mut().filter(|status| status.1.is_empty()) {
                    status.1 = text::clean(value);
                }
            }
            _ if self.line.is_some() => self.line_field(tag, parents, value, line)?,
            _ => self.statement_field(tag, parents, value, line)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_the_banks_day() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2);
        assert_eq!(ofx_date("20261102"), day);
        assert_eq!(ofx_date("20261102120000.000[-5:EST]"), day);
        assert_eq!(ofx_date("20261102235959[+9:JST]"), day);
        assert_eq!(ofx_date("2026110"), None);
        assert_eq!(ofx_date("20261302"), None);
        assert_eq!(ofx_date("]2026[1102"), None);
    }

    #[test]
    fn the_declared_charset_is_found() {
        assert_eq!(
            declared_charset(b"OFXHEADER:100\r\nENCODING:USASCII\r\nCHARSET:1252\r\n<OFX>\xC9")
                .unwrap(),
            Some(Charset::Windows1252)
        );
        assert_eq!(
            declared_charset(b"OFXHEADER:100\r\nENCODING:UTF-8\r\nCHARSET:NONE\r\n<OFX>\xC3\xA9")
                .unwrap(),
            Some(Charset::Utf8)
        );
        assert_eq!(
            declared_charset(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><OFX>\xC9").unwrap(),
            Some(Charset::Windows1252)
        );
        assert!(declared_charset(b"OFXHEADER:100\r\nCHARSET:437\r\n<OFX>\x82").is_err());
    }
}
