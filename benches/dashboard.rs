//! The dashboard as a person meets it, in a real pseudo terminal with the release binary: the
//! time from starting `legion-hub demo` to its first frame, and the memory of a dashboard whose
//! data holds 100,000 transactions and a 1,000-message conversation after both have been opened
//! and scrolled. Targets: first frame < 300 ms, RSS < 50 MB.
//!
//! `cargo bench --bench dashboard` (DASHBOARD_RUNS=N for the first-frame runs).

mod support;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Running {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

fn start(args: &[&str], home: &std::path::Path) -> Running {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_legion-hub"));
    cmd.args(args);
    for name in [
        "SSH_CONNECTION",
        "SSH_TTY",
        "GEMINI_API_KEY",
        "LEGION_HUB_DATA_DIR",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("HOME", home);
    cmd.env("TMPDIR", home);
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_STATE_HOME", home.join("state"));
    cmd.env("TERM", "xterm-256color");
    let child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let writer = pty.master.take_writer().unwrap();
    let screen = Arc::new(Mutex::new(vt100::Parser::new(50, 200, 0)));
    let feed = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buf[..n]);
        }
    });
    // The pty must outlive the child; it is small, so it is kept for the process's life.
    std::mem::forget(pty.master);
    Running {
        screen,
        writer,
        child,
    }
}

impl Running {
    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self
            .screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .contains(needle)
        {
            assert!(Instant::now() < deadline, "never showed {needle}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(80));
    }

    fn quit(mut self) {
        // Esc first: on the chat screen q would be typed into the question.
        self.keys("\x1b");
        self.keys("q");
        let _ = self.child.wait();
    }

    /// Resident and peak resident memory, in MB, from /proc.
    fn memory(&self) -> (f64, f64) {
        let pid = self.child.process_id().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .unwrap_or(0.0)
                / 1024.0
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let runs: usize = std::env::var("DASHBOARD_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1 } else { 10 });

    let home = tempfile::tempdir().unwrap();
    let mut firsts = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let demo = start(&["demo"], home.path());
        demo.wait_for("Integrations Hub");
        firsts.push(started.elapsed());
        demo.quit();
    }
    firsts.sort();
    let mut rows = vec![support::perf::row(
        format!(
            "`legion-hub demo` on a built tree to its first frame in a pseudo terminal (median of {runs})"
        ),
        "< 300 ms",
        format!(
            "{:.0} ms (min {:.0})",
            firsts[runs / 2].as_secs_f64() * 1000.0,
            firsts[0].as_secs_f64() * 1000.0
        ),
    )];

    let data = tempfile::tempdir().unwrap();
    let transactions = if quick { 1_000 } else { 100_000 };
    {
        let store = legion_hub::store::Store::open(
            &legion_hub::config::Paths::in_dir(data.path()),
            "bench",
        )
        .unwrap();
        support::history::store_transactions(&store, transactions);
        support::history::store_conversation(&store, 1_000);
    }
    let data_dir = data.path().to_str().unwrap().to_string();
    let mut hub = start(&["--data-dir", &data_dir], home.path());
    hub.wait_for("Integrations Hub");
    hub.keys("3");
    hub.wait_for("Transactions · ");
    for _ in 0..20 {
        hub.keys("\x1b[6~"); // PgDn
    }
    hub.keys("G");
    hub.keys("2");
    hub.wait_for("A long conversation");
    hub.keys("\t");
    hub.keys("\t");
    hub.keys("\r");
    hub.wait_for("Answer 1000");
    for _ in 0..30 {
        hub.keys("\x1b[5~"); // PgUp through the history
    }
    let (rss, peak) = hub.memory();
    rows.push(support::perf::row(
        format!(
            "dashboard memory with {} transactions and a 1,000-message chat, both opened and scrolled: RSS (peak)",
            legion_hub::format::thousands(transactions as u64)
        ),
        "< 50 MB",
        format!("{rss:.1} MB ({peak:.1} MB)"),
    ));
    hub.quit();
    support::perf::publish("dashboard", &rows);
}
