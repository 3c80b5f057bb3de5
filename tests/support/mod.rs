//! Helpers shared by the integration tests: temp data dirs, fixed times, seeded engines.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::engine::{Engine, Role};
use legion_hub::store::{RecordCounts, SyncLog};

/// The moment every snapshot is taken at.
pub fn noon() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc()
}

pub fn settings_in(dir: &std::path::Path) -> Settings {
    Settings {
        paths: Paths::in_dir(dir),
        config: Config::default(),
    }
}

pub fn open_engine(dir: &std::path::Path) -> Engine {
    Engine::open(&settings_in(dir), Role::Dashboard).expect("engine opens")
}

pub fn run(
    provider: Provider,
    status: SyncStatus,
    minutes_ago: i64,
    error: Option<&str>,
) -> SyncLog {
    let started_at = noon() - Duration::minutes(minutes_ago);
    SyncLog {
        provider,
        seq: 0,
        sync_type: "sales".into(),
        status,
        records: RecordCounts {
            new: 3,
            updated: 1,
            unchanged: 40,
            ..Default::default()
        },
        api_calls: 2,
        unreached: 0,
        error_details: error.map(str::to_string),
        started_at,
        completed_at: (status != SyncStatus::Started).then(|| started_at + Duration::seconds(4)),
    }
}

/// `count` completed runs, a minute apart, the newest `count` minutes before noon... plus one.
pub fn runs(provider: Provider, count: u64) -> Vec<SyncLog> {
    (0..count)
        .map(|i| {
            let mut log = run(provider, SyncStatus::Completed, (count - i) as i64, None);
            log.records.new = i;
            log
        })
        .collect()
}

pub mod mindbody {
    //! A hub connected to the Mindbody sandbox, for the sync tests.

    use std::sync::Arc;
    use std::time::Duration;

    use legion_hub::config::{Config, Paths, Settings};
    use legion_hub::engine::{Engine, EngineOptions, Role};
    use legion_hub::http::RetryPolicy;
    use legion_hub::oauth::browser::BrowserOpener;
    use legion_hub::sandbox::mindbody::*;

    /// Follows the sign-in page's redirect (the sandbox approves at once).
    struct FollowingBrowser;

    impl BrowserOpener for FollowingBrowser {
        fn open(&self, url: &str) -> Result<(), String> {
            let url = url.to_string();
            tokio::spawn(async move {
                let _ = legion_hub::http::client().get(&url).send().await;
            });
            Ok(())
        }
    }

    pub fn settings(
        dir: &std::path::Path,
        sandbox: &MindbodySandbox,
        tune: impl FnOnce(&mut Config),
    ) -> Settings {
        let mut config = Config {
            mindbody: sandbox.endpoints(),
            ..Config::default()
        };
        tune(&mut config);
        Settings {
            paths: Paths::in_dir(dir),
            config,
        }
    }

    pub fn open(settings: &Settings) -> Engine {
        let options = EngineOptions {
            browser: Some(Arc::new(FollowingBrowser)),
            mindbody_retry: RetryPolicy {
                attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_secs(2),
            },
            ..EngineOptions::default()
        };
        Engine::open_with(settings, Role::Dashboard, options).unwrap()
    }

    /// Configures and signs in (the sandbox must auto-approve).
    pub async fn connect(engine: &Engine) {
        engine
            .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
                &legion_hub::demo::free_redirect_uri(),
            ))
            .await
            .unwrap();
        engine.connect_mindbody(true).await.unwrap();
    }
}

pub mod serving {
    //! The real binary with the sandbox's endpoints, and `serve` started and attached to.

    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use legion_hub::config::{Config, Paths, Settings};
    use legion_hub::engine::{Engine, Role};
    use legion_hub::sandbox::Sandbox;

    pub fn hub(dir: &Path, sandbox: &Sandbox) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_legion-hub"));
        let mindbody = &sandbox.mindbody;
        cmd.env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_STATE_HOME", dir.join("state"))
            .env_remove("LEGION_HUB_CONFIG")
            .env_remove("LEGION_HUB_MASTER_KEY")
            .env_remove("GEMINI_API_KEY")
            .env_remove("GOOGLE_GEMINI_API_KEY")
            .env("LEGION_HUB_DATA_DIR", dir.join("data"))
            .env(
                "LEGION_HUB_MINDBODY_AUTHORIZE_URL",
                mindbody.authorize_url(),
            )
            .env("LEGION_HUB_MINDBODY_TOKEN_URL", mindbody.token_url())
            .env("LEGION_HUB_MINDBODY_API_URL", mindbody.api_url())
            .env(
                "LEGION_HUB_MINDBODY_REVOCATION_URL",
                mindbody.revocation_url(),
            )
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
}
