//! `[mirror]` in config.toml.

use serde::{Deserialize, Deserializer, Serialize};

use crate::secret::Secret;

/// The Postgres URL from the environment; wins over the file.
pub const URL_ENV: &str = "LEGION_HUB_POSTGRES_URL";

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MirrorConfig {
    /// `postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require`. It may hold a password, so it
    /// is never written back out, logged or shown (only its host, port and database are).
    #[serde(skip_serializing)]
    pub postgres_url: Option<Secret>,
    /// The studio's id in Legion Finance (the seed's `user_id`), a UUID.
    #[serde(
        deserialize_with = "studio_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub studio_id: Option<String>,
    /// Whether sealed credentials and tokens go to Postgres (sealed with this hub's key, which
    /// never leaves it). Off: those columns stay empty and no token row is written.
    pub tokens: bool,
}

/// A mirror ready to run: where, and whose rows.
#[derive(Debug, Clone)]
pub struct MirrorTarget {
    pub url: Secret,
    pub studio_id: String,
    pub tokens: bool,
}

impl MirrorConfig {
    /// Folds in `LEGION_HUB_POSTGRES_URL`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(url) = var(URL_ENV).filter(|v| !v.trim().is_empty()) {
            self.postgres_url = Some(Secret::new(url.trim()));
        }
    }
}

fn studio_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    normalized_uuid(&text).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{text:?} is not a UUID: write the studio's id as Legion Finance shows it, like 7c9e6679-7425-40de-944b-e07fc1f90ae7"
        ))
    })
}

/// A UUID in its lower-case hyphenated form, or None.
pub fn normalized_uuid(text: &str) -> Option<String> {
    let hex: String = text.trim().chars().filter(|c| *c != '-').collect();
    let groups = [8, 4, 4, 4, 12];
    let well_formed = hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && text.trim().len() == 36
        && text.trim().split('-').map(str::len).eq(groups);
    well_formed.then(|| uuid_text(&hex.to_ascii_lowercase()))
}

/// 32 hex digits as a UUID is written: 8-4-4-4-12.
pub fn uuid_text(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_checked_and_written_one_way() {
        assert_eq!(
            normalized_uuid("7C9E6679-7425-40DE-944B-E07FC1F90AE7").as_deref(),
            Some("7c9e6679-7425-40de-944b-e07fc1f90ae7")
        );
        for bad in [
            "",
            "7c9e6679742540de944be07fc1f90ae7",
            "7c9e6679-7425-40de-944b-e07fc1f90ae",
            "7c9e6679-7425-40de-944b-e07fc1f90aeg",
            "7c9e66797-425-40de-944b-e07fc1f90ae7",
        ] {
            assert_eq!(normalized_uuid(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_url_is_never_written_back() {
        let config = MirrorConfig {
            postgres_url: Some(Secret::new("postgres://hub:hunter2@db/hub")),
            studio_id: Some("7c9e6679-7425-40de-944b-e07fc1f90ae7".into()),
            tokens: false,
        };
        let text = toml::to_string(&config).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
