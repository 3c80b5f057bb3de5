//! Importing bank statements (issue 14: at least 200,000 lines/s from CSV and CAMT.053): lines
//! read per second by the CSV (with its rules), CAMT.053 and OFX 1.x readers from generated
//! files of 5,000 and 200,000 lines, beside the bare limit underneath them (the csv crate
//! splitting the same bytes into records, quick-xml walking the same XML, both keeping nothing).
//! Medians of several runs, from the bytes in memory to the statement. The generated CAMT
//! entries are compact (about 300 bytes; banks write 1–2 KB), so MB/s is shown too.
//!
//! `cargo bench --bench bank`.

mod support;

#[path = "../tests/it/bank_readers/generate.rs"]
mod generate;

use std::time::Instant;

use legion_hub::books::bank::{CsvRules, camt, csv as bank_csv, ofx};
use support::perf::{Row, publish, row};

fn median_seconds(runs: usize, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn bare_csv(bytes: &[u8]) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut records = 0;
    while reader.read_byte_record(&mut record).unwrap() {
        records += 1;
    }
    records
}

fn bare_xml(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_str(std::str::from_utf8(bytes).unwrap());
    let mut elements = 0;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(_) => elements += 1,
            _ => {}
        }
    }
    elements
}

fn measured(lines: usize, bytes: usize, seconds: f64) -> String {
    format!(
        "{:.0} lines/s ({:.0} MB/s)",
        lines as f64 / seconds,
        bytes as f64 / seconds / 1e6
    )
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let sizes: &[usize] = if quick { &[5_000] } else { &[5_000, 200_000] };
    let rules = CsvRules::parse(generate::CSV_RULES).unwrap();
    let target = "≥ 200,000 lines/s";
    let mut rows: Vec<Row> = Vec::new();
    for &lines in sizes {
        let runs = if quick {
            1
        } else if lines > 10_000 {
            5
        } else {
            21
        };
        let csv_file = generate::csv(lines, generate::varied);
        let camt_file = generate::camt(lines, generate::varied);
        let ofx_file = generate::ofx(lines, generate::varied);

        let seconds = median_seconds(runs, || {
            assert_eq!(
                bank_csv::read(&csv_file, &rules).unwrap().lines.len(),
                lines
            );
        });
        rows.push(row(
            format!("CSV import, {lines} lines"),
            target,
            measured(lines, csv_file.len(), seconds),
        ));
        let seconds = median_seconds(runs, || assert_eq!(bare_csv(&csv_file), lines + 1));
        rows.push(row(
            format!("CSV, {lines} lines: the csv crate's records alone"),
            "the limit",
            measured(lines, csv_file.len(), seconds),
        ));

        let seconds = median_seconds(runs, || {
            let statements = camt::read(&camt_file).unwrap();
            assert_eq!(statements[0].lines.len(), lines);
        });
        rows.push(row(
            format!("CAMT.053 import, {lines} lines"),
            target,
            measured(lines, camt_file.len(), seconds),
        ));
        let seconds = median_seconds(runs, || assert!(bare_xml(&camt_file) > lines));
        rows.push(row(
            format!("CAMT.053, {lines} lines: quick-xml's events alone"),
            "the limit",
            measured(lines, camt_file.len(), seconds),
        ));

        let seconds = median_seconds(runs, || {
            let statements = ofx::read(&ofx_file).unwrap();
            assert_eq!(statements[0].lines.len(), lines);
        });
        rows.push(row(
            format!("OFX 1.x import, {lines} lines"),
            "measured",
            measured(lines, ofx_file.len(), seconds),
        ));
    }
    publish("bank", &rows);
}
