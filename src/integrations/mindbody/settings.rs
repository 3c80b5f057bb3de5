//! Mindbody's settings: the site and the OAuth client (non-secret, in the integration's
//! settings), and the endpoints (from config and the environment).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::DEFAULT_REDIRECT_URI;

pub const SITE_ID: &str = "site_id";
pub const CLIENT_ID: &str = "client_id";
pub const REDIRECT_URI: &str = "redirect_uri";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MindbodySettings {
    pub site_id: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
}

impl MindbodySettings {
    pub fn from_settings(settings: &BTreeMap<String, String>) -> MindbodySettings {
        MindbodySettings {
            site_id: settings.get(SITE_ID).cloned(),
            client_id: settings.get(CLIENT_ID).cloned(),
            redirect_uri: settings.get(REDIRECT_URI).cloned(),
        }
    }

    pub fn write_to(&self, settings: &mut BTreeMap<String, String>) {
        for (key, value) in [
            (SITE_ID, &self.site_id),
            (CLIENT_ID, &self.client_id),
            (REDIRECT_URI, &self.redirect_uri),
        ] {
            match value {
                Some(v) => {
                    settings.insert(key.to_string(), v.clone());
                }
                None => {
                    settings.remove(key);
                }
            }
        }
    }

    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri.as_deref().unwrap_or(DEFAULT_REDIRECT_URI)
    }
}

/// Where Mindbody's services are; `[mindbody]` in config.toml and `LEGION_HUB_MINDBODY_*` move them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MindbodyEndpoints {
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub api_url: Option<String>,
    pub revocation_url: Option<String>,
    /// The Webhooks API (subscriptions).
    pub webhooks_url: Option<String>,
    /// Refresh this many seconds before the access token expires (default 300).
    pub refresh_margin_secs: Option<u64>,
    /// How long a sign-in may take (default 300).
    pub connect_timeout_secs: Option<u64>,
    /// Each sync reads again this many days before where the last one ended, to catch late
    /// edits and refunds (default 3).
    pub lookback_days: Option<i64>,
    /// How often that re-read happens ("6h" by default): syncs in between read only what is new,
    /// one call per type when nothing is, since every call may be billed.
    pub lookback_every: Option<String>,
    /// How far back the first sync reaches (default 30 days).
    pub first_sync_days: Option<i64>,
    /// The daily API call allowance the budget meter measures against (default 1000).
    pub daily_call_allowance: Option<u64>,
    /// At most this many `clientcontracts` calls a day (default 200): reading the members'
    /// contracts takes one call per client, billed like any other.
    pub contracts_daily_calls: Option<u64>,
    /// Sync on a schedule: "30m", "1h", "90s". Off when absent.
    pub sync_every: Option<String>,
    /// While webhooks are on, re-read the lookback window this often and count the sales they
    /// missed ("24h" by default).
    pub catch_up_every: Option<String>,
}

/// Which endpoint an environment variable sets.
type EndpointField = fn(&mut MindbodyEndpoints) -> &mut Option<String>;

