//! The Performance table. Every bench reports its figures here, beside their targets; the rows
//! of each bench are kept in `target/perf/`, and the table of all of them is rebuilt after each
//! one, so one `cargo bench` leaves the whole table in `target/perf/performance.md`.
//! `UPDATE_README=1 cargo bench` also puts it into the README.

use std::path::{Path, PathBuf};

/// The benches, in the order the table lists them.
const ORDER: [&str; 16] = [
    "status",
    "dashboard",
    "frame",
    "idle",
    "gemini",
    "chat_tools",
    "mindbody",
    "sync",
    "contracts",
    "bank",
    "reconcile",
    "reports",
    "categorize",
    "webhooks",
    "mirror",
    "abuse",
];

pub struct Row {
    pub figure: String,
    pub target: String,
    pub measured: String,
}

pub fn row(figure: impl Into<String>, target: &str, measured: impl Into<String>) -> Row {
    Row {
        figure: figure.into(),
        target: target.into(),
        measured: measured.into(),
    }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/perf")
}

/// Prints the bench's rows, keeps them, and rebuilds the whole table (and the README's, when
/// asked). In `cargo test --benches` (quick runs) nothing is kept.
pub fn publish(bench: &str, rows: &[Row]) {
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "| {} | {} | {} | `benches/{bench}.rs` |",
                r.figure, r.target, r.measured
            )
        })
        .collect();
    for line in &lines {
        println!("{line}");
    }
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let dir = dir();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{bench}.md")), lines.join("\n") + "\n");
    let mut table = String::from("| figure | target | measured | bench |\n|---|---|---|---|\n");
    for name in ORDER {
        if let Ok(part) = std::fs::read_to_string(dir.join(format!("{name}.md"))) {
            table.push_str(&part);
        }
    }
    let _ = std::fs::write(dir.join("performance.md"), &table);
    if std::env::var_os("UPDATE_README").is_some() {
        update_readme(&table);
    }
}

fn update_readme(table: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let Ok(readme) = std::fs::read_to_string(&path) else {
        return;
    };
    let (begin, end) = ("<!-- performance:begin -->\n", "<!-- performance:end -->");
    let (Some(a), Some(b)) = (readme.find(begin), readme.find(end)) else {
        return;
    };
    let updated = format!("{}{begin}{table}{}", &readme[..a], &readme[b..]);
    let _ = std::fs::write(path, updated);
}

/// For criterion benches: each (figure, target, criterion id) becomes a row with the median
/// criterion measured for that id.
pub fn publish_criterion(bench: &str, figures: &[(&str, &str, &str)]) {
    let rows: Vec<Row> = figures
        .iter()
        .map(|(figure, target, id)| row(*figure, target, ms(criterion_median_ms(id))))
        .collect();
    publish(bench, &rows);
}

/// The median criterion measured for the benchmark called `id`, in milliseconds.
fn criterion_median_ms(id: &str) -> Option<f64> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.ends_with("new/benchmark.json") {
                let meta: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
                if meta["full_id"] == id {
                    let estimates: serde_json::Value = serde_json::from_str(
                        &std::fs::read_to_string(path.with_file_name("estimates.json")).ok()?,
                    )
                    .ok()?;
                    return estimates["median"]["point_estimate"]
                        .as_f64()
                        .map(|ns| ns / 1e6);
                }
            }
        }
    }
    None
}

fn ms(ms: Option<f64>) -> String {
    ms.map_or_else(|| "not measured".into(), |v| format!("{v:.2} ms"))
}
