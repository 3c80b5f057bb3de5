//! ISO 20022 CAMT.053 end-of-day statements, `camt.053.001.02` to `.13`, read as a stream.
//! Each `Stmt` is a statement: the account (`Acct/Id/IBAN`, else `Othr/Id`) and its `Ccy`,
//! `OPBD` (else `PRCD`) as the opening and `CLBD` as the closing balance, `FrToDt` as the
//! period. Each booked `Ntry` is a line: `Amt` signed by `CdtDbtInd`, `BookgDt` and `ValDt`,
//! `AcctSvcrRef` (else `NtryRef`) as the bank's id, the bank transaction code as its kind. A
//! reversal (`RvslInd`) keeps the sign its `CdtDbtInd` gives and says so in the memo. One
//! `TxDtls` is folded into the line (the counterparty as payee: the debtor of a credit, the
//! creditor of a debit; `RmtInf/Ustrd` as memo); several become the line's parts. Pending and
//! information-only entries (`Sts` other than `BOOK`) are not lines: the balances leave them out.

use chrono::NaiveDate;
use quick_xml::events::BytesStart;
use rust_decimal::Decimal;

use super::amount::{self, DecimalMark};
use super::statement::{
    LinePart, ParsedLine, ParsedStatement, ReadError, StatedBalance, StatementFormat, bounds,
};
use super::text::{self, Charset};
use super::xml::{self, Visitor};

/// The versions of the message this reader knows.
const VERSIONS: std::ops::RangeInclusive<u32> = 2..=13;

/// Reads every statement (`Stmt`) of a CAMT.053 file.
pub fn read(bytes: &[u8]) -> Result<Vec<ParsedStatement>, ReadError> {
    text::check_size(bytes)?;
    let declared = declared_charset(bytes)?;
    let text = text::decode(bytes, Some(declared))?;
    let mut reader = Camt::default();
    xml::walk(&text, 1, tag_of, &mut reader)?;
    if !reader.seen_document {
        return Err(not_camt("it has no XML elements"));
    }
    if reader.statements.is_empty() {
        return Err(ReadError::at(
            0,
            "this CAMT.053 file holds no statement (no `Stmt` element)",
            "export the account's end-of-day statement again from the bank",
        ));
    }
    Ok(reader.statements)
}

/// XML says its encoding in its declaration, UTF-8 when it does not.
fn declared_charset(bytes: &[u8]) -> Result<Charset, ReadError> {
    let head = super::detect::head(bytes);
    let Some(decl) = head.trim_start().strip_prefix("<?xml") else {
        return Ok(Charset::Utf8);
    };
    let decl = decl.split("?>").next().unwrap_or_default();
    let Some((_, rest)) = decl.split_once("encoding") else {
        return Ok(Charset::Utf8);
    };
    let label = rest
        .trim_start_matches([' ', '='])
        .trim_start_matches(['"', '\''])
        .split(['"', '\''])
        .next()
        .unwrap_or_default();
    match label.to_ascii_lowercase().as_str() {
        // A byte-order mark, which decoding honours first, is how UTF-16 files say so.
        "utf-16" | "utf-16le" | "utf-16be" => Ok(Charset::Utf8),
        _ => Charset::from_label(label).ok_or_else(|| {
            ReadError::at(
                1,
                format!(
                    "the file says its characters are `{}`, which I cannot read",
                    text::clean(label)
                ),
                "export the statement as UTF-8 (the CAMT standard's encoding)",
            )
        }),
    }
}

fn not_camt(why: &str) -> ReadError {
    ReadError::at(
        1,
        format!("this is not a CAMT.053 statement: {why}"),
        "export the end-of-day statement (camt.053, versions .02 to .13) from the bank; \
         camt.052 and camt.054 are intraday reports and notifications",
    )
}

