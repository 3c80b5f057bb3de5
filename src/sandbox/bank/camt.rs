//! The statement as ISO 20022 `camt.053.001.02` (bank-to-customer statement): opening (`OPBD`)
//! and closing (`CLBD`) balances, a transactions summary, and an `Ntry` per booked line with its
//! bank transaction code and one `TxDtls`. A processor's payout split in two is booked as one
//! entry carrying a `TxDtls` per part, as banks book an ACH batch. Elements in the schema's
//! order; text cut to the schema's lengths and escaped.

use rust_decimal::Decimal;

use super::xml::Node;
use super::{BankLine, LineKind, Statement, money};

/// `Max140Text`, `Max500Text`, `Max35Text`.
const TEXT_140: usize = 140;
const TEXT_500: usize = 500;
const TEXT_35: usize = 35;

pub(super) fn write(statement: &Statement) -> Vec<u8> {
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    text.push_str(&document(statement).xml());
    text.into_bytes()
}

fn document(statement: &Statement) -> Node {
    let account = &statement.account;
    let created = statement.written_at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let id = format!(
        "{}-{}-{}",
        account.number,
        statement.from.format("%Y%m%d"),
        statement.to.format("%Y%m%d")
    );
    let entries = entries(&statement.lines);
    let mut stmt = vec![
        Node::leaf("Id", cut(&id, TEXT_35)),
        Node::leaf("CreDtTm", created.clone()),
        Node::parent(
            "FrToDt",
            vec![
                Node::leaf("FrDtTm", format!("{}T00:00:00", statement.from)),
                Node::leaf("ToDtTm", format!("{}T23:59:59", statement.to)),
            ],
        ),
        Node::parent(
            "Acct",
            vec![
                Node::parent(
                    "Id",
                    vec![Node::parent(
                        "Othr",
                        vec![Node::leaf("Id", account.number.clone())],
                    )],
                ),
                Node::leaf("Ccy", account.currency.clone()),
                Node::parent("Ownr", vec![Node::leaf("Nm", account.holder.clone())]),
                Node::parent(
                    "Svcr",
                    vec![Node::parent(
                        "FinInstnId",
                        vec![Node::leaf("BIC", account.bic.clone())],
                    )],
                ),
            ],
        ),
        balance(
            "OPBD",
            statement.opening,
            &statement.from.to_string(),
            &account.currency,
        ),
        balance(
            "CLBD",
            statement.closing,
            &statement.to.to_string(),
            &account.currency,
        ),
        summary(&statement.lines),
    ];
    stmt.extend(entries.iter().map(|parts| entry(parts, &account.currency)));
    Node::parent(
        "Document",
        vec![Node::parent(
            "BkToCstmrStmt",
            vec![
                Node::parent(
                    "GrpHdr",
                    vec![
                        Node::leaf("MsgId", cut(&format!("STMT{id}"), TEXT_35)),
                        Node::leaf("CreDtTm", created),
                    ],
                ),
                Node::parent("Stmt", stmt),
            ],
        )],
    )
    .with_attribute("xmlns", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02")
    .with_attribute("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
}

/// The lines grouped into entries: a batch's lines of one day together, others alone.
fn entries(lines: &[BankLine]) -> Vec<Vec<&BankLine>> {
    let mut entries: Vec<Vec<&BankLine>> = Vec::new();
    for line in lines {
        let joins = entries
            .last()
            .and_then(|last| last.first())
            .is_some_and(|first| {
                line.batch.is_some() && first.batch == line.batch && first.date == line.date
            });
        match entries.last_mut() {
            Some(last) if joins => last.push(line),
            _ => entries.push(vec![line]),
        }
    }
    entries
}

fn amount(value: Decimal, currency: &str) -> Node {
    Node::leaf("Amt", money(value.abs())).with_attribute("Ccy", currency)
}

fn credit_or_debit(value: Decimal) -> Node {
    Node::leaf(
        "CdtDbtInd",
        if value.is_sign_negative() && !value.is_zero() {
            "DBIT"
        } else {
            "CRDT"
        },
    )
}

fn balance(code: &str, value: Decimal, day: &str, currency: &str) -> Node {
    Node::parent(
        "Bal",
        vec![
            Node::parent(
                "Tp",
                vec![Node::parent("CdOrPrtry", vec![Node::leaf("Cd", code)])],
            ),
            amount(value, currency),
            credit_or_debit(value),
            Node::parent("Dt", vec![Node::leaf("Dt", day)]),
        ],
    )
}

fn summary(lines: &[BankLine]) -> Node {
    let credits: Vec<Decimal> = lines
        .iter()
        .map(|l| l.amount)
        .filter(|a| !a.is_sign_negative())
        .collect();
    let debits: Vec<Decimal> = lines
        .iter()
        .map(|l| l.amount)
        .filter(|a| a.is_sign_negative())
        .collect();
    let net: Decimal = lines.iter().map(|l| l.amount).sum();
    let side = |name, amounts: &[Decimal]| {
        Node::parent(
            name,
            vec![
                Node::leaf("NbOfNtries", amounts.len().to_string()),
                Node::leaf("Sum", money(amounts.iter().sum::<Decimal>().abs())),
            ],
        )
    };
    Node::parent(
        "TxsSummry",
        vec![
            Node::parent(
                "TtlNtries",
                vec![
                    Node::leaf("NbOfNtries", lines.len().to_string()),
                    Node::leaf("TtlNetNtryAmt", money(net.abs())),
                    credit_or_debit(net),
                ],
            ),
            side("TtlCdtNtries", &credits),
            side("TtlDbtNtries", &debits),
        ],
    )
}

/// ISO 20022's bank transaction code (domain, family, sub-family) of a kind of line.
fn transaction_code(line: &BankLine) -> (&'static str, &'static str, &'static str) {
    match line.kind {
        LineKind::ProcessorDeposit if line.amount.is_sign_negative() => ("PMNT", "RDDT", "ADBT"),
        LineKind::ProcessorDeposit => ("PMNT", "RCDT", "ACDT"),
        LineKind::BranchDeposit => ("PMNT", "CNTR", "CDPT"),
        LineKind::AchDebit => ("PMNT", "RDDT", "ADBT"),
        LineKind::CardPurchase => ("PMNT", "CCRD", "POSD"),
        LineKind::ChequePaid => ("PMNT", "ICHQ", "CCHQ"),
        LineKind::Transfer => ("PMNT", "ICDT", "BOOK"),
        LineKind::ServiceFee => ("ACMT", "MDOP", "CHRG"),
    }
}

/// One entry: a line, or a batch of lines booked together.
fn entry(parts: &[&BankLine], currency: &str) -> Node {
    let Some(first) = parts.first() else {
        return Node::parent("Ntry", Vec::new());
    };
    let total: Decimal = parts.iter().map(|l| l.amount).sum();
    let reference = if parts.len() > 1 {
        format!("{}B", first.id)
    } else {
        first.id.clone()
    };
    let (domain, family, sub_family) = transaction_code(first);
    let day = first.date.to_string();
    let mut details = Vec::new();
    if parts.len() > 1 {
        details.push(Node::parent(
            "Btch",
            vec![
                Node::leaf("NbOfTxs", parts.len().to_string()),
                Node::leaf("TtlAmt", money(total.abs())).with_attribute("Ccy", currency),
                credit_or_debit(total),
            ],
        ));
    }
    details.extend(parts.iter().map(|line| transaction_details(line, currency)));
    Node::parent(
        "Ntry",
        vec![
            Node::leaf("NtryRef", reference.clone()),
            amount(total, currency),
            credit_or_debit(total),
            Node::leaf("Sts", "BOOK"),
            Node::parent("BookgDt", vec![Node::leaf("Dt", day.clone())]),
            Node::parent("ValDt", vec![Node::leaf("Dt", day)]),
            Node::leaf("AcctSvcrRef", reference),
            Node::parent(
                "BkTxCd",
                vec![Node::parent(
                    "Domn",
                    vec![
                        Node::leaf("Cd", domain),
                        Node::parent(
                            "Fmly",
                            vec![
                                Node::leaf("Cd", family),
                                Node::leaf("SubFmlyCd", sub_family),
                            ],
                        ),
                    ],
                )],
            ),
            Node::parent("NtryDtls", details),
            Node::leaf("AddtlNtryInf", cut(&first.description, TEXT_500)),
        ],
    )
}

fn transaction_details(line: &BankLine, currency: &str) -> Node {
    let mut references = vec![Node::leaf("AcctSvcrRef", line.id.clone())];
    if line.kind == LineKind::ChequePaid
        && let Some(number) = line.check_or_slip
    {
        references.push(Node::leaf("ChqNb", number.to_string()));
    }
    // Money in names who paid; money out, who was paid.
    let party = Node::leaf("Nm", cut(&line.party, TEXT_140));
    let related = if line.amount.is_sign_negative() {
        Node::parent("Cdtr", vec![party])
    } else {
        Node::parent("Dbtr", vec![party])
    };
    Node::parent(
        "TxDtls",
        vec![
            Node::parent("Refs", references),
            Node::parent(
                "AmtDtls",
                vec![Node::parent("TxAmt", vec![amount(line.amount, currency)])],
            ),
            Node::parent("RltdPties", vec![related]),
            Node::parent(
                "RmtInf",
                vec![Node::leaf("Ustrd", cut(&line.description, TEXT_140))],
            ),
        ],
    )
}

fn cut(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}
