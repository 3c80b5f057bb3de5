//! Statements of any length in the three formats, written as the fixtures' banks write them, for
//! the adversarial tests (10,000 lines of one amount) and the import bench (5,000 and 200,000
//! lines). Line `i` is on day `i % 28 + 1` of November 2026; its amount is `amount(i)`.
#![allow(dead_code)]

/// The amount of line `i` in cents, when the lines are not all alike: credits and debits.
pub fn varied(i: usize) -> i64 {
    let cents = ((i * 7_919) % 250_000) as i64 + 1;
    if i.is_multiple_of(3) { cents } else { -cents }
}

/// Every line 12.50.
pub fn same(_: usize) -> i64 {
    1_250
}

fn money(cents: i64, mark: char) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}{}{mark}{:02}", cents / 100, cents % 100)
}

fn day(i: usize) -> usize {
    i % 28 + 1
}

/// A US bank's CSV (the fixture `usbank-checking.csv`'s columns), oldest first.
pub fn csv(lines: usize, amount: fn(usize) -> i64) -> Vec<u8> {
    let mut out =
        String::from("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #\n");
    let mut balance: i64 = 1_000_000;
    for i in 0..lines {
        let cents = amount(i);
        balance += cents;
        let details = if cents < 0 { "DEBIT" } else { "CREDIT" };
        out.push_str(&format!(
            "{details},11/{:02}/2026,\"SQUARE INC SQ2611{:02} {i:08} CCD ID: 9424300002\",{},ACH,{},,\n",
            day(i),
            day(i),
            money(cents, '.'),
            money(balance, '.'),
        ));
    }
    out.into_bytes()
}

/// The rules for [`csv`].
pub const CSV_RULES: &str = "skip 1\nfields _, date, description, amount, _, balance, _\ndate-format %m/%d/%Y\ncurrency USD\n";

/// A CAMT.053.001.02 statement with one `TxDtls` per entry. Entries are compact (about 300
/// bytes; banks write 1–2 KB) so that 200,000 of them stay within the file bound.
pub fn camt(lines: usize, amount: fn(usize) -> i64) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n<BkToCstmrStmt>\n<GrpHdr><MsgId>GEN</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>\n<Stmt>\n<Id>GEN-1</Id>\n<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>\n",
    );
    let total: i64 = (0..lines).map(amount).sum();
    let balance = |cents: i64, date: &str, code: &str| {
        let indicator = if cents < 0 { "DBIT" } else { "CRDT" };
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>\n",
            money(cents.abs(), '.')
        )
    };
    out.push_str(&balance(1_000_000, "2026-11-01", "OPBD"));
    out.push_str(&balance(1_000_000 + total, "2026-11-30", "CLBD"));
    for i in 0..lines {
        let cents = amount(i);
        let (indicator, party) = if cents < 0 {
            ("DBIT", "Cdtr")
        } else {
            ("CRDT", "Dbtr")
        };
        out.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-{d:02}</Dt></BookgDt><AcctSvcrRef>2026{i:012}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><{party}><Nm>Kundin {i}</Nm></{party}></RltdPties><RmtInf><Ustrd>Rechnung {i}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n",
            amount = money(cents.abs(), '.'),
            d = day(i),
        ));
    }
    out.push_str("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
    out.into_bytes()
}

/// An OFX 1.02 SGML bank statement (the credit union fixture's shape).
pub fn ofx(lines: usize, amount: fn(usize) -> i64) -> Vec<u8> {
    let mut out = String::from(
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n<OFX>\r\n<BANKMSGSRSV1>\r\n<STMTTRNRS>\r\n<STMTRS>\r\n<CURDEF>USD\r\n<BANKACCTFROM>\r\n<BANKID>321177586\r\n<ACCTID>0001234567\r\n<ACCTTYPE>CHECKING\r\n</BANKACCTFROM>\r\n<BANKTRANLIST>\r\n<DTSTART>20261101\r\n<DTEND>20261130\r\n",
    );
    for i in 0..lines {
        let cents = amount(i);
        out.push_str(&format!(
            "<STMTTRN>\r\n<TRNTYPE>{}\r\n<DTPOSTED>202611{:02}120000.000[-5:EST]\r\n<TRNAMT>{}\r\n<FITID>{i:012}\r\n<NAME>SQUARE INC {i}\r\n<MEMO>DEPOSIT\r\n</STMTTRN>\r\n",
            if cents < 0 { "DEBIT" } else { "CREDIT" },
            day(i),
            money(cents, '.'),
        ));
    }
    out.push_str("</BANKTRANLIST>\r\n<LEDGERBAL>\r\n<BALAMT>0.00\r\n<DTASOF>20261130\r\n</LEDGERBAL>\r\n</STMTRS>\r\n</STMTTRNRS>\r\n</BANKMSGSRSV1>\r\n</OFX>\r\n");
    out.into_bytes()
}
