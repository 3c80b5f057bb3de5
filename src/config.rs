//! Where legion-hub keeps its files, and the settings read from `config.toml`.
//!
//! Paths come from `directories` and can be moved with `--data-dir` / `LEGION_HUB_DATA_DIR`,
//! `--config` / `LEGION_HUB_CONFIG` and `--log-dir` / `LEGION_HUB_LOG_DIR`. The config file is
//! optional; a broken one is an error that names the file, the line and the key, because a
//! silently ignored setting is worse than none.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The default config, with every key documented; `legion-hub paths` points at where it goes.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/config.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot work out a home directory for legion-hub's files: set --data-dir (or LEGION_HUB_DATA_DIR) and --config (or LEGION_HUB_CONFIG)"
    )]
    NoHome,
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, line {line}{key}: {message}\nfix or remove that line (every key is described in `legion-hub config default`)", key = key.as_deref().map(|k| format!(", key `{k}`")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    #[error("{name} is `{value}`, not an http:// or https:// URL: fix it or unset it")]
    BadEnv { name: &'static str, value: String },
}

/// What every endpoint setting must be.
fn is_http_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Every place legion-hub reads or writes.
#[derive(Debug, Clone, Serialize)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    /// Logs; `--log-dir`, else the platform's state directory, or `logs/` inside a data dir given
    /// by hand.
    pub log_dir: PathBuf,
    pub key_file: PathBuf,
    /// Whether the data dir was chosen by hand (`--data-dir`), not the platform default.
    #[serde(skip)]
    pub data_dir_overridden: bool,
}

/// What the user asked for on the command line or in the environment.
#[derive(Debug, Clone, Default)]
pub struct PathOverrides {
    pub data_dir: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub log_dir: Option<PathBuf>,
}

impl Paths {
    pub fn resolve(overrides: &PathOverrides) -> Result<Paths, ConfigError> {
        let dirs = directories::ProjectDirs::from("com", "Legion Finance", "legion-hub");
        let config_dir = dirs.as_ref().map(|d| d.config_dir().to_path_buf());
        let config_file = match (&overrides.config_file, &config_dir) {
            (Some(file), _) => file.clone(),
            (None, Some(dir)) => dir.join("config.toml"),
            (None, None) => return Err(ConfigError::NoHome),
        };
        let (data_dir, log_dir) = match (&overrides.data_dir, &dirs) {
            // A data dir given by hand keeps its logs beside it, so a throwaway dir leaves no trace.
            (Some(dir), _) => (dir.clone(), dir.join("logs")),
            (None, Some(d)) => {
                let data = d.data_dir().to_path_buf();
                let logs = d
                    .state_dir()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| data.join("logs"));
                (data, logs)
            }
            (None, None) => return Err(ConfigError::NoHome),
        };
        let log_dir = overrides.log_dir.clone().unwrap_or(log_dir);
        let key_file = match config_dir {
            Some(dir) if overrides.data_dir.is_none() => dir.join("master.key"),
            // With a hand-picked data dir the key stays with it: tests and demos never touch the
            // user's real key. `[secrets] key_file` moves it anywhere.
            _ => data_dir.join("master.key"),
        };
        Ok(Paths {
            config_file,
            data_dir,
            log_dir,
            key_file,
            data_dir_overridden: overrides.data_dir.is_some(),
        })
    }

    /// A data dir of its own, for `demo` and tests.
    pub fn in_dir(dir: &Path) -> Paths {
        Paths {
            config_file: dir.join("config.toml"),
            data_dir: dir.to_path_buf(),
            log_dir: dir.join("logs"),
            key_file: dir.join("master.key"),
            data_dir_overridden: true,
        }
    }

    pub fn hub_db(&self) -> PathBuf {
        self.data_dir.join("hub")
    }

    pub fn records_db(&self) -> PathBuf {
        self.data_dir.join("records")
    }

    pub fn lock_file(&self) -> PathBuf {
        self.data_dir.join("legion-hub.lock")
    }

    /// Where the process that owns the data answers the others.
    pub fn control_socket(&self) -> PathBuf {
        self.data_dir.join("control.sock")
    }
}

