//! The idle dashboard: run the real binary in a pseudo terminal on a data directory with sync
//! history, leave it alone, and count the CPU time and the wake-ups (context switches) of each
//! of its threads. (Not the demo: its studio sells something every eight seconds, on purpose.)
//! Target: no CPU and no wake-ups from the dashboard while nothing happens.
//!
//! `cargo bench --bench idle` (IDLE_SECONDS=N, default 60). Linux only (reads /proc); uses
//! util-linux `script` for the pseudo terminal.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Per thread name: (CPU ticks, context switches).
fn sample(pid: u32) -> BTreeMap<String, (u64, u64)> {
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the ")" that closes the name: utime and stime are the 12th and 13th.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks = fields
            .get(11)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        let status = std::fs::read_to_string(path.join("status")).unwrap_or_default();
        let switches: u64 = status
            .lines()
            .filter(|l| l.contains("ctxt_switches"))
            .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
            .sum();
        // Threads of a pool share a name prefix: group "sled-io-3" with "sled-io-0".
        let name = comm
            .trim()
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_string();
        let entry = out.entry(name).or_default();
        entry.0 += ticks;
        entry.1 += switches;
    }
    out
}

fn find_child(parent: u32, name: &str) -> Option<u32> {
    for _ in 0..100 {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().nth(1)?.parse::<u32>().ok());
            if comm.trim() == name && ppid.is_some_and(|p| p == parent || is_descendant(p, parent))
            {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn is_descendant(pid: u32, ancestor: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    match stat
        .rsplit_once(')')
        .and_then(|(_, r)| r.split_whitespace().nth(1)?.parse::<u32>().ok())
    {
        Some(ppid) if ppid == ancestor => true,
        Some(ppid) if ppid > 1 => is_descendant(ppid, ancestor),
        _ => false,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let seconds: u64 = std::env::var("IDLE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 2 } else { 60 });
    let bin = env!("CARGO_BIN_EXE_legion-hub");
    let data = tempfile::tempdir().unwrap();
    drop(support::history::data_dir_with_history(data.path(), 1_000));
    let inner = format!(
        "stty cols 120 rows 40; exec {bin} --data-dir {}",
        data.path().display()
    );
    let mut script = Command::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .env("XDG_CONFIG_HOME", data.path().join("no-config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("util-linux `script` is installed");
    let pid = find_child(script.id(), "legion-hub").expect("the dashboard started");
    std::thread::sleep(Duration::from_secs(2)); // the first frame
    let before = sample(pid);
    std::thread::sleep(Duration::from_secs(seconds));
    let after = sample(pid);
    let hz = 100.0; // USER_HZ on Linux
    println!("Idle dashboard over {seconds} s:");
    println!("| thread | CPU | wake-ups |");
    println!("|---|---:|---:|");
    let (mut total_ticks, mut ours) = (0, 0);
    for (name, (ticks, switches)) in &after {
        let (t0, s0) = before.get(name).copied().unwrap_or_default();
        let (ticks, switches) = (ticks - t0, switches - s0);
        total_ticks += ticks;
        if !name.starts_with("sled-io") {
            ours += switches;
        }
        println!("| {name} | {:.2} s | {switches} |", ticks as f64 / hz);
    }
    support::perf::publish(
        "idle",
        &[
            support::perf::row(
                format!("idle dashboard over {seconds} s: CPU"),
                "0%",
                format!(
                    "{:.3}% ({total_ticks} ticks)",
                    total_ticks as f64 / hz / seconds as f64 * 100.0
                ),
            ),
            support::perf::row(
                format!(
                    "idle dashboard over {seconds} s: wake-ups of its own threads (UI, tokio workers, logger)"
                ),
                "0",
                ours.to_string(),
            ),
        ],
    );
    // Quit like a person would, so the terminal and the data dir are left clean.
    let _ = script.stdin.as_mut().map(|s| s.write_all(b"q"));
    let _ = script.wait();
}
