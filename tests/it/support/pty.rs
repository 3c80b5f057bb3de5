//! The real binary in a pseudo terminal, its screen read like a person reads it (a vt100
//! parser), and every byte it wrote kept for the checks on how it left the terminal. Shared by
//! `tests/it/newcomer.rs` and `tests/it/signals.rs`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub const COLS: u16 = 110;
pub const ROWS: u16 = 32;

/// What leaves the alternate screen, shows the cursor and stops the mouse reporting.
pub const LEAVE_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049l";
pub const ENTER_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049h";
pub const SHOW_CURSOR: &[u8] = b"\x1b[?25h";
pub const MOUSE_OFF: &[u8] = b"\x1b[?1000l";

/// `legion-hub demo` with an environment of its own under `dir`: home, config, state, and the
/// temporary folder (`TMPDIR`) where the demo makes its throwaway data directory.
pub fn demo(dir: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_legion-hub"));
    cmd.arg("demo");
    for name in [
        "SSH_CONNECTION",
        "SSH_TTY",
        "GEMINI_API_KEY",
        "GOOGLE_GEMINI_API_KEY",
        "LEGION_HUB_DATA_DIR",
        "LEGION_HUB_CONFIG",
        "LEGION_HUB_MASTER_KEY",
        "NO_COLOR",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("HOME", dir);
    cmd.env("TMPDIR", dir);
    cmd.env("XDG_CONFIG_HOME", dir.join("config"));
    cmd.env("XDG_DATA_HOME", dir.join("data"));
    cmd.env("XDG_STATE_HOME", dir.join("state"));
    cmd.env("TERM", "xterm-256color");
    cmd
}

pub struct Terminal {
    screen: Arc<Mutex<(vt100::Parser, Vec<u8>)>>,
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    pub master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Terminal {
    pub fn start(cmd: CommandBuilder) -> Terminal {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new((vt100::Parser::new(ROWS, COLS, 0), Vec::new())));
        let feed = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut screen = feed.lock().unwrap();
                screen.0.process(&buf[..n]);
                screen.1.extend_from_slice(&buf[..n]);
            }
        });
        Terminal {
            screen,
            writer,
            child,
            master: pty.master,
        }
    }

    pub fn text(&self) -> String {
        self.screen.lock().unwrap().0.screen().contents()
    }

    pub fn raw(&self) -> Vec<u8> {
        self.screen.lock().unwrap().1.clone()
    }

    /// Waits until the screen shows what `ready` looks for; fails with the screen otherwise.
    pub fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if ready(&text) {
                return text;
            }
            if Instant::now() > deadline {
                panic!("waited for {what}; the screen is:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |t| t.contains(needle))
    }

    pub fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // One key at a time, as a person types; the dashboard redraws in between.
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Waits for the program to end (at most 30 s, then kills it and fails).
    pub fn exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the program did not end; the screen is:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Checks that the program gave the terminal back: the last entry into the alternate
    /// screen is followed by leaving it, showing the cursor and stopping the mouse reports.
    /// Waits a little for the last bytes to come through the pty.
    pub fn assert_given_back(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let raw = self.raw();
            let last = |needle: &[u8]| raw.windows(needle.len()).rposition(|w| w == needle);
            let entered = last(ENTER_ALTERNATE_SCREEN).expect("used the alternate screen");
            let after = |needle: &[u8]| last(needle).is_some_and(|at| at > entered);
            let missing: Vec<&str> = [
                (LEAVE_ALTERNATE_SCREEN, "left the alternate screen"),
                (SHOW_CURSOR, "cursor shown again"),
                (MOUSE_OFF, "mouse reporting off"),
            ]
            .into_iter()
            .filter(|(needle, _)| !after(needle))
            .map(|(_, what)| what)
            .collect();
            if missing.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "the terminal was not given back: not {missing:?}; its last bytes: {:?}",
                    String::from_utf8_lossy(&raw[raw.len().saturating_sub(200)..])
                );
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

/// The terminal's modes as the program left them.
pub fn termios_of(master: &dyn portable_pty::MasterPty) -> libc::termios {
    let fd = master.as_raw_fd().expect("the pty has a descriptor");
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    t
}
