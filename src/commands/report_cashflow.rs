//! `legion-hub report cashflow [--days 30|60|90] [--format table|csv|json]`: the members'
//! autopays expected ahead, week by week and by payment method, beside what arrived over as many
//! days before, and the autopays at risk. Amounts keep their currency's minor digits: grouped in
//! the table, exact strings in CSV and JSON.

use serde::Serialize;

use crate::api::Role;
use crate::api::cashflow::CashFlow;
use crate::api::currency;
use crate::cli::{CashflowArgs, ReportFormat};
use crate::config::Settings;

pub async fn run(settings: &Settings, args: &CashflowArgs) -> anyhow::Result<u8> {
    let days: u32 = args
        .days
        .parse()
        .map_err(|_| anyhow::anyhow!("--days is 30, 60 or 90"))?;
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let flow = engine.cash_flow(days).await?;
    let out = match args.format {
        ReportFormat::Table => table(&flow),
        ReportFormat::Csv => csv(&flow)?,
        ReportFormat::Json => json(&flow)?,
    };
    print!("{out}");
    Ok(super::exit::OK)
}

/// Rows of cells as a table: the columns in `right` (amounts, counts) right-aligned, the
/// others left-aligned.
pub(super) fn aligned(rows: &[Vec<String>], right: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let gap = if c == 0 { "" } else { "  " };
            if right.contains(&c) {
                line.push_str(&format!("{gap}{cell:>width$}"));
            } else {
                line.push_str(&format!("{gap}{cell:<width$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn table(flow: &CashFlow) -> String {
    let code = &flow.currency;
    let money = |a| crate::format::money(a, code);
    let mut out = format!(
        "Cash flow: the next {} days ({} to {}) beside the {} before ({code})\n",
        flow.days, flow.today, flow.until, flow.days
    );
    out.push_str(&format!(
        "Expected from autopays: {} ({} autopays); at risk, not counted: {}\n",
        money(flow.expected),
        flow.expected_autopays,
        money(flow.at_risk)
    ));
    out.push_str(&format!(
        "Arrived since {}: sales {}, bank deposits matched {}\n\n",
        flow.since,
        money(flow.sales),
        money(flow.deposits)
    ));
    let mut weeks = vec![
        [
            "Week of", "Sales", "Deposits", "Expected", "At risk", "Autopays",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for week in &flow.weeks {
        weeks.push(vec![
            week.start.to_string(),
            money(week.sales),
            money(week.deposits),
            money(week.expected),
            money(week.at_risk),
            week.autopays.to_string(),
        ]);
    }
    out.push_str(&aligned(&weeks, &[1, 2, 3, 4, 5]));
    out.push('\n');
    let mut methods = vec![
        ["Method", "Expected", "Autopays", "Sales before"]
            .map(String::from)
            .to_vec(),
    ];
    for method in &flow.methods {
        methods.push(vec![
            crate::text::one_line_within(&method.method, 24),
            money(method.expected),
            method.autopays.to_string(),
            money(method.sales),
        ]);
    }
    out.push_str(&aligned(&methods, &[1, 2, 3]));
    out.push('\n');
    if flow.risks.is_empty() {
        out.push_str("No autopay at risk in these days.\n");
    } else {
        out.push_str("At risk (autopay suspended or inactive):\n");
        let mut risks = vec![
            [
                "Client", "Name", "Contract", "Status", "Next", "Amount", "Method",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for risk in &flow.risks {
            let text = |t: &str| crate::text::one_line_within(&crate::text::escape_controls(t), 30);
            risks.push(vec![
                text(&risk.client),
                text(risk.name.as_deref().unwrap_or("")),
                text(&risk.contract_name),
                text(&risk.status),
                risk.next_date.to_string(),
                money(risk.amount),
                text(&risk.payment_method),
            ]);
        }
        out.push_str(&aligned(&risks, &[5]));
    }
    match flow.contracts_read_at {
        Some(at) => out.push_str(&format!(
            "Contracts as read {}.\n",
            at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
        )),
        None => out.push_str(
            "No contract read yet: `legion-hub mindbody contracts` reads the members' autopays.\n",
        ),
    }
    out
}

fn csv(flow: &CashFlow) -> anyhow::Result<String> {
    let code = &flow.currency;
    let exact = |a| currency::exact(a, code);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "section", "label", "currency", "sales", "deposits", "expected", "at_risk", "autopays",
        "status", "date",
    ])?;
    for week in &flow.weeks {
        writer.write_record([
            "week",
            &week.start.to_string(),
            code,
            &exact(week.sales),
            &exact(week.deposits),
            &exact(week.expected),
            &exact(week.at_risk),
            &week.autopays.to_string(),
            "",
            &week.start.to_string(),
        ])?;
    }
    for method in &flow.methods {
        writer.write_record([
            "method",
            &method.method,
            code,
            &exact(method.sales),
            "",
            &exact(method.expected),
            "",
            &method.autopays.to_string(),
            "",
            "",
        ])?;
    }
    for risk in &flow.risks {
        writer.write_record([
            "risk",
            &risk.client,
            code,
            "",
            "",
            "",
            &exact(risk.amount),
            "",
            &risk.status,
            &risk.next_date.to_string(),
        ])?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

#[derive(Serialize)]
struct WeekJson {
    start: chrono::NaiveDate,
    sales: String,
    deposits: String,
    expected: String,
    at_risk: String,
    autopays: u64,
}

#[derive(Serialize)]
struct MethodJson<'a> {
    method: &'a str,
    expected: String,
    autopays: u64,
    sales: String,
}

#[derive(Serialize)]
struct RiskJson<'a> {
    client: &'a str,
    name: Option<&'a str>,
    contract_name: &'a str,
    status: &'a str,
    next_date: chrono::NaiveDate,
    amount: String,
    payment_method: &'a str,
}

#[derive(Serialize)]
struct CashFlowJson<'a> {
    today: chrono::NaiveDate,
    days: u32,
    until: chrono::NaiveDate,
    since: chrono::NaiveDate,
    currency: &'a str,
    expected: String,
    expected_autopays: u64,
    at_risk: String,
    sales: String,
    deposits: String,
    weeks: Vec<WeekJson>,
    methods: Vec<MethodJson<'a>>,
    risks: Vec<RiskJson<'a>>,
    contracts_read_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn json(flow: &CashFlow) -> anyhow::Result<String> {
    let code = &flow.currency;
    let exact = |a| currency::exact(a, code);
    let out = CashFlowJson {
        today: flow.today,
        days: flow.days,
        until: flow.until,
        since: flow.since,
        currency: code,
        expected: exact(flow.expected),
        expected_autopays: flow.expected_autopays,
        at_risk: exact(flow.at_risk),
        sales: exact(flow.sales),
        deposits: exact(flow.deposits),
        weeks: flow
            .weeks
            .iter()
            .map(|w| WeekJson {
                start: w.start,
                sales: exact(w.sales),
                deposits: exact(w.deposits),
                expected: exact(w.expected),
                at_risk: exact(w.at_risk),
                autopays: w.autopays,
            })
            .collect(),
        methods: flow
            .methods
            .iter()
            .map(|m| MethodJson {
                method: &m.method,
                expected: exact(m.expected),
                autopays: m.autopays,
                sales: exact(m.sales),
            })
            .collect(),
        risks: flow
            .risks
            .iter()
            .map(|r| RiskJson {
                client: &r.client,
                name: r.name.as_deref(),
                contract_name: &r.contract_name,
                status: &r.status,
                next_date: r.next_date,
                amount: exact(r.amount),
                payment_method: &r.payment_method,
            })
            .collect(),
        contracts_read_at: flow.contracts_read_at,
    };
    Ok(format!("{}\n", serde_json::to_string_pretty(&out)?))
}
