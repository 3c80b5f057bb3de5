//! Which Gemini API key is used: the one sealed in the store, else `GEMINI_API_KEY`, else the
//! legacy `GOOGLE_GEMINI_API_KEY` (with a warning on how to consolidate). The hub shows where the
//! key came from, never the key.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

pub const KEY_ENV: &str = "GEMINI_API_KEY";
pub const LEGACY_KEY_ENV: &str = "GOOGLE_GEMINI_API_KEY";
/// The credentials entry that holds the key.
pub const CREDENTIAL: &str = "api_key";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    Store,
    Env,
    LegacyEnv,
}

impl KeySource {
    pub fn describe(self) -> &'static str {
        match self {
            KeySource::Store => "legion-hub (saved, sealed)",
            KeySource::Env => "GEMINI_API_KEY",
            KeySource::LegacyEnv => "GOOGLE_GEMINI_API_KEY (the legacy name)",
        }
    }

    pub fn warning(self) -> Option<String> {
        (self == KeySource::LegacyEnv).then(|| {
            format!(
                "The Gemini key comes from {LEGACY_KEY_ENV}, the legacy name: rename the variable to {KEY_ENV}, or save the key once in Gemini's settings and remove {LEGACY_KEY_ENV}."
            )
        })
    }
}

/// The key to use and where it came from. `env` looks a variable up (injected for tests).
pub fn resolve(
    stored: Option<Secret>,
    env: impl Fn(&str) -> Option<String>,
) -> Option<(Secret, KeySource)> {
    let from_env = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    stored
        .filter(|s| !s.expose().trim().is_empty())
        .map(|s| (s, KeySource::Store))
        .or_else(|| from_env(KEY_ENV).map(|v| (Secret::new(v), KeySource::Env)))
        .or_else(|| from_env(LEGACY_KEY_ENV).map(|v| (Secret::new(v), KeySource::LegacyEnv)))
}

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn store_then_env_then_legacy() {
        let both = env(&[(KEY_ENV, "from-env"), (LEGACY_KEY_ENV, "from-legacy")]);
        let (key, source) = resolve(Some(Secret::new("stored")), &both).unwrap();
        assert_eq!((key.expose(), source), ("stored", KeySource::Store));
        let (key, source) = resolve(None, &both).unwrap();
        assert_eq!((key.expose(), source), ("from-env", KeySource::Env));
        let legacy = env(&[(LEGACY_KEY_ENV, "from-legacy")]);
        let (key, source) = resolve(None, &legacy).unwrap();
        assert_eq!(
            (key.expose(), source),
            ("from-legacy", KeySource::LegacyEnv)
        );
        assert!(source.warning().unwrap().contains("Gemini's settings"));
        assert!(resolve(None, env(&[(KEY_ENV, "  ")])).is_none());
        assert!(resolve(Some(Secret::new("")), env(&[])).is_none());
    }
}
