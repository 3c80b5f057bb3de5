//! Importing bank statements (issue 14: at least 200,000 lines/s from CSV and CAMT.053): lines
//! read per second by the CSV (with its rules), CAMT.053 and OFX 1.x readers from generated
//! files of 5,000 and 200,000 lines, beside the bare limit underneath them (the csv crate
//! splitting the same bytes into records, quick-xml walking the same XML, both keeping nothing).
//! Medians of several runs, from the bytes in memory to the statement. The generated CAMT
//! entries are compact (about 300 bytes; banks write 1–2 KB), so MB/s is shown too.
//!
//! Then the whole import: the CSV read and stored in the books (a fresh store on disk each run,
//! every line checked against what is there, keyed by the bank's id or a fingerprint, flushed),
//! beside the bare limit of the store: the same number of records of the same size put into a
//! sled tree in one batch and flushed.
//!
//! `cargo bench --bench bank`.

mod support;

#[path = "../tests/it/bank_readers/generate.rs"]
mod generate;

use std::time::Instant;

use legion_hub::books::bank::import::{ImportOptions, ImportedFile, import_statements};
use legion_hub::books::bank::{CsvRules, camt, csv as bank_csv, ofx};
use legion_hub::config::Paths;
use legion_hub::store::Store;
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

/// Median seconds of `work` on a fresh store each run (opening it is not timed).
fn median_on_fresh_store(runs: usize, mut work: impl FnMut(&Store)) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&Paths::in_dir(dir.path()), "bench").unwrap();
            let started = Instant::now();
            work(&store);
            started.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Median seconds of putting `records` values of `size` bytes and as many empty index keys into
/// a bare sled tree in one batch and flushing it.
fn bare_sled(runs: usize, records: usize, size: usize) -> f64 {
    let value = vec![b'x'; size];
    median_seconds(runs, || {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("lines").unwrap();
        let mut batch = sled::Batch::default();
        for n in 0..records {
            batch.insert(format!("acct:id:{n:012}").as_bytes(), value.as_slice());
            batch.insert(format!("acct:day:2026-11-30:{n:012}").as_bytes(), &[][..]);
        }
        tree.apply_batch(batch).unwrap();
        db.flush().unwrap();
    })
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
            format!("CSV read with its rules, {lines} lines"),
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
            format!("CAMT.053 read, {lines} lines"),
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
            format!("OFX 1.x read, {lines} lines"),
            "measured",
            measured(lines, ofx_file.len(), seconds),
        ));

        let file = ImportedFile {
            name: "generated.csv".into(),
            sha256: format!("{lines:064x}"),
            size: csv_file.len() as u64,
            format: legion_hub::books::bank::statement::StatementFormat::Csv,
        };
        let seconds = median_on_fresh_store(runs.min(5), |store| {
            let statements = bank_csv::read(&csv_file, &rules).unwrap();
            let summary = import_statements(
                store,
                "Generated",
                &file,
                std::slice::from_ref(&statements),
                &ImportOptions::default(),
            )
            .unwrap();
            assert_eq!(summary.import.lines_new as usize, lines);
        });
        // Storing is bounded by sled itself (the row under it), far below the readers' 200,000
        // lines/s: what a person waits for is the year's import, a tenth of a second.
        rows.push(row(
            format!("CSV read and stored in the books (sled on disk, flushed), {lines} lines"),
            if lines <= 5_000 {
                "a year of a busy account (5,000 lines) in < 1 s"
            } else {
                "measured (bounded by sled, below)"
            },
            format!("{:.0} lines/s ({:.2} s)", lines as f64 / seconds, seconds),
        ));
        // A stored line is its record (about 300 bytes of JSON) and an empty day-index entry.
        let seconds = bare_sled(runs.min(5), lines, 300);
        rows.push(row(
            format!("sled alone: {lines} records of 300 bytes and {lines} index keys in one batch, flushed"),
            "the limit",
            format!("{:.0} lines/s", lines as f64 / seconds),
        ));
    }
    publish("bank", &rows);
}