/// The elements this reader looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Document,
    Stmt,
    Acct,
    Id,
    Iban,
    Othr,
    Ccy,
    Bal,
    Tp,
    CdOrPrtry,
    Cd,
    Prtry,
    Amt,
    CdtDbtInd,
    Dt,
    DtTm,
    FrToDt,
    FrDtTm,
    ToDtTm,
    Ntry,
    NtryRef,
    RvslInd,
    Sts,
    BookgDt,
    ValDt,
    AcctSvcrRef,
    BkTxCd,
    Domn,
    Fmly,
    SubFmlyCd,
    AddtlNtryInf,
    TxDtls,
    Refs,
    EndToEndId,
    AmtDtls,
    TxAmt,
    RltdPties,
    Dbtr,
    Cdtr,
    UltmtDbtr,
    UltmtCdtr,
    Pty,
    Nm,
    RmtInf,
    Ustrd,
    AddtlTxInf,
    Other,
}

fn tag_of(name: &[u8]) -> Tag {
    match name {
        b"Document" => Tag::Document,
        b"Stmt" => Tag::Stmt,
        b"Acct" => Tag::Acct,
        b"Id" => Tag::Id,
        b"IBAN" => Tag::Iban,
        b"Othr" => Tag::Othr,
        b"Ccy" => Tag::Ccy,
        b"Bal" => Tag::Bal,
        b"Tp" => Tag::Tp,
        b"CdOrPrtry" => Tag::CdOrPrtry,
        b"Cd" => Tag::Cd,
        b"Prtry" => Tag::Prtry,
        b"Amt" => Tag::Amt,
        b"CdtDbtInd" => Tag::CdtDbtInd,
        b"Dt" => Tag::Dt,
        b"DtTm" => Tag::DtTm,
        b"FrToDt" => Tag::FrToDt,
        b"FrDtTm" => Tag::FrDtTm,
        b"ToDtTm" => Tag::ToDtTm,
        b"Ntry" => Tag::Ntry,
        b"NtryRef" => Tag::NtryRef,
        b"RvslInd" => Tag::RvslInd,
        b"Sts" => Tag::Sts,
        b"BookgDt" => Tag::BookgDt,
        b"ValDt" => Tag::ValDt,
        b"AcctSvcrRef" => Tag::AcctSvcrRef,
        b"BkTxCd" => Tag::BkTxCd,
        b"Domn" => Tag::Domn,
        b"Fmly" => Tag::Fmly,
        b"SubFmlyCd" => Tag::SubFmlyCd,
        b"AddtlNtryInf" => Tag::AddtlNtryInf,
        b"TxDtls" => Tag::TxDtls,
        b"Refs" => Tag::Refs,
        b"EndToEndId" => Tag::EndToEndId,
        b"AmtDtls" => Tag::AmtDtls,
        b"TxAmt" => Tag::TxAmt,
        b"RltdPties" => Tag::RltdPties,
        b"Dbtr" => Tag::Dbtr,
        b"Cdtr" => Tag::Cdtr,
        b"UltmtDbtr" => Tag::UltmtDbtr,
        b"UltmtCdtr" => Tag::UltmtCdtr,
        b"Pty" => Tag::Pty,
        b"Nm" => Tag::Nm,
        b"RmtInf" => Tag::RmtInf,
        b"Ustrd" => Tag::Ustrd,
        b"AddtlTxInf" => Tag::AddtlTxInf,
        _ => Tag::Other,
    }
}

/// Whether the innermost parents are `tail`, in order.
fn under(parents: &[Tag], tail: &[Tag]) -> bool {
    parents.ends_with(tail)
}

/// An ISO date, or the date of an ISO date-time (`2026-11-02T10:00:00+01:00`).
fn iso_date(value: &str) -> Option<NaiveDate> {
    let day = value.trim().get(..10)?;
    let bytes = day.as_bytes();
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| day.get(range)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )
}

fn date_at(value: &str, line: usize) -> Result<NaiveDate, ReadError> {
    iso_date(value).ok_or_else(|| {
        ReadError::at(
            line,
            format!("`{}` is not a date", text::clean(value)),
            "CAMT dates are written 2026-11-02; the file may be damaged: export it again",
        )
    })
}

