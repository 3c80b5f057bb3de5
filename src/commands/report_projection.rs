//! `legion-hub report projection [--format table|csv|json]`: this month's revenue and the next
//! three's, projected by class (so far + the autopays scheduled + the days ahead at the last
//! weeks' same-weekday average of drop-ins and retail), with the method in words. Amounts keep
//! their currency's minor digits: grouped in the table, exact strings in CSV and JSON.

use serde::Serialize;

use super::report_cashflow::aligned;
use crate::api::Role;
use crate::api::currency;
use crate::api::projection::{Projection, ProjectionParts};
use crate::cli::{ProjectionArgs, ReportFormat};
use crate::config::Settings;

pub async fn run(settings: &Settings, args: &ProjectionArgs) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let projection = engine.projection().await?;
    let out = match args.format {
        ReportFormat::Table => table(&projection),
        ReportFormat::Csv => csv(&projection)?,
        ReportFormat::Json => json(&projection)?,
    };
    print!("{out}");
    Ok(super::exit::OK)
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn table(projection: &Projection) -> String {
    let code = &projection.currency;
    let money = |a| crate::format::money(a, code);
    let mut out = format!("Revenue projection made {} ({code})\n", projection.today);
    for month in &projection.months {
        out.push_str(&format!(
            "\n{}: {}\n",
            month.month.format("%Y-%m"),
            month.method
        ));
        let mut rows = vec![
            [
                "Class",
                "So far",
                "Autopays",
                "Drop-ins+retail",
                "Projected",
            ]
            .map(String::from)
            .to_vec(),
        ];
        let row = |label: String, p: &ProjectionParts| {
            vec![
                label,
                money(p.so_far),
                money(p.autopays),
                money(p.pattern),
                money(p.projected),
            ]
        };
        for class in &month.classes {
            let label =
                crate::text::one_line_within(&crate::text::escape_controls(&class.class), 30);
            rows.push(row(label, &class.parts));
        }
        rows.push(row("Total".into(), &month.parts));
        out.push_str(&aligned(&rows, &[1, 2, 3, 4]));
    }
    let average: Vec<String> = WEEKDAYS
        .iter()
        .zip(&projection.weekday_average)
        .map(|(day, amount)| format!("{day} {}", money(*amount)))
        .collect();
    out.push_str(&format!(
        "\nA day of drop-ins and retail, the last {} weeks' average: {}\n",
        projection.pattern_weeks,
        average.join(", ")
    ));
    out
}

fn csv(projection: &Projection) -> anyhow::Result<String> {
    let code = &projection.currency;
    let exact = |a| currency::exact(a, code);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "month",
        "class",
        "currency",
        "so_far",
        "autopays",
        "autopay_count",
        "pattern",
        "pattern_days",
        "projected",
    ])?;
    for month in &projection.months {
        let label = month.month.format("%Y-%m").to_string();
        let lines = month
            .classes
            .iter()
            .map(|c| (c.class.as_str(), &c.parts))
            .chain([("", &month.parts)]);
        for (class, p) in lines {
            writer.write_record([
                label.as_str(),
                class,
                code,
                &exact(p.so_far),
                &exact(p.autopays),
                &p.autopay_count.to_string(),
                &exact(p.pattern),
                &p.pattern_days.to_string(),
                &exact(p.projected),
            ])?;
        }
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

#[derive(Serialize)]
struct PartsJson {
    so_far: String,
    autopays: String,
    autopay_count: u64,
    pattern: String,
    pattern_days: u32,
    projected: String,
}

#[derive(Serialize)]
struct ClassJson<'a> {
    class: &'a str,
    #[serde(flatten)]
    parts: PartsJson,
}

#[derive(Serialize)]
struct MonthJson<'a> {
    month: String,
    method: &'a str,
    #[serde(flatten)]
    total: PartsJson,
    classes: Vec<ClassJson<'a>>,
}

#[derive(Serialize)]
struct ProjectionJson<'a> {
    today: chrono::NaiveDate,
    currency: &'a str,
    pattern_weeks: u32,
    /// Monday first.
    weekday_average: Vec<String>,
    months: Vec<MonthJson<'a>>,
}

fn json(projection: &Projection) -> anyhow::Result<String> {
    let code = &projection.currency;
    let exact = |a| currency::exact(a, code);
    let parts = |p: &ProjectionParts| PartsJson {
        so_far: exact(p.so_far),
        autopays: exact(p.autopays),
        autopay_count: p.autopay_count,
        pattern: exact(p.pattern),
        pattern_days: p.pattern_days,
        projected: exact(p.projected),
    };
    let out = ProjectionJson {
        today: projection.today,
        currency: code,
        pattern_weeks: projection.pattern_weeks,
        weekday_average: projection
            .weekday_average
            .iter()
            .map(|a| exact(*a))
            .collect(),
        months: projection
            .months
            .iter()
            .map(|m| MonthJson {
                month: m.month.format("%Y-%m").to_string(),
                method: &m.method,
                total: parts(&m.parts),
                classes: m
                    .classes
                    .iter()
                    .map(|c| ClassJson {
                        class: &c.class,
                        parts: parts(&c.parts),
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(format!("{}\n", serde_json::to_string_pretty(&out)?))
}