/// The settings in `config.toml`. Unknown keys are errors: a typo must not pass silently.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub ui: UiConfig,
    pub log: LogConfig,
    pub secrets: SecretsConfig,
    pub gemini: GeminiConfig,
    pub mindbody: crate::integrations::mindbody::MindbodyEndpoints,
    pub server: ServerConfig,
    pub books: BooksConfig,
    pub mirror: crate::mirror::settings::MirrorConfig,
}

/// The books' settings: how long a card sale may wait for its deposit before it needs a look,
/// and how long a processor takes to pay a batch.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BooksConfig {
    /// Business days after which a card sale seen in no deposit is overdue (`status` exits 3).
    pub deposit_overdue_days: u32,
    /// Business days a processor may take to pay a settled batch.
    pub payout_days: u32,
    /// Financial classes of the studio's own, offered to categorization besides the category
    /// map's and the default chart's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// A class whose projection for this month falls short of its budget by more than this
    /// percent of the budget is warned of (the hub's title line, `status`).
    pub budget_warn_percent: u32,
}

impl Default for BooksConfig {
    fn default() -> Self {
        BooksConfig {
            deposit_overdue_days: 5,
            payout_days: 5,
            classes: Vec::new(),
            budget_warn_percent: 10,
        }
    }
}

/// What `serve` (and any process that owns the data) listens on.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// The webhook receiver's address; `127.0.0.1:8787` unless set. Put a TLS proxy in front.
    pub webhook_addr: Option<String>,
    /// Proxies whose `X-Forwarded-For` says who the client is; from any other peer the header is
    /// ignored. Empty unless set (`["127.0.0.1", "::1"]` for a TLS proxy on this machine).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl ServerConfig {
    pub const DEFAULT_WEBHOOK_ADDR: &'static str = "127.0.0.1:8787";

    pub fn webhook_addr(&self) -> String {
        self.webhook_addr
            .clone()
            .unwrap_or_else(|| Self::DEFAULT_WEBHOOK_ADDR.into())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GeminiConfig {
    /// Where the Generative Language API lives; `LEGION_HUB_GEMINI_BASE_URL` wins.
    pub base_url: Option<String>,
    /// What of the books may be sent to Gemini, for the chat and for categorization.
    pub books_access: crate::books::access::BooksAccessSetting,
    /// Whether customers' names may be sent (the chat's top customers); never by default.
    pub customer_names: bool,
}

impl GeminiConfig {
    /// The base URL in force (the environment was folded in when settings were loaded).
    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| crate::integrations::gemini::DEFAULT_BASE_URL.to_string())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Mouse scrolling and clicking in the dashboard.
    pub mouse: bool,
    pub color: ColorMode,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            mouse: true,
            color: ColorMode::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// Colour unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorMode {
    pub fn use_color(self) -> bool {
        self.use_color_with(std::env::var_os("NO_COLOR"))
    }

    /// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
    fn use_color_with(self, no_color: Option<std::ffi::OsString>) -> bool {
        match self {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter; `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    /// Where the master key lives, if not in the default place.
    pub key_file: Option<PathBuf>,
}

impl Config {
    /// Reads the config file. A missing file is fine (defaults) unless the user named it.
    pub fn load(path: &Path, named_by_user: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named_by_user => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
            let (line, key) = locate_key(text, offset);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                key,
                message: e.message().trim().to_string(),
            }
        })?;
        // Values serde accepts but that make no sense, with the line they are on.
        let invalid = |key: &str, message: String| {
            let name = key.rsplit('.').next().unwrap_or(key);
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(name))
                .map_or(1, |i| i + 1);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                key: Some(key.into()),
                message,
            }
        };
        let endpoints = &config.mindbody;
        let urls = [
            ("gemini.base_url", &config.gemini.base_url),
            ("mindbody.authorize_url", &endpoints.authorize_url),
            ("mindbody.token_url", &endpoints.token_url),
            ("mindbody.api_url", &endpoints.api_url),
            ("mindbody.revocation_url", &endpoints.revocation_url),
            ("mindbody.webhooks_url", &endpoints.webhooks_url),
        ];
        for (key, url) in urls {
            if let Some(url) = url
                && !is_http_url(url)
            {
                return Err(invalid(
                    key,
                    format!("`{url}` is not an http:// or https:// URL"),
                ));
            }
        }
        let intervals = [
            ("mindbody.sync_every", &endpoints.sync_every),
            ("mindbody.lookback_every", &endpoints.lookback_every),
            ("mindbody.catch_up_every", &endpoints.catch_up_every),
        ];
        for (key, every) in intervals {
            if let Some(every) = every
                && crate::integrations::mindbody::settings::parse_interval(every).is_none()
            {
                return Err(invalid(
                    key,
                    format!(
                        "`{every}` is not an interval like \"30m\", \"1h\" or \"90s\" (at most {}d)",
                        crate::integrations::mindbody::settings::LONGEST_INTERVAL_DAYS
                    ),
                ));
            }
        }
        // Counts that become durations and dates: past these they mean nothing, and far past
        // them the date arithmetic would overflow.
        const COUNTS: [(&str, i128, i128); 4] = [
            ("mindbody.lookback_days", 0, 90),
            ("mindbody.first_sync_days", 1, 3660),
            ("mindbody.refresh_margin_secs", 0, 3600),
            ("mindbody.connect_timeout_secs", 1, 86400),
        ];
        let values = [
            endpoints.lookback_days.map(i128::from),
            endpoints.first_sync_days.map(i128::from),
            endpoints.refresh_margin_secs.map(i128::from),
            endpoints.connect_timeout_secs.map(i128::from),
        ];
        for ((key, low, high), value) in COUNTS.into_iter().zip(values) {
            if let Some(value) = value
                && !(low..=high).contains(&value)
            {
                return Err(invalid(
                    key,
                    format!("{value} is out of range: use {low} to {high}"),
                ));
            }
        }
        if config.books.budget_warn_percent > 100 {
            return Err(invalid(
                "books.budget_warn_percent",
                format!(
                    "{} is out of range: use 0 to 100 (percent of a budget)",
                    config.books.budget_warn_percent
                ),
            ));
        }
        if let Some(addr) = &config.server.webhook_addr
            && addr.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(invalid(
                "server.webhook_addr",
                format!("`{addr}` is not an address like \"127.0.0.1:8787\""),
            ));
        }
        Ok(config)
    }
}

/// The 1-based line of `offset` in `text`, and the dotted key written on that line (with the
/// `[table]` it sits in), so an error can say "line 7, key `ui.mouse`".
fn locate_key(text: &str, offset: usize) -> (usize, Option<String>) {
    let before = text.get(..offset).unwrap_or(text);
    let line_no = before.matches('\n').count() + 1;
    let mut table: Option<String> = None;
    let mut key: Option<String> = None;
    for (i, line) in text.lines().enumerate().take(line_no) {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            table = Some(
                header
                    .trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_string(),
            );
            if i + 1 == line_no {
                key = table.clone();
            }
        } else if i + 1 == line_no {
            key = line
                .split_once('=')
                .map(|(k, _)| k.trim().trim_matches('"').to_string())
                .filter(|k| !k.is_empty() && !k.starts_with('#'))
                .map(|k| match &table {
                    Some(t) => format!("{t}.{k}"),
                    None => k,
                });
        }
    }
    (line_no, key)
}

/// The resolved paths and the settings, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Paths,
    pub config: Config,
}

impl Settings {
    pub fn load(overrides: &PathOverrides) -> Result<Settings, ConfigError> {
        let mut paths = Paths::resolve(overrides)?;
        let mut config = Config::load(&paths.config_file, overrides.config_file.is_some())?;
        // The environment wins over the file; folded in once here so nothing else reads it.
        if let Some(url) = std::env::var(crate::integrations::gemini::BASE_URL_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            config.gemini.base_url = Some(url.trim().to_string());
        }
        config.mindbody.apply_env(|name| std::env::var(name).ok());
        config.mirror.apply_env(|name| std::env::var(name).ok());
        let endpoint_vars = crate::integrations::mindbody::MindbodyEndpoints::ENV
            .iter()
            .map(|(name, _)| *name);
        for name in endpoint_vars.chain([crate::integrations::gemini::BASE_URL_ENV]) {
            if let Ok(value) = std::env::var(name)
                && !value.trim().is_empty()
                && !is_http_url(value.trim())
            {
                return Err(ConfigError::BadEnv { name, value });
            }
        }

        if let Some(key_file) = &config.secrets.key_file {
            paths.key_file = key_file.clone();
        }
        Ok(Settings { paths, config })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_parses_to_defaults() {
        let parsed = Config::parse(Path::new("config.toml"), DEFAULT_CONFIG).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let text = "[ui]\nmouse = true\ncolour = \"never\"\n";
        let err = Config::parse(Path::new("/etc/c.toml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("/etc/c.toml, line 3, key `ui.colour`"),
            "{msg}"
        );
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let text = "# comment\n[ui]\nmouse = \"yes\"\n";
        let err = Config::parse(Path::new("c.toml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 3, key `ui.mouse`"), "{msg}");
    }

    #[test]
    fn a_nonsense_schedule_names_its_line() {
        let text = "[mindbody]\nsync_every = \"sometimes\"\n";
        let err = Config::parse(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, key `mindbody.sync_every`"), "{err}");
    }

    /// Values that read as numbers but would overflow the date arithmetic they feed (they
    /// panicked in chrono before they were checked here).
    #[test]
    fn counts_and_intervals_out_of_range_name_their_line() {
        for (text, says) in [
            (
                "[mindbody]\nsync_every = \"99999999999999999d\"\n",
                "at most 366d",
            ),
            (
                "[mindbody]\nlookback_days = 9223372036854775807\n",
                "use 0 to 90",
            ),
            ("[mindbody]\nfirst_sync_days = 0\n", "use 1 to 3660"),
            (
                "[mindbody]\nrefresh_margin_secs = 18446744073709551615\n",
                "use 0 to 3600",
            ),
            (
                "[mindbody]\napi_url = \"ftp://example.com\"\n",
                "not an http",
            ),
            ("[mindbody]\ntoken_url = \"not a url\"\n", "not an http"),
        ] {
            let err = Config::parse(Path::new("c.toml"), text)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("line 2") && err.contains(says),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_and_a_wrong_one_names_its_line() {
        let text = "[server]\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n";
        let parsed = Config::parse(Path::new("c.toml"), text).unwrap();
        assert_eq!(
            parsed.server.trusted_proxies,
            vec![
                "127.0.0.1".parse::<std::net::IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let text = "[server]\ntrusted_proxies = [\"localhost\"]\n";
        let err = Config::parse(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("server.trusted_proxies"), "{err}");
    }

    #[test]
    fn the_budget_warning_is_a_percent_from_0_to_100() {
        assert_eq!(Config::default().books.budget_warn_percent, 10);
        let parsed = Config::parse(Path::new("c.toml"), "[books]\nbudget_warn_percent = 25\n");
        assert_eq!(parsed.unwrap().books.budget_warn_percent, 25);
        for bad in ["101", "-5", "12.5", "\"ten\""] {
            let text = format!("[books]\npayout_days = 5\nbudget_warn_percent = {bad}\n");
            let err = Config::parse(Path::new("c.toml"), &text)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("line 3") && err.contains("budget_warn_percent"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn syntax_error_names_line() {
        let text = "[log]\nfilter = \"info\n";
        let err = Config::parse(Path::new("c.toml"), text).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn no_color_is_honoured_unless_colour_is_forced() {
        let set = || Some(std::ffi::OsString::from("1"));
        assert!(!ColorMode::Auto.use_color_with(set()));
        assert!(ColorMode::Auto.use_color_with(None));
        assert!(ColorMode::Auto.use_color_with(Some("".into())));
        assert!(ColorMode::Always.use_color_with(set()));
        assert!(!ColorMode::Never.use_color_with(None));
    }

    #[test]
    fn missing_default_file_is_fine_but_missing_named_file_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.toml");
        assert_eq!(Config::load(&path, false).unwrap(), Config::default());
        assert!(matches!(
            Config::load(&path, true),
            Err(ConfigError::Read { .. })
        ));
    }
}