fn amount_at(value: &str, line: usize) -> Result<Decimal, ReadError> {
    amount::parse(value, DecimalMark::Point).map_err(|e| {
        ReadError::at(
            line,
            e.describe(value, DecimalMark::Point),
            "CAMT amounts are written 1234.56; the file may be damaged: export it again",
        )
    })
}

/// `CRDT` or `DBIT`: whether the amount is money in.
fn credit_at(value: &str, line: usize) -> Result<bool, ReadError> {
    match value {
        "CRDT" => Ok(true),
        "DBIT" => Ok(false),
        _ => Err(ReadError::at(
            line,
            format!("`{}` is neither CRDT nor DBIT", text::clean(value)),
            "the file may be damaged: export it again",
        )),
    }
}

fn signed(amount: Decimal, credit: bool) -> Decimal {
    if credit { amount } else { -amount }
}

/// A reference that says there is none.
fn real_reference(value: &str) -> Option<String> {
    let value = text::clean(value);
    let none = value.is_empty()
        || value.eq_ignore_ascii_case("NOTPROVIDED")
        || value.eq_ignore_ascii_case("NONREF")
        || value.eq_ignore_ascii_case("NOT PROVIDED");
    (!none).then_some(value)
}

#[derive(Default)]
struct StatementDraft {
    account_id: Option<String>,
    other_id: Option<String>,
    currency: Option<String>,
    opening: Option<(StatedBalance, bool)>,
    closing: Option<StatedBalance>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    lines: Vec<ParsedLine>,
}

#[derive(Default)]
struct BalanceDraft {
    code: String,
    amount: Option<Decimal>,
    currency: Option<String>,
    credit: Option<bool>,
    date: Option<NaiveDate>,
    line: usize,
}

/// The names of a transaction's parties.
#[derive(Default)]
struct Parties {
    debtor: String,
    creditor: String,
    ultimate_debtor: String,
    ultimate_creditor: String,
}

impl Parties {
    /// The other side: who paid a credit, who was paid by a debit.
    fn counterparty(&self, credit: bool) -> &str {
        let (first, second) = if credit {
            (&self.debtor, &self.ultimate_debtor)
        } else {
            (&self.creditor, &self.ultimate_creditor)
        };
        if first.is_empty() { second } else { first }
    }
}

#[derive(Default)]
struct PartDraft {
    amount: Option<Decimal>,
    credit: Option<bool>,
    end_to_end: Option<String>,
    reference: Option<String>,
    parties: Parties,
    memo: Vec<String>,
}

#[derive(Default)]
struct EntryDraft {
    line: usize,
    amount: Option<Decimal>,
    currency: Option<String>,
    credit: Option<bool>,
    reversal: bool,
    status: Option<String>,
    booked: Option<NaiveDate>,
    value: Option<NaiveDate>,
    servicer_ref: Option<String>,
    entry_ref: Option<String>,
    domain: String,
    family: String,
    sub_family: String,
    proprietary: String,
    info: String,
    parts: Vec<PartDraft>,
}

impl EntryDraft {
    fn missing(&self, what: &str) -> ReadError {
        ReadError::at(
            self.line,
            format!("this entry (Ntry) has no {what}"),
            "the file may be damaged or cut short: export it again from the bank",
        )
    }

