//! The real `legion-hub serve` for the benches that measure it from outside: a data dir
//! configured for the sandbox and subscribed at it, `serve` started (optionally with few open
//! files allowed) and stopped as systemd stops it.

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
            super::attack::limit_open_files_from_start(&mut cmd, nofile);
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
    let dir = configured(sandbox).await;
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

/// A data dir with Mindbody configured for the sandbox, with no process holding it.
pub async fn configured(sandbox: &Sandbox) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(&settings(dir.path(), sandbox), Role::Command).unwrap();
    engine
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
            &legion_hub::demo::free_redirect_uri(),
        ))
        .await
        .unwrap();
    dir
}
