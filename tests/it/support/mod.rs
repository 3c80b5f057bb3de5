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
        site: None,
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

pub mod attack;
pub mod bank_files;
pub mod binary;
pub mod cable;
pub mod cases;
pub mod dashboard;
pub mod fixture_store;
pub mod matching;
pub mod mirrored;
pub mod postgres;
pub mod pty;
pub mod readers;
pub mod sign_in;

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
    pub struct FollowingBrowser;

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

    /// Settings for the sandbox's application, with the hub's registered redirect on a free
    /// loopback port (the sandbox sends codes nowhere else).
    pub async fn configure(engine: &Engine) {
        engine
            .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
                &legion_hub::demo::free_redirect_uri(),
            ))
            .await
            .unwrap();
    }

    /// Configures and signs in (the sandbox must auto-approve).
    pub async fn connect(engine: &Engine) {
        configure(engine).await;
        engine.connect_mindbody(true).await.unwrap();
    }

    /// A sync of the sales alone.
    pub fn sales_only() -> legion_hub::engine::SyncRequest {
        legion_hub::engine::SyncRequest {
            only: Some(legion_hub::engine::SyncKind::Sales),
            ..legion_hub::engine::SyncRequest::default()
        }
    }

    /// Items in a sandbox studio's sales: one, or two for every third sale.
    pub fn items(sales: u64) -> u64 {
        (0..sales).map(|i| if i % 3 == 0 { 2 } else { 1 }).sum()
    }

    /// The sandbox (auto-approving) with a studio of `sales` sales over the last two weeks, and
    /// a data directory for the hub.
    pub async fn studio(sales: u64) -> (MindbodySandbox, tempfile::TempDir) {
        let sandbox = MindbodySandbox::start().await.unwrap();
        sandbox.set_auto_approve(true);
        sandbox.set_studio(legion_hub::sandbox::studio::Studio::new(
            sales,
            60,
            chrono::Local::now().naive_local() - chrono::Duration::minutes(5),
            14,
        ));
        (sandbox, tempfile::tempdir().unwrap())
    }
}

pub mod history;
pub mod serving;

pub mod secrets {
    //! A hub with secrets sealed and history kept, and the real binary pointed at it, for the
    //! secrets, integrity and backup tests.

    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    use legion_hub::config::Paths;
    use legion_hub::domain::Provider;
    use legion_hub::secret::Secret;
    use legion_hub::store::{Credentials, Store, TokenSet};

    /// The binary with every path inside `dir`: data in `dir/data`, no key in the environment.
    pub fn hub(dir: &Path) -> Command {
        let mut cmd = super::binary::in_dir(dir);
        cmd.stdin(std::process::Stdio::null());
        cmd
    }

    pub fn data(dir: &Path) -> PathBuf {
        dir.join("data")
    }

    /// Runs `cmd` and gives back its output; stderr is text.
    pub fn output(cmd: &mut Command) -> (Option<i32>, String, String) {
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("the binary runs");
        (
            status.code(),
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }

    /// What [`seed`] sealed.
    pub fn mindbody_secrets() -> BTreeMap<&'static str, &'static str> {
        BTreeMap::from([
            ("api_key", "mb-api-key-1"),
            ("client_secret", "mb-client-secret-shown-once"),
            ("signature_key", "mb-webhook-signing-key-shown-once"),
        ])
    }

    /// A hub in `dir/data` (key file `dir/data/master.key`) with Mindbody's and Gemini's
    /// credentials, Mindbody's tokens, and `history_runs` sync runs in the records database.
    pub async fn seed(dir: &Path, history_runs: u64) {
        let data = data(dir);
        {
            let engine = super::open_engine(&data);
            engine
                .import_sync_history(
                    Provider::Mindbody,
                    super::runs(Provider::Mindbody, history_runs),
                )
                .await
                .unwrap();
        }
        let store = Store::open(&Paths::in_dir(&data), "command").unwrap();
        let secrets = mindbody_secrets()
            .into_iter()
            .map(|(k, v)| (k.to_string(), Secret::new(v)))
            .collect();
        store
            .put_credentials(Provider::Mindbody, &Credentials(secrets))
            .unwrap();
        store
            .put_credentials(
                Provider::Gemini,
                &Credentials(BTreeMap::from([(
                    "api_key".into(),
                    Secret::new("AIza-gemini"),
                )])),
            )
            .unwrap();
        store.put_tokens(Provider::Mindbody, &tokens()).unwrap();
        store.flush().unwrap();
    }

    pub fn tokens() -> TokenSet {
        TokenSet {
            access_token: Secret::new("access-1"),
            refresh_token: Some(Secret::new("refresh-1")),
            token_type: "Bearer".into(),
            expires_at: None,
            scope: Some("offline_access".into()),
            created_at: super::noon(),
        }
    }

    /// Asserts that every secret [`seed`] sealed opens, with the key file in `data` (read by a
    /// store that only reads: the glance's role).
    pub fn assert_secrets_intact(data: &Path) {
        let store = Store::open(&Paths::in_dir(data), "status").unwrap();
        let mindbody = store.credentials(Provider::Mindbody).unwrap().unwrap();
        for (name, value) in mindbody_secrets() {
            assert_eq!(mindbody.0[name].expose(), value, "{name}");
        }
        let gemini = store.credentials(Provider::Gemini).unwrap().unwrap();
        assert_eq!(gemini.0["api_key"].expose(), "AIza-gemini");
        assert_eq!(store.tokens(Provider::Mindbody).unwrap().unwrap(), tokens());
    }

    /// The key file's key as `LEGION_HUB_MASTER_KEY` spells it.
    pub fn key_hex(key_file: &Path) -> String {
        std::fs::read(key_file)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The id the hub shows for the key in `key_file`.
    pub fn key_id(key_file: &Path) -> String {
        legion_hub::store::fingerprint::key_id(&std::fs::read(key_file).unwrap())
    }

    /// The mode bits of a path.
    pub fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// A hub in `data` signed in to a sandbox studio of the demo's size (2,000 sales, 300
    /// clients, 30 days), synced whole, with the demo's sync history: what sled writes for a
    /// real studio (its log spans several segments).
    pub async fn synced_studio(data: &Path) {
        let sandbox = legion_hub::sandbox::mindbody::MindbodySandbox::start()
            .await
            .unwrap();
        sandbox.set_auto_approve(true);
        sandbox.set_studio(legion_hub::sandbox::studio::Studio::new(
            2_000,
            300,
            chrono::Local::now().naive_local(),
            30,
        ));
        let settings = super::mindbody::settings(data, &sandbox, |_| {});
        let engine = super::mindbody::open(&settings);
        super::mindbody::connect(&engine).await;
        engine
            .sync_mindbody(legion_hub::engine::SyncRequest::default())
            .await
            .unwrap();
        legion_hub::demo::seed(&engine).await.unwrap();
        engine.flush().unwrap();
    }
}
