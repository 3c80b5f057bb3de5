//! `legion-hub report revenue [--from D --to D] [--by ...] [--format table|csv|json]`: the
//! revenue of a range by group or by period, as a table for people (amounts right-aligned with
//! their currency's minor digits), CSV for spreadsheets or JSON for scripts (amounts as exact
//! decimal strings). One function per report; `report cashflow` and others join
//! [`ReportCommand`] beside `revenue`.

use chrono::{Datelike, Local, Months, NaiveDate};
use serde::Serialize;

use crate::api::Role;
use crate::api::currency;
use crate::api::reports::{Amounts, Grouping, Period, RevenueQuery, RevenueReport};
use crate::cli::{ReportCommand, ReportFormat, RevenueArgs, RevenueBy};
use crate::config::Settings;

pub async fn run(settings: &Settings, command: &ReportCommand) -> anyhow::Result<u8> {
    match command {
        ReportCommand::Revenue(args) => revenue(settings, args).await,
        ReportCommand::Cashflow(args) => super::report_cashflow::run(settings, args).await,
        ReportCommand::Projection(args) => super::report_projection::run(settings, args).await,
    }
}

/// The range asked for: `--to` (today) and `--from` (the first of the month 11 months before).
fn range(args: &RevenueArgs, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let to = args.to.unwrap_or(today);
    let from = args.from.unwrap_or_else(|| {
        to.with_day(1)
            .and_then(|first| first.checked_sub_months(Months::new(11)))
            .unwrap_or(to)
    });
    (from, to)
}

fn query_of(args: &RevenueArgs, today: NaiveDate) -> RevenueQuery {
    let (from, to) = range(args, today);
    let (by, period) = match args.by {
        RevenueBy::Class => (Some(Grouping::Class), None),
        RevenueBy::Category => (Some(Grouping::Category), None),
        RevenueBy::Method => (Some(Grouping::Method), None),
        RevenueBy::Location => (Some(Grouping::Location), None),
        RevenueBy::Site => (Some(Grouping::Site), None),
        RevenueBy::Day => (None, Some(Period::Day)),
        RevenueBy::Week => (None, Some(Period::Week)),
        RevenueBy::Month => (None, Some(Period::Month)),
    };
    RevenueQuery {
        from,
        to,
        by,
        period,
        currency: args.currency.clone(),
        site: args.site.clone(),
    }
}

/// One line of the report: a group (a category indented beneath its class) or a period.
struct Line {
    label: String,
    parent: Option<String>,
    amounts: Amounts,
}

fn lines(report: &RevenueReport) -> Vec<Line> {
    if report.by.is_some() {
        report
            .rows
            .iter()
            .map(|r| Line {
                label: r.label.clone(),
                parent: r.parent.clone(),
                amounts: r.total,
            })
            .collect()
    } else {
        report
            .columns
            .iter()
            .zip(&report.column_totals)
            .map(|(column, amounts)| Line {
                label: column.label.clone(),
                parent: None,
                amounts: *amounts,
            })
            .collect()
    }
}

async fn revenue(settings: &Settings, args: &RevenueArgs) -> anyhow::Result<u8> {
    let query = query_of(args, Local::now().date_naive());
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let report = engine.revenue_report(query).await?;
    let lines = lines(&report);
    let out = match args.format {
        ReportFormat::Table => table(&report, &lines),
        ReportFormat::Csv => csv(&report, &lines)?,
        ReportFormat::Json => json(&report, &lines)?,
    };
    print!("{out}");
    Ok(super::exit::OK)
}

const HEADINGS: [&str; 6] = ["Sales", "Refunds", "Discounts", "Tax", "Net", "Items"];

fn cells(
    amounts: &Amounts,
    code: &str,
    money: fn(rust_decimal::Decimal, &str) -> String,
) -> [String; 6] {
    [
        money(amounts.sales, code),
        money(amounts.refunds, code),
        money(amounts.discounts, code),
        money(amounts.tax, code),
        money(amounts.net, code),
        crate::format::thousands(amounts.count),
    ]
}

/// The longest label shown whole in a table.
const LABEL_WIDTH: usize = 40;

fn what(args_by: Option<Grouping>, period: Option<Period>) -> &'static str {
    match (args_by, period) {
        (Some(by), _) => by.name(),
        (None, Some(period)) => period.name(),
        (None, None) => "range",
    }
}

