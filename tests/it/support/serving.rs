//! The real binary with the sandbox's endpoints (its data in `dir/data`), and `serve` started and
//! attached to; the tests and the benches that measure `serve` from outside share it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use legion_hub::config::{Config, Paths, Settings};
use legion_hub::engine::{Engine, Role};
use legion_hub::sandbox::Sandbox;

pub fn hub(dir: &Path, sandbox: &Sandbox) -> Command {
    let mut cmd = super::binary::in_dir(dir);
    super::binary::at_mindbody(&mut cmd, &sandbox.mindbody)
        .env("LEGION_HUB_MINDBODY_WEBHOOKS_URL", sandbox.webhooks.url());
    cmd
}

pub fn settings(dir: &Path, sandbox: &Sandbox) -> Settings {
    Settings {
        paths: Paths::in_dir(&dir.join("data")),
        config: Config {
            mindbody: sandbox.mindbody_endpoints(),
            ..Config::default()
        },
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve` and waits until it answers on its control socket.
pub async fn serve(dir: &Path, sandbox: &Sandbox, port: u16) -> (Child, Engine) {
    let mut cmd = hub(dir, sandbox);
    cmd.args(["serve", "--webhook-addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    started(cmd.spawn().unwrap(), dir, sandbox).await
}

/// The webhook summary once `received` deliveries are counted: a delivery is answered once it
/// is in the inbox file and counted when it is filed into the trees, just after (bounded wait).
pub async fn once_filed(remote: &Engine, received: u64) -> legion_hub::engine::WebhookSummary {
    let mut summary = remote.webhook_summary().await.unwrap();
    for _ in 0..500 {
        if summary.counts.received >= received {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        summary = remote.webhook_summary().await.unwrap();
    }
    summary
}

/// Subscribes the `serve` receiving on `port` at the sandbox, so the sandbox's sender signs
/// for it.
pub async fn subscribe(remote: &Engine, port: u16) {
    remote
        .subscribe_webhooks(
            format!("http://127.0.0.1:{port}/webhooks/mindbody"),
            Vec::new(),
        )
        .await
        .unwrap();
}

/// Waits until the `serve` just spawned answers on its control socket (and reaps it if it
/// never does).
pub async fn started(mut child: Child, dir: &Path, sandbox: &Sandbox) -> (Child, Engine) {
    for _ in 0..500 {
        if let Ok(engine @ Engine::Remote(_)) =
            Engine::attach_or_open(&settings(dir, sandbox), Role::Status).await
        {
            return (child, engine);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve did not start");
}

/// A data dir with Mindbody configured and signed in at the sandbox (no process holds it
/// after).
pub async fn signed_in(sandbox: &Sandbox) -> tempfile::TempDir {
    let dir = configured(sandbox).await;
    sandbox.mindbody.set_auto_approve(true);
    let engine = super::mindbody::open(&settings(dir.path(), sandbox));
    engine.connect_mindbody(true).await.unwrap();
    drop(engine);
    dir
}

/// A data dir with Mindbody configured for the sandbox (done here, before `serve` owns it).
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
        Serving::start_with(dir, sandbox, port, |cmd| {
            if let Some(nofile) = nofile {
                super::attack::limit_open_files_from_start(cmd, nofile);
            }
        })
        .await
    }

    /// [`Serving::start`] with the command changed by `adjust` first (its environment, say).
    pub async fn start_with(
        dir: &Path,
        sandbox: &Sandbox,
        port: u16,
        adjust: impl FnOnce(&mut Command),
    ) -> Serving {
        let mut cmd = hub(dir, sandbox);
        cmd.args(["serve", "--webhook-addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        adjust(&mut cmd);
        let (child, remote) = started(cmd.spawn().expect("serve starts"), dir, sandbox).await;
        Serving {
            child,
            remote,
            port,
        }
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

/// After a kill: the records, their date index and the kept count of transactions agree (a
/// torn write would leave a record missing from every list and total). Opens the store, so the
/// process that held it must be gone.
pub fn assert_transactions_whole(dir: &Path, sandbox: &Sandbox) {
    let store = legion_hub::store::Store::open(&settings(dir, sandbox).paths, "test").unwrap();
    let tallies = store.transaction_tallies().unwrap();
    assert!(
        tallies.agree(),
        "records, index and count agree: {tallies:?}"
    );
}

/// The webhook receiver run in this process (the engine must be the local one) on a free
/// loopback port, subscribed at Mindbody: the services (dropping them stops the receiver) and
/// the address Mindbody posts to.
pub async fn receiving_here(
    engine: &Engine,
    settings: &Settings,
) -> (legion_hub::server::Services, String) {
    let core = engine.local().expect("the engine of this process");
    let services = legion_hub::server::start(core, settings, Some("127.0.0.1:0"))
        .await
        .unwrap();
    let url = format!(
        "http://{}{}",
        services.webhook_addr.unwrap(),
        legion_hub::server::webhooks::PATH
    );
    let subscription = engine
        .subscribe_webhooks(url.clone(), Vec::new())
        .await
        .unwrap();
    assert_eq!(subscription.status, "Active");
    (services, url)
}