    /// The line, or `None` for an entry that is not booked.
    fn finish(self) -> Result<Option<ParsedLine>, ReadError> {
        if self.status.as_deref().is_some_and(|s| s != "BOOK") {
            return Ok(None);
        }
        let amount = self.amount.ok_or_else(|| self.missing("amount (Amt)"))?;
        let credit = self
            .credit
            .ok_or_else(|| self.missing("direction (CdtDbtInd)"))?;
        let date = self
            .booked
            .or(self.value)
            .ok_or_else(|| self.missing("booking date (BookgDt)"))?;
        let kind = if !self.domain.is_empty() {
            Some(
                [&self.domain, &self.family, &self.sub_family]
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join("/"),
            )
        } else {
            Some(self.proprietary).filter(|p| !p.is_empty())
        };
        let mut memo: Vec<String> = Vec::new();
        if self.reversal {
            memo.push("Reversal".to_owned());
        }
        // A reversal names the parties of the payment it undoes: the other side of a reversed
        // debit is its creditor.
        let other_side = |credit: bool| credit != self.reversal;
        let (payee, parts) = match self.parts.as_slice() {
            [one] => {
                memo.extend(one.memo.iter().cloned());
                let party = one.parties.counterparty(other_side(credit));
                (party.to_owned(), Vec::new())
            }
            [] => (String::new(), Vec::new()),
            several => {
                let parts: Option<Vec<LinePart>> = several
                    .iter()
                    .map(|part| {
                        let part_credit = part.credit.unwrap_or(credit);
                        Some(LinePart {
                            amount: signed(part.amount?, part_credit),
                            payee: text::clean(part.parties.counterparty(other_side(part_credit))),
                            memo: text::clean(&part.memo.join(" ")),
                            reference: part.end_to_end.clone().or_else(|| part.reference.clone()),
                        })
                    })
                    .collect();
                if self.info.is_empty() {
                    memo.push(format!("batch of {} transactions", several.len()));
                }
                (String::new(), parts.unwrap_or_default())
            }
        };
        if !self.info.is_empty() && !memo.contains(&self.info) {
            memo.push(self.info);
        }
        Ok(Some(ParsedLine {
            file_line: self.line,
            date,
            value_date: self.value,
            amount: signed(amount, credit),
            currency: self.currency,
            payee: text::clean(&payee),
            memo: text::clean(&memo.join(" ")),
            bank_id: self.servicer_ref.or(self.entry_ref),
            kind,
            balance_after: None,
            parts,
        }))
    }
}

#[derive(Default)]
struct Camt {
    seen_document: bool,
    statements: Vec<ParsedStatement>,
    statement: Option<StatementDraft>,
    balance: Option<BalanceDraft>,
    entry: Option<EntryDraft>,
    part: Option<PartDraft>,
    /// The `Ccy` of the `Amt` element being read.
    amount_currency: Option<String>,
    lines_read: usize,
}

impl Camt {
    /// The root must be a `Document` in a camt.053 namespace of a known version.
    fn check_root(start: &BytesStart<'_>, tag: Tag) -> Result<(), ReadError> {
        if tag != Tag::Document {
            return Err(not_camt("its first element is not `Document`"));
        }
        let namespaces: Vec<String> = start
            .attributes()
            .flatten()
            .filter(|a| a.key.as_ref().starts_with(b"xmlns"))
            .filter_map(|a| a.unescape_value().ok().map(|v| v.into_owned()))
            .collect();
        let version = namespaces.iter().find_map(|ns| {
            let (_, rest) = ns.split_once("camt.053.001.")?;
            rest.get(..2)?.parse::<u32>().ok()
        });
        match version {
            Some(v) if VERSIONS.contains(&v) => Ok(()),
            Some(v) => Err(not_camt(&format!(
                "its version camt.053.001.{v:02} is not one I know"
            ))),
            None => {
                let other = namespaces
                    .iter()
                    .find(|ns| ns.contains("camt."))
                    .map(|ns| text::clean(ns));
                Err(not_camt(&match other {
                    Some(ns) => format!("its namespace is {ns}"),
                    None => "it has no camt.053 namespace".to_owned(),
                }))
            }
        }
    }

    fn statement_field(
        &mut self,
        tag: Tag,
        parents: &[Tag],
        value: &str,
        line: usize,
    ) -> Result<(), ReadError> {
        let Some(statement) = self.statement.as_mut() else {
            return Ok(());
        };
        match tag {
            Tag::Iban if under(parents, &[Tag::Stmt, Tag::Acct, Tag::Id]) => {
                statement.account_id = Some(text::clean(value)).filter(|v| !v.is_empty());
            }
            Tag::Id if under(parents, &[Tag::Stmt, Tag::Acct, Tag::Id, Tag::Othr]) => {
                statement.other_id = Some(text::clean(value)).filter(|v| !v.is_empty());
            }
            Tag::Ccy if under(parents, &[Tag::Stmt, Tag::Acct]) => {
                statement.currency = currency_code(value);
            }
            Tag::FrDtTm if under(parents, &[Tag::Stmt, Tag::FrToDt]) => {
                statement.from = Some(date_at(value, line)?);
            }
            Tag::ToDtTm if under(parents, &[Tag::Stmt, Tag::FrToDt]) => {
                statement.to = Some(date_at(value, line)?);
            }
            _ => {}
        }
        Ok(())
    }

