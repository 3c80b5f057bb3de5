//! Tools for attacking the real `serve` from outside and reading what it cost, shared by the
//! abuse and connection tests and by `benches/abuse.rs` (which includes this file by path):
//! half-open connections, limits on open files, and CPU, log lines and disk read from `/proc`
//! and the file system. Only std and libc, so both can include it.

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The start of a request that never finishes.
pub const PARTIAL_HEADER: &[u8] =
    b"POST /webhooks/mindbody HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

/// Opens up to `count` connections that send the start of a header and then stay silent.
pub fn half_open(port: u16, count: usize) -> Vec<TcpStream> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(mut stream) => {
                let _ = stream.write_all(PARTIAL_HEADER);
                streams.push(stream);
            }
            Err(_) => break,
        }
    }
    streams
}

/// Limits the open files of the process `cmd` starts to `nofile` (soft and hard), from exec on.
pub fn limit_open_files_from_start(cmd: &mut Command, nofile: u64) {
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: nofile,
                rlim_max: nofile,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The open files of process `pid`.
pub fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Sets process `pid`'s soft limit of open files, keeping the hard one.
pub fn limit_open_files(pid: u32, soft: u64) {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both pointers are to live rlimits; prlimit only reads `new` and writes `old`.
    unsafe {
        assert_eq!(
            libc::prlimit(pid as i32, libc::RLIMIT_NOFILE, std::ptr::null(), &mut old),
            0
        );
        let new = libc::rlimit {
            rlim_cur: soft,
            rlim_max: old.rlim_max,
        };
        assert_eq!(
            libc::prlimit(pid as i32, libc::RLIMIT_NOFILE, &new, std::ptr::null_mut()),
            0,
            "{}",
            std::io::Error::last_os_error()
        );
    }
}

/// CPU time (user + system) process `pid` has used.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) close with ')'.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    let ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / per_second)
}

/// Lines and bytes in the files of `log_dir`.
pub fn logged(log_dir: &Path) -> (usize, u64) {
    let mut lines = 0;
    let mut bytes = 0;
    for entry in std::fs::read_dir(log_dir).into_iter().flatten().flatten() {
        if let Ok(text) = std::fs::read(entry.path()) {
            lines += text.iter().filter(|b| **b == b'\n').count();
            bytes += text.len() as u64;
        }
    }
    (lines, bytes)
}

/// The text of every file in `log_dir`.
pub fn log_text(log_dir: &Path) -> String {
    std::fs::read_dir(log_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect()
}

/// What the files under `dir` take on disk, as `du` counts it.
pub fn disk_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            disk_bytes(&entry.path())
        } else {
            meta.blocks() * 512
        };
    }
    total
}
