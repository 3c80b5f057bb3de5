//! The statement as a US bank's CSV export (Chase's checking layout): the header
//! `Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #`, newest line first,
//! `MM/DD/YYYY` dates, the description always quoted, signed amounts with two decimals and no
//! thousands separator, the balance after each line, and the trailing comma that bank puts at
//! the end of every data row (one field more than the header). Lines end with CRLF.

use super::{BankLine, LineKind, Statement, money};

const HEADER: &str = "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #";

pub(super) fn write(statement: &Statement) -> Vec<u8> {
    let mut out = String::from(HEADER);
    out.push_str("\r\n");
    for line in statement.lines.iter().rev() {
        out.push_str(&row(line));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn row(line: &BankLine) -> String {
    let money_out = line.amount.is_sign_negative();
    let (details, kind) = match line.kind {
        LineKind::ProcessorDeposit if money_out => ("DEBIT", "ACH_DEBIT"),
        LineKind::ProcessorDeposit => ("CREDIT", "ACH_CREDIT"),
        LineKind::BranchDeposit => ("DSLIP", "DEPOSIT"),
        LineKind::AchDebit => ("DEBIT", "ACH_DEBIT"),
        LineKind::CardPurchase => ("DEBIT", "DEBIT_CARD"),
        LineKind::ChequePaid => ("CHECK", "CHECK_PAID"),
        LineKind::Transfer => ("DEBIT", "ACCT_XFER"),
        LineKind::ServiceFee => ("DEBIT", "FEE_TRANSACTION"),
    };
    let check_or_slip = line
        .check_or_slip
        .map(|n| n.to_string())
        .unwrap_or_default();
    format!(
        "{details},{date},\"{description}\",{amount},{kind},{balance},{check_or_slip},",
        date = line.date.format("%m/%d/%Y"),
        description = line
            .description
            .replace('"', "\"\"")
            .replace(['\r', '\n'], " "),
        amount = money(line.amount),
        balance = money(line.balance_after),
    )
}