    fn balance_field(
        &mut self,
        tag: Tag,
        parents: &[Tag],
        value: &str,
        line: usize,
    ) -> Result<(), ReadError> {
        let Some(balance) = self.balance.as_mut() else {
            return Ok(());
        };
        match tag {
            Tag::Cd if under(parents, &[Tag::Bal, Tag::Tp, Tag::CdOrPrtry]) => {
                balance.code = value.to_owned();
            }
            Tag::Amt if under(parents, &[Tag::Bal]) => {
                balance.amount = Some(amount_at(value, line)?);
                balance.currency = self.amount_currency.take();
            }
            Tag::CdtDbtInd if under(parents, &[Tag::Bal]) => {
                balance.credit = Some(credit_at(value, line)?);
            }
            Tag::Dt | Tag::DtTm if under(parents, &[Tag::Bal, Tag::Dt]) => {
                balance.date = Some(date_at(value, line)?);
            }
            _ => {}
        }
        Ok(())
    }

    fn finish_balance(&mut self) -> Result<(), ReadError> {
        let (Some(balance), Some(statement)) = (self.balance.take(), self.statement.as_mut())
        else {
            return Ok(());
        };
        let kind = balance.code.as_str();
        if !matches!(kind, "OPBD" | "PRCD" | "CLBD") {
            return Ok(());
        }
        let incomplete = |what: &str| {
            ReadError::at(
                balance.line,
                format!("the {kind} balance has no {what}"),
                "the file may be damaged: export it again from the bank",
            )
        };
        let amount = balance.amount.ok_or_else(|| incomplete("amount (Amt)"))?;
        let credit = balance
            .credit
            .ok_or_else(|| incomplete("direction (CdtDbtInd)"))?;
        let date = balance.date.ok_or_else(|| incomplete("date (Dt)"))?;
        let stated = StatedBalance {
            amount: signed(amount, credit),
            date,
        };
        if statement.currency.is_none() {
            statement.currency = balance.currency.as_deref().and_then(currency_code);
        }
        match kind {
            // The opening booked balance wins over the previous statement's closing.
            "OPBD" => statement.opening = Some((stated, true)),
            "PRCD" if statement.opening.is_none() => statement.opening = Some((stated, false)),
            "CLBD" => statement.closing = Some(stated),
            _ => {}
        }
        Ok(())
    }

