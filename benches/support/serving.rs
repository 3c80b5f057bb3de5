//! The real `legion-hub serve` for the benches that measure it from outside: a data dir
//! configured for the sandbox and subscribed at it, `serve` started (optionally with few open
//! files allowed) and stopped as systemd stops it, and what a process uses, read from `/proc`.

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use legion_hub::config::{Config, Paths, Settings};
use legion_hub::engine::{Engine, Role};
use legion_hub::sandbox::Sandbox;

pub fn settings(dir: &Path, sandbox: &Sandbox) -> Settings {
    Settings {
        paths: Paths::in_dir(dir),
        config: Config {
            mindbody: sandbox.mindbody_endpoints(),
            ..Config::default()
        },
    }
}

/// The release binary with its data (and logs, in `dir/logs`) in `dir`.
pub fn hub(dir: &Path, sandbox: &Sandbox) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_legion-hub"));
    cmd.arg("--data-dir")
        .arg(dir)
        .env("XDG_CONFIG_HOME", dir.join("no-config"))
        .env_remove("LEGION_HUB_CONFIG")
        .env_remove("LEGION_HUB_MASTER_KEY")
        .env("LEGION_HUB_MINDBODY_API_URL", sandbox.mindbody.api_url())
        .env("LEGION_HUB_MINDBODY_WEBHOOKS_URL", sandbox.webhooks.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `serve` on `port`, killed if the bench fails before stopping it.
pub struct Serving {
    pub child: Child,
    pub remote: Engine,
    pub port: u16,
}

impl Serving {
    /// Starts `serve` on `dir` and waits until it answers on its control socket; with
    /// `nofile`, its open files are limited to that (soft and hard) from the start.
    pub async fn start(dir: &Path, sandbox: &Sandbox, port: u16, nofile: Option<u64>) -> Serving {
        let mut cmd = hub(dir, sandbox);
        cmd.args(["serve", "--webhook-addr", &format!("127.0.0.1:{port}")]);
        if let Some(nofile) = nofile {
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
        let mut child = cmd.spawn().expect("serve starts");
        for _ in 0..1000 {
            if let Ok(remote @ Engine::Remote(_)) =
                Engine::attach_or_open(&settings(dir, sandbox), Role::Status).await
            {
                return Serving {
                    child,
                    remote,
                    port,
                };
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/webhooks/mindbody", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, as systemd stops it: `serve` saves and flushes before it exits.
    pub fn stop(mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A data dir configured for the sandbox and subscribed at it (so the sandbox signs deliveries
/// for it), with no process holding it: `serve` was started, subscribed, and stopped again, so
/// the next delivery comes on a new connection, as Mindbody's do.
pub async fn subscribed(sandbox: &Sandbox) -> (tempfile::TempDir, u16) {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = Engine::open(&settings(dir.path(), sandbox), Role::Command).unwrap();
        engine
            .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
                &legion_hub::demo::free_redirect_uri(),
            ))
            .await
            .unwrap();
    }
    let port = free_port();
    let serving = Serving::start(dir.path(), sandbox, port, None).await;
    serving
        .remote
        .subscribe_webhooks(serving.url(), Vec::new())
        .await
        .unwrap();
    serving.stop();
    (dir, port)
}

/// The start of a request that never finishes.
const PARTIAL_HEADER: &[u8] = b"POST /webhooks/mindbody HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

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

/// Lines in the files of `log_dir`.
pub fn log_lines(log_dir: &Path) -> usize {
    std::fs::read_dir(log_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .map(|text| text.iter().filter(|b| **b == b'\n').count())
        .sum()
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
