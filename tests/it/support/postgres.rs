//! A throwaway PostgreSQL server for the mirror's tests: a real cluster made by Debian's
//! `initdb` in a temp dir, listening on 127.0.0.1 at a free port, stopped and removed when the
//! handle drops. `initdb` refuses to run as root, so as root the cluster belongs to `nobody`.
//!
//! Where the server binaries are missing, [`Postgres::start`] returns None and the test returns
//! [`skip`], which prints one line saying it was skipped and how to enable it; with
//! `LEGION_HUB_REQUIRE_POSTGRES=1` (set by `.ci/run`) it fails the test instead, so CI cannot
//! pass by skipping.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to 1 to make a missing PostgreSQL a failure rather than a skip.
pub const REQUIRE_ENV: &str = "LEGION_HUB_REQUIRE_POSTGRES";

/// Debian's `nobody`: the unprivileged owner of a cluster started by root.
const NOBODY: u32 = 65534;

pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    owner: Option<u32>,
    server: Option<Child>,
}

/// What a test without a PostgreSQL server does: with `LEGION_HUB_REQUIRE_POSTGRES=1` (CI)
/// it fails; elsewhere it says on stderr that `test` was skipped and how to run it.
pub fn skip(test: &str) {
    if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
        panic!(
            "{test}: PostgreSQL's server binaries (initdb, postgres) are not installed and {REQUIRE_ENV}=1: install Debian's `postgresql` package"
        );
    }
    eprintln!(
        "SKIPPED {test}: no PostgreSQL server here (initdb not found); install Debian's `postgresql` package to run it (CI sets {REQUIRE_ENV}=1 and fails without it)"
    );
}

impl Postgres {
    /// A fresh cluster with a database `hub`, or None when PostgreSQL's server is not
    /// installed (the test then calls [`skip`], which says so, or fails when it is required).
    pub fn start() -> Option<Postgres> {
        let bin = server_binaries()?;
        let owner = (unsafe { libc::geteuid() } == 0).then_some(NOBODY);
        let dir = tempfile::Builder::new()
            .prefix("legion-hub-pg-")
            .tempdir()
            .expect("a temp dir for the cluster");
        if let Some(uid) = owner {
            chown(dir.path(), uid);
        }
        let mut pg = Postgres {
            bin,
            dir,
            port: 0,
            owner,
            server: None,
        };
        let init = pg
            .command("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
            .args(["--locale", "C", "-D"])
            .arg(pg.data())
            .output()
            .expect("initdb runs");
        assert!(
            init.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        pg.port = free_port();
        pg.boot();
        pg.psql("CREATE DATABASE hub");
        Some(pg)
    }

    /// `postgres://postgres@127.0.0.1:PORT/hub`, TLS off (loopback).
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/hub?sslmode=disable",
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server at once (as a crash or a pulled cable would look to the hub).
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            // SIGQUIT: PostgreSQL's immediate shutdown, no checkpoint.
            unsafe { libc::kill(server.id() as i32, libc::SIGQUIT) };
            let _ = server.wait();
        }
    }

    /// Starts the stopped server again on the same port, with its data.
    pub fn restart(&mut self) {
        self.stop();
        self.boot();
    }

    /// Runs SQL with psql against the `hub` database (or `postgres` before it exists) and
    /// returns what it printed, unaligned, tuples only.
    pub fn psql(&self, sql: &str) -> String {
        let database = if sql.starts_with("CREATE DATABASE") {
            "postgres"
        } else {
            "hub"
        };
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", database])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(sql)
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn boot(&mut self) {
        let server = self
            .command("postgres")
            .arg("-D")
            .arg(self.data())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .args(["-c", "max_connections=40"])
            .arg("-k")
            .arg(self.dir.path())
            .arg("-p")
            .arg(self.port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        self.server = Some(server);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            assert!(Instant::now() < deadline, "postgres did not become ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A server command, run as the cluster's owner.
    fn command(&self, name: &str) -> Command {
        let mut command = Command::new(self.bin.join(name));
        if let Some(uid) = self.owner {
            command.uid(uid).gid(uid);
        }
        command.env("LC_ALL", "C");
        command
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where `initdb`, `postgres`, `pg_isready` and `psql` live: Debian keeps the server's under
/// /usr/lib/postgresql/VERSION/bin, off the PATH.
fn server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists() && bin.join("postgres").exists())
        .collect();
    versions.sort();
    // psql (the client package) lives in the same directory.
    versions.pop().filter(|bin| bin.join("psql").exists())
}

fn chown(path: &Path, uid: u32) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let rc = unsafe { libc::chown(c.as_ptr(), uid, uid) };
    assert_eq!(rc, 0, "chown {} to {uid}", path.display());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