    fn entry_field(
        &mut self,
        tag: Tag,
        parents: &[Tag],
        value: &str,
        line: usize,
    ) -> Result<(), ReadError> {
        let Some(entry) = self.entry.as_mut() else {
            return Ok(());
        };
        if let Some(part) = self.part.as_mut() {
            return part_field(part, tag, parents, value, line, &mut self.amount_currency);
        }
        match tag {
            Tag::Amt if under(parents, &[Tag::Ntry]) => {
                entry.amount = Some(amount_at(value, line)?);
                entry.currency = self
                    .amount_currency
                    .take()
                    .as_deref()
                    .and_then(currency_code);
            }
            Tag::CdtDbtInd if under(parents, &[Tag::Ntry]) => {
                entry.credit = Some(credit_at(value, line)?);
            }
            Tag::RvslInd if under(parents, &[Tag::Ntry]) => {
                entry.reversal = value.eq_ignore_ascii_case("true") || value == "1";
            }
            // `<Sts>BOOK</Sts>` until .07, `<Sts><Cd>BOOK</Cd></Sts>` from .08.
            Tag::Sts if under(parents, &[Tag::Ntry]) && !value.is_empty() => {
                entry.status = Some(value.to_owned());
            }
            Tag::Cd if under(parents, &[Tag::Ntry, Tag::Sts]) => {
                entry.status = Some(value.to_owned());
            }
            Tag::Dt | Tag::DtTm if under(parents, &[Tag::Ntry, Tag::BookgDt]) => {
                entry.booked = Some(date_at(value, line)?);
            }
            Tag::Dt | Tag::DtTm if under(parents, &[Tag::Ntry, Tag::ValDt]) => {
                entry.value = Some(date_at(value, line)?);
            }
            Tag::AcctSvcrRef if under(parents, &[Tag::Ntry]) => {
                entry.servicer_ref = real_reference(value);
            }
            Tag::NtryRef if under(parents, &[Tag::Ntry]) => entry.entry_ref = real_reference(value),
            Tag::Cd if under(parents, &[Tag::BkTxCd, Tag::Domn]) => {
                entry.domain = text::clean(value)
            }
            Tag::Cd if under(parents, &[Tag::BkTxCd, Tag::Domn, Tag::Fmly]) => {
                entry.family = text::clean(value);
            }
            Tag::SubFmlyCd if under(parents, &[Tag::Domn, Tag::Fmly]) => {
                entry.sub_family = text::clean(value);
            }
            Tag::Cd if under(parents, &[Tag::BkTxCd, Tag::Prtry]) => {
                entry.proprietary = text::clean(value);
            }
            Tag::AddtlNtryInf if under(parents, &[Tag::Ntry]) => entry.info = text::clean(value),
            _ => {}
        }
        Ok(())
    }

    fn finish_entry(&mut self, line: usize) -> Result<(), ReadError> {
        let (Some(entry), Some(statement)) = (self.entry.take(), self.statement.as_mut()) else {
            return Ok(());
        };
        if let Some(parsed) = entry.finish()? {
            self.lines_read += 1;
            if self.lines_read > bounds::MAX_LINES {
                return Err(ReadError::at(
                    line,
                    format!("the file has more than {} entries", bounds::MAX_LINES),
                    "export a shorter period from the bank",
                ));
            }
            statement.lines.push(parsed);
        }
        Ok(())
    }

    fn finish_statement(&mut self) {
        let Some(draft) = self.statement.take() else {
            return;
        };
        let currency = draft
            .currency
            .or_else(|| draft.lines.iter().find_map(|l| l.currency.clone()));
        self.statements.push(ParsedStatement {
            format: StatementFormat::Camt053,
            account_id: draft.account_id.or(draft.other_id),
            currency,
            opening: draft.opening.map(|(balance, _)| balance),
            closing: draft.closing,
            period: draft.from.zip(draft.to),
            lines: draft.lines,
        });
    }
}

/// A field of one `TxDtls`.
fn part_field(
    part: &mut PartDraft,
    tag: Tag,
    parents: &[Tag],
    value: &str,
    line: usize,
    amount_currency: &mut Option<String>,
) -> Result<(), ReadError> {
    let party = |parents: &[Tag]| {
        let at = parents.iter().rposition(|t| *t == Tag::RltdPties)?;
        parents.get(at + 1).copied()
    };
    match tag {
        Tag::Amt
            if under(parents, &[Tag::TxDtls])
                || under(parents, &[Tag::TxDtls, Tag::AmtDtls, Tag::TxAmt]) =>
        {
            part.amount = Some(amount_at(value, line)?);
            *amount_currency = None;
        }
        Tag::CdtDbtInd if under(parents, &[Tag::TxDtls]) => {
            part.credit = Some(credit_at(value, line)?);
        }
        Tag::EndToEndId if under(parents, &[Tag::TxDtls, Tag::Refs]) => {
            part.end_to_end = real_reference(value);
        }
        Tag::AcctSvcrRef if under(parents, &[Tag::TxDtls, Tag::Refs]) => {
            part.reference = real_reference(value);
        }
        // `RltdPties/Dbtr/Nm` until .07, `RltdPties/Dbtr/Pty/Nm` from .08.
        Tag::Nm if parents.contains(&Tag::RltdPties) => {
            let slot = match party(parents) {
                Some(Tag::Dbtr) => &mut part.parties.debtor,
                Some(Tag::Cdtr) => &mut part.parties.creditor,
                Some(Tag::UltmtDbtr) => &mut part.parties.ultimate_debtor,
                Some(Tag::UltmtCdtr) => &mut part.parties.ultimate_creditor,
                _ => return Ok(()),
            };
            if slot.is_empty() {
                *slot = value.to_owned();
            }
        }
        Tag::Ustrd if under(parents, &[Tag::RmtInf]) && !value.is_empty() => {
            part.memo.push(value.to_owned());
        }
        Tag::AddtlTxInf if under(parents, &[Tag::TxDtls]) && !value.is_empty() => {
            part.memo.push(value.to_owned());
        }
        _ => {}
    }
    Ok(())
}