impl MindbodyEndpoints {
    pub const ENV: [(&'static str, EndpointField); 5] = [
        ("LEGION_HUB_MINDBODY_AUTHORIZE_URL", |e| {
            &mut e.authorize_url
        }),
        ("LEGION_HUB_MINDBODY_TOKEN_URL", |e| &mut e.token_url),
        ("LEGION_HUB_MINDBODY_API_URL", |e| &mut e.api_url),
        ("LEGION_HUB_MINDBODY_REVOCATION_URL", |e| {
            &mut e.revocation_url
        }),
        ("LEGION_HUB_MINDBODY_WEBHOOKS_URL", |e| &mut e.webhooks_url),
    ];

    /// Folds the environment in (it wins over the file).
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        for (name, field) in Self::ENV {
            if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
                *field(self) = Some(value.trim().to_string());
            }
        }
    }

    pub fn authorize_url(&self) -> String {
        self.authorize_url
            .clone()
            .unwrap_or_else(|| super::DEFAULT_AUTHORIZE_URL.into())
    }
    pub fn token_url(&self) -> String {
        self.token_url
            .clone()
            .unwrap_or_else(|| super::DEFAULT_TOKEN_URL.into())
    }
    pub fn revocation_url(&self) -> String {
        self.revocation_url
            .clone()
            .unwrap_or_else(|| super::DEFAULT_REVOCATION_URL.into())
    }
    pub fn api_url(&self) -> String {
        self.api_url
            .clone()
            .unwrap_or_else(|| super::DEFAULT_API_URL.into())
    }
    pub fn catch_up_every(&self) -> chrono::Duration {
        self.catch_up_every
            .as_deref()
            .and_then(parse_interval)
            .unwrap_or(chrono::Duration::hours(24))
    }
    pub fn webhooks_url(&self) -> String {
        self.webhooks_url
            .clone()
            .unwrap_or_else(|| super::webhooks::DEFAULT_WEBHOOKS_URL.into())
    }
    pub fn refresh_margin(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.refresh_margin_secs.unwrap_or(300) as i64)
    }
    pub fn lookback(&self) -> chrono::Duration {
        chrono::Duration::days(self.lookback_days.unwrap_or(3).max(0))
    }

    pub fn lookback_every(&self) -> chrono::Duration {
        self.lookback_every
            .as_deref()
            .and_then(parse_interval)
            .unwrap_or(chrono::Duration::hours(6))
    }

    pub fn first_sync(&self) -> chrono::Duration {
        chrono::Duration::days(self.first_sync_days.unwrap_or(30).max(1))
    }

    /// The schedule, if one is set and readable.
    pub fn sync_every(&self) -> Option<chrono::Duration> {
        self.sync_every.as_deref().and_then(parse_interval)
    }

    pub fn daily_call_allowance(&self) -> u64 {
        self.daily_call_allowance.unwrap_or(1000)
    }

    pub fn contracts_daily_calls(&self) -> u64 {
        self.contracts_daily_calls.unwrap_or(200)
    }

    pub fn connect_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.connect_timeout_secs.unwrap_or(300))
    }
}

/// The longest interval anything here is set to: a year.
pub const LONGEST_INTERVAL_DAYS: i64 = 366;

/// "30m", "1h", "90s", "2d" (at most a year) → a duration; anything else is None.
pub fn parse_interval(text: &str) -> Option<chrono::Duration> {
    use chrono::Duration;
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().ok().filter(|n| *n > 0)?;
    // The checked constructors: chrono's plain ones panic past their range.
    let interval = match unit.trim() {
        "s" | "sec" | "secs" => Duration::try_seconds(n),
        "m" | "min" | "mins" => Duration::try_minutes(n),
        "h" | "hour" | "hours" => Duration::try_hours(n),
        "d" | "day" | "days" => Duration::try_days(n),
        _ => None,
    }?;
    (interval <= Duration::days(LONGEST_INTERVAL_DAYS)).then_some(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_revocation_endpoint_is_mindbodys_unless_moved() {
        let mut endpoints = MindbodyEndpoints::default();
        assert_eq!(
            endpoints.revocation_url(),
            "https://signin.mindbodyonline.com/connect/revocation"
        );
        endpoints.revocation_url = Some("http://127.0.0.1:9/connect/revocation".into());
        assert_eq!(
            endpoints.revocation_url(),
            "http://127.0.0.1:9/connect/revocation"
        );
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("30m"), Some(chrono::Duration::minutes(30)));
        assert_eq!(parse_interval("1h"), Some(chrono::Duration::hours(1)));
        assert_eq!(parse_interval(" 90s "), Some(chrono::Duration::seconds(90)));
        assert_eq!(parse_interval("0m"), None);
        assert_eq!(parse_interval("soon"), None);
        assert_eq!(parse_interval("30"), None);
        assert_eq!(parse_interval("366d"), Some(chrono::Duration::days(366)));
        assert_eq!(parse_interval("367d"), None);
        assert_eq!(parse_interval("99999999999999999d"), None, "no panic");
    }
}
