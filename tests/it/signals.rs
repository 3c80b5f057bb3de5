//! `kill` and a dropped SSH connection end the dashboard the way `q` does: the terminal given
//! back (alternate screen left, cursor shown, mouse reports off, cooked mode), the demo's
//! throwaway data directory (its master key included) removed, and the exit status a shell
//! expects of a process a signal ended (128 + the signal).

use crate::support::pty;

use std::path::{Path, PathBuf};

use pty::{Terminal, termios_of};

/// The demo's throwaway data directories in the temporary folder `dir`.
fn throwaway_dirs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("legion-hub-demo-"))
        })
        .collect()
}

fn ends_cleanly_on(signal: i32) {
    let dir = tempfile::tempdir().unwrap();
    let mut term = Terminal::start(pty::demo(dir.path()));
    let before = termios_of(term.master.as_ref());
    term.wait_for("Integrations Hub");
    let data = throwaway_dirs(dir.path());
    assert_eq!(data.len(), 1, "the demo made its data directory in TMPDIR");
    assert!(data[0].join("master.key").exists(), "with its master key");

    let pid = term.child.process_id().expect("the demo's pid") as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let status = term.exit();

    term.assert_given_back();
    let after = termios_of(term.master.as_ref());
    assert_eq!(after.c_lflag, before.c_lflag, "cooked mode as before");
    assert_eq!(after.c_iflag, before.c_iflag);
    assert_eq!(after.c_oflag, before.c_oflag);
    assert_eq!(
        throwaway_dirs(dir.path()),
        Vec::<PathBuf>::new(),
        "the throwaway data is gone"
    );
    assert_eq!(
        (status.signal(), status.exit_code()),
        (None, 128 + signal as u32),
        "ended by its own hand, with the shell's status for the signal"
    );
}

#[test]
fn sigterm_gives_the_terminal_back_and_removes_the_demo_data() {
    ends_cleanly_on(libc::SIGTERM);
}

#[test]
fn a_dropped_connection_sighup_does_too() {
    ends_cleanly_on(libc::SIGHUP);
}