fn table(report: &RevenueReport, lines: &[Line]) -> String {
    let code = &report.currency;
    let of_site = report
        .site
        .as_deref()
        .map(|site| format!(" at site {}", crate::text::escape_controls(site)))
        .unwrap_or_default();
    let mut out = format!(
        "Revenue{of_site} by {} from {} to {} ({code})\n",
        what(report.by, report.period),
        report.from,
        report.to
    );
    let label = |line: &Line| {
        let text =
            crate::text::one_line_within(&crate::text::escape_controls(&line.label), LABEL_WIDTH);
        if line.parent.is_some() {
            format!("  {text}")
        } else {
            text
        }
    };
    let mut rows: Vec<(String, [String; 6])> = lines
        .iter()
        .map(|l| (label(l), cells(&l.amounts, code, crate::format::money)))
        .collect();
    rows.push((
        "Total".into(),
        cells(&report.total, code, crate::format::money),
    ));
    let first = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(what(report.by, report.period).len());
    let mut widths = HEADINGS.map(str::len);
    for (_, cells) in &rows {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.len());
        }
    }
    let heading = crate::text::one_line(what(report.by, report.period));
    let mut head = format!("{:<first$}", capitalized(&heading));
    for (h, w) in HEADINGS.iter().zip(widths) {
        head.push_str(&format!("  {h:>w$}"));
    }
    out.push_str(head.trim_end());
    out.push('\n');
    let count = rows.len();
    for (i, (l, cells)) in rows.into_iter().enumerate() {
        if i + 1 == count {
            out.push_str(&"-".repeat(first + widths.iter().map(|w| w + 2).sum::<usize>()));
            out.push('\n');
        }
        let mut line = format!("{l:<first$}");
        for (c, w) in cells.iter().zip(widths) {
            line.push_str(&format!("  {c:>w$}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if lines.is_empty() {
        out.push_str("No sales in this range.\n");
    }
    if !report.other_currencies.is_empty() {
        out.push_str(&format!(
            "Some sales are in {} (not in these figures): --currency CODE shows them.\n",
            report.other_currencies.join(", ")
        ));
    }
    out
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn csv(report: &RevenueReport, lines: &[Line]) -> anyhow::Result<String> {
    let code = &report.currency;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        what(report.by, report.period),
        "parent",
        "currency",
        "sales",
        "refunds",
        "discounts",
        "tax",
        "net",
        "items",
    ])?;
    for line in lines {
        let [sales, refunds, discounts, tax, net, items] =
            cells(&line.amounts, code, currency::exact);
        writer.write_record([
            line.label.as_str(),
            line.parent.as_deref().unwrap_or(""),
            code,
            &sales,
            &refunds,
            &discounts,
            &tax,
            &net,
            &items,
        ])?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

#[derive(Serialize)]
struct AmountsJson {
    sales: String,
    refunds: String,
    discounts: String,
    tax: String,
    net: String,
    items: u64,
}

impl AmountsJson {
    fn of(amounts: &Amounts, code: &str) -> AmountsJson {
        let exact = |a| currency::exact(a, code);
        AmountsJson {
            sales: exact(amounts.sales),
            refunds: exact(amounts.refunds),
            discounts: exact(amounts.discounts),
            tax: exact(amounts.tax),
            net: exact(amounts.net),
            items: amounts.count,
        }
    }
}

#[derive(Serialize)]
struct RowJson<'a> {
    label: &'a str,
    parent: Option<&'a str>,
    #[serde(flatten)]
    amounts: AmountsJson,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    from: NaiveDate,
    to: NaiveDate,
    by: &'static str,
    currency: &'a str,
    /// The site the report is of; absent: every site.
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<&'a str>,
    other_currencies: &'a [String],
    rows: Vec<RowJson<'a>>,
    total: AmountsJson,
}

fn json(report: &RevenueReport, lines: &[Line]) -> anyhow::Result<String> {
    let code = &report.currency;
    let out = ReportJson {
        from: report.from,
        to: report.to,
        by: what(report.by, report.period),
        currency: code,
        site: report.site.as_deref(),
        other_currencies: &report.other_currencies,
        rows: lines
            .iter()
            .map(|l| RowJson {
                label: &l.label,
                parent: l.parent.as_deref(),
                amounts: AmountsJson::of(&l.amounts, code),
            })
            .collect(),
        total: AmountsJson::of(&report.total, code),
    };
    Ok(format!("{}\n", serde_json::to_string_pretty(&out)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_range_is_twelve_months_to_today() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let args = |from, to| RevenueArgs {
            from,
            to,
            by: RevenueBy::Class,
            format: ReportFormat::Table,
            currency: None,
            site: None,
        };
        assert_eq!(
            range(&args(None, None), day(2026, 12, 4)),
            (day(2026, 1, 1), day(2026, 12, 4))
        );
        assert_eq!(
            range(&args(None, Some(day(2026, 3, 31))), day(2026, 12, 4)),
            (day(2025, 4, 1), day(2026, 3, 31))
        );
    }
}