/// A currency code: three letters.
fn currency_code(value: &str) -> Option<String> {
    let value = value.trim();
    (value.len() == 3 && value.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| value.to_ascii_uppercase())
}

impl Visitor<Tag> for Camt {
    fn open(
        &mut self,
        tag: Tag,
        _parents: &[Tag],
        start: &BytesStart<'_>,
        line: usize,
    ) -> Result<(), ReadError> {
        if !self.seen_document {
            Camt::check_root(start, tag)?;
            self.seen_document = true;
            return Ok(());
        }
        match tag {
            Tag::Stmt => self.statement = Some(StatementDraft::default()),
            Tag::Bal if self.statement.is_some() => {
                self.balance = Some(BalanceDraft {
                    line,
                    ..BalanceDraft::default()
                });
            }
            Tag::Ntry if self.statement.is_some() => {
                self.entry = Some(EntryDraft {
                    line,
                    ..EntryDraft::default()
                });
            }
            Tag::TxDtls if self.entry.is_some() => {
                let parts = self.entry.as_ref().map_or(0, |e| e.parts.len());
                if parts >= bounds::MAX_PARTS {
                    return Err(ReadError::at(
                        line,
                        format!(
                            "this entry has more than {} transactions",
                            bounds::MAX_PARTS
                        ),
                        "ask the bank for the statement without batched entries",
                    ));
                }
                self.part = Some(PartDraft::default());
            }
            Tag::Amt => self.amount_currency = xml::attribute(start, b"Ccy"),
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
            Tag::Stmt => self.finish_statement(),
            Tag::Bal => self.finish_balance()?,
            Tag::Ntry => self.finish_entry(line)?,
            Tag::TxDtls => {
                if let (Some(part), Some(entry)) = (self.part.take(), self.entry.as_mut()) {
                    entry.parts.push(part);
                }
            }
            _ if self.entry.is_some() => self.entry_field(tag, parents, value, line)?,
            _ if self.balance.is_some() => self.balance_field(tag, parents, value, line)?,
            _ => self.statement_field(tag, parents, value, line)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_date_times() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2);
        assert_eq!(iso_date("2026-11-02"), day);
        assert_eq!(iso_date("2026-11-02T23:30:00+01:00"), day);
        assert_eq!(iso_date("02.11.2026"), None);
        assert_eq!(iso_date("2026-13-02"), None);
    }

    #[test]
    fn the_namespace_decides() {
        let read = |ns: &str| {
            read(
                format!(
                    "<Document xmlns=\"{ns}\"><BkToCstmrStmt><Stmt/></BkToCstmrStmt></Document>"
                )
                .as_bytes(),
            )
        };
        assert!(read("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02").is_ok());
        assert!(read("urn:iso:std:iso:20022:tech:xsd:camt.053.001.13").is_ok());
        assert!(read("urn:iso:std:iso:20022:tech:xsd:camt.053.001.14").is_err());
        let report = read("urn:iso:std:iso:20022:tech:xsd:camt.052.001.02").unwrap_err();
        assert!(report.what.contains("camt.052"), "{report}");
    }
}
