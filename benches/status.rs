//! `legion-hub status`, wall time of the real binary, side by side in one run with the bare
//! process (`legion-hub --version`): the glance from the status snapshot (no database opened),
//! and the glance that opens the hub database (no snapshot to trust: today's path before the
//! snapshot, plus writing one), each with 1,000 and with 1,000,000 sync-log rows in the data
//! directory. The three are timed in turns, so a busy moment of the machine falls on all of
//! them alike. Targets: the snapshot glance within 1.5x the bare process, and flat in history
//! size; the store's glance under 15 ms. Prints min / median / p90 over many runs.
//!
//! `cargo bench --bench status` (STATUS_RUNS=N to change the number of runs).

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use legion_hub::store::snapshot::FILE_NAME;

/// Times one run of the binary with `args` against `data_dir`.
fn time_run(data_dir: &Path, args: &[&str]) -> Duration {
    let bin = env!("CARGO_BIN_EXE_legion-hub");
    let started = Instant::now();
    let status = Command::new(bin)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("XDG_CONFIG_HOME", data_dir.join("no-config"))
        .stdout(Stdio::null())
        .status()
        .expect("legion-hub runs");
    let took = started.elapsed();
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 3),
        "{args:?} failed: {status}"
    );
    took
}

/// The three ways, `runs` times each, in turns.
struct Times {
    bare: Vec<Duration>,
    snapshot: Vec<Duration>,
    store: Vec<Duration>,
}

fn time_all(data_dir: &Path, runs: usize) -> Times {
    let snapshot_file = data_dir.join(FILE_NAME);
    let mut times = Times {
        bare: Vec::with_capacity(runs),
        snapshot: Vec::with_capacity(runs),
        store: Vec::with_capacity(runs),
    };
    // One glance first: it leaves the snapshot the next one reads.
    time_run(data_dir, &["status"]);
    for _ in 0..runs {
        times.bare.push(time_run(data_dir, &["--version"]));
        assert!(snapshot_file.exists(), "no snapshot to read");
        times.snapshot.push(time_run(data_dir, &["status"]));
        // No snapshot: the glance opens the hub database (and leaves a snapshot again).
        std::fs::remove_file(&snapshot_file).unwrap();
        times.store.push(time_run(data_dir, &["status"]));
    }
    for list in [&mut times.bare, &mut times.snapshot, &mut times.store] {
        list.sort();
    }
    times
}

fn median(times: &[Duration]) -> Duration {
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn spread(times: &[Duration]) -> String {
    format!(
        "{} (min {}, p90 {})",
        ms(median(times)),
        ms(times[0]),
        ms(times[times.len() * 9 / 10])
    )
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
        let times = time_all(dir.path(), runs);
        let history = format!(
            "{} sync-log rows",
            legion_hub::format::thousands(rows_in_dir)
        );
        let of_runs = format!("median wall time of {runs} runs of the real binary");
        let ratio = median(&times.snapshot).as_secs_f64() / median(&times.bare).as_secs_f64();
        rows.push(support::perf::row(
            format!(
                "`legion-hub --version`, the bare process, beside the glances below ({of_runs})"
            ),
            "-",
            spread(&times.bare),
        ));
        rows.push(support::perf::row(
            format!("`legion-hub status` from the status snapshot, {history} ({of_runs}, no database opened)"),
            "≤ 1.5× `--version`",
            format!("{} = {ratio:.2}× `--version`", spread(&times.snapshot)),
        ));
        rows.push(support::perf::row(
            format!("`legion-hub status` opening the hub database (no snapshot to trust), {history} ({of_runs})"),
            "< 15 ms",
            spread(&times.store),
        ));
    }
    support::perf::publish("status", &rows);
}
