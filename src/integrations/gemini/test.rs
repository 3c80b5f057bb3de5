//! "Test connection": list the models (all pages), check each alias points at one that exists,
//! and measure how long Gemini took. Unset aliases are filled from the live list; a retired
//! model gets the closest live replacement, offered for one key to accept.

use std::time::Instant;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::client::GeminiClient;
use super::error::GeminiError;
use super::key::KeySource;
use super::models::{self, Alias, GeminiSettings};
use super::report::{AliasCheck, TestReport};
use super::types::Model;

/// Runs the test. `settings` gains the models chosen for unset aliases.
pub async fn run(
    client: &GeminiClient,
    key_source: KeySource,
    settings: &mut GeminiSettings,
    cancel: &CancellationToken,
) -> Result<(TestReport, Vec<Model>), GeminiError> {
    let started = Instant::now();
    let live = client.list_models(cancel).await?;
    let latency_ms = started.elapsed().as_millis() as u64;
    let mut aliases = Vec::new();
    for alias in Alias::ALL {
        let configured = settings.model(alias).map(str::to_string);
        let check = match &configured {
            Some(model) if models::exists(model, &live) => AliasCheck {
                alias,
                model: configured.clone(),
                exists: true,
                replacement: None,
            },
            Some(model) => AliasCheck {
                alias,
                model: configured.clone(),
                exists: false,
                replacement: models::closest(model, &live),
            },
            None => {
                let chosen = models::default_for(alias, &live);
                settings.set_model(alias, chosen.clone());
                AliasCheck {
                    alias,
                    model: None,
                    exists: chosen.is_some(),
                    replacement: chosen,
                }
            }
        };
        aliases.push(check);
    }
    // The default alias must work; the other one may be missing for keys without that tier.
    let default_ok = aliases
        .iter()
        .find(|c| c.alias == settings.default_alias)
        .is_some_and(|c| c.exists);
    let offer_pending = aliases.iter().any(|c| c.model.is_some() && !c.exists);
    let ok = default_ok && !offer_pending && !live.is_empty();
    let (error, hint) = if live.is_empty() {
        (
            Some("the key can use no model that generates content".to_string()),
            Some("Check the key's project in Google AI Studio.".to_string()),
        )
    } else if offer_pending {
        let report_aliases: Vec<String> = aliases
            .iter()
            .filter(|c| c.model.is_some() && !c.exists)
            .map(|c| format!("{} → {}", c.alias.name(), c.model.as_deref().unwrap_or("-")))
            .collect();
        (
            Some(format!(
                "Gemini no longer offers the model of {}",
                report_aliases.join(", ")
            )),
            Some(
                "Press a to use the replacement shown, or `legion-hub gemini test --accept`."
                    .into(),
            ),
        )
    } else if !default_ok {
        (
            Some(format!(
                "the default alias `{}` has no model the key can use",
                settings.default_alias.name()
            )),
            Some("Its model can be picked in Gemini's settings.".into()),
        )
    } else {
        (None, None)
    };
    let report = TestReport {
        at: Utc::now(),
        ok,
        key_source: Some(key_source),
        latency_ms: Some(latency_ms),
        models: live.len(),
        aliases,
        error,
        hint,
        step: None,
        retry_after_secs: None,
    };
    Ok((report, live))
}
