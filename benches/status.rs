//! `legion-hub status`, wall time of the real binary (start, open the hub database, print, exit),
//! with 1,000 and with 1,000,000 sync-log rows in the data directory. Target: under 15 ms, and
//! the same for both. Prints min / median / p90 over many runs.
//!
//! `cargo bench --bench status` (STATUS_RUNS=N to change the number of runs).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn time_status(data_dir: &std::path::Path, runs: usize) -> Vec<Duration> {
    let bin = env!("CARGO_BIN_EXE_legion-hub");
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new(bin)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("status")
            .env("XDG_CONFIG_HOME", data_dir.join("no-config"))
            .stdout(Stdio::null())
            .status()
            .expect("legion-hub runs");
        times.push(started.elapsed());
        assert!(
            status.code().is_some_and(|c| c == 0 || c == 3),
            "status failed: {status}"
        );
    }
    times.sort();
    times
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo test --benches` runs benches once in test mode; keep that quick.
    let quick = std::env::args().any(|a| a == "--test");
    let runs: usize = std::env::var("STATUS_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 3 } else { 50 });
    let sizes: &[u64] = if quick { &[1_000] } else { &[1_000, 1_000_000] };
    let mut rows = Vec::new();
    for &rows_in_dir in sizes {
        let dir = tempfile::tempdir().unwrap();
        let made = Instant::now();
        drop(support::history::data_dir_with_history(
            dir.path(),
            rows_in_dir,
        ));
        eprintln!(
            "made {rows_in_dir} rows in {:.1} s",
            made.elapsed().as_secs_f64()
        );
        let times = time_status(dir.path(), runs);
        rows.push(support::perf::row(
            format!(
                "`legion-hub status`, {} sync-log rows (median wall time of {runs} runs of the real binary, opening the data itself)",
                legion_hub::format::thousands(rows_in_dir)
            ),
            "< 15 ms",
            format!(
                "{} (min {}, p90 {})",
                ms(times[times.len() / 2]),
                ms(times[0]),
                ms(times[times.len() * 9 / 10])
            ),
        ));
    }
    support::perf::publish("status", &rows);
}
