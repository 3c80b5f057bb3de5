//! What a connection test found: each alias checked against the live models, how long Gemini
//! took, or why it failed. Kept as it is as the last test (meta `gemini.last_test`, read by the
//! detail pane's facts) and sent to the front ends, so it stays with Gemini and the contract
//! lists it. A leaf: the test itself is `test`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::GeminiError;
use super::key::KeySource;
use super::models::Alias;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasCheck {
    pub alias: Alias,
    /// What the alias pointed at before the test (None: not configured yet).
    pub model: Option<String>,
    pub exists: bool,
    /// The live model to use instead (for an unset alias, the one chosen).
    pub replacement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub key_source: Option<KeySource>,
    pub latency_ms: Option<u64>,
    /// How many models the key can generate with.
    pub models: usize,
    pub aliases: Vec<AliasCheck>,
    pub error: Option<String>,
    pub hint: Option<String>,
    /// The step that mends it (each front end words it).
    #[serde(default)]
    pub step: Option<crate::domain::NextStep>,
    /// For a 429: when to try again.
    pub retry_after_secs: Option<u64>,
}

impl TestReport {
    pub fn failed(key_source: Option<KeySource>, error: &GeminiError) -> TestReport {
        TestReport {
            at: Utc::now(),
            ok: false,
            key_source,
            latency_ms: None,
            models: 0,
            aliases: Vec::new(),
            error: Some(error.to_string()),
            hint: Some(error.hint()),
            step: error.step(),
            retry_after_secs: match error {
                GeminiError::RateLimited { retry_after, .. } => retry_after.map(|d| d.as_secs()),
                _ => None,
            },
        }
    }

    /// Aliases pointing at a model that is gone, with the replacement on offer.
    pub fn pending_replacements(&self) -> impl Iterator<Item = (&AliasCheck, &str)> {
        self.aliases
            .iter()
            .filter_map(|check| match (&check.model, &check.replacement) {
                (Some(_), Some(replacement)) if !check.exists => {
                    Some((check, replacement.as_str()))
                }
                _ => None,
            })
    }

    /// One line per retired alias: "fast: gemini-2.0-flash-exp is not offered any more; use gemini-3.8-flash".
    pub fn replacement_offer(&self) -> Option<String> {
        let lines: Vec<String> = self
            .pending_replacements()
            .map(|(check, replacement)| {
                format!(
                    "{}: {} is not offered any more; use {replacement}",
                    check.alias.name(),
                    check.model.as_deref().unwrap_or("-")
                )
            })
            .collect();
        (!lines.is_empty()).then(|| lines.join("; "))
    }
}
