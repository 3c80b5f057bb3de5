//! The `fast` and `pro` aliases, and finding the closest live model for one that is retired.
//! No model list is written here: every choice is made from what `models.list` returned.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::types::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Alias {
    Fast,
    Pro,
}

impl Alias {
    pub const ALL: [Alias; 2] = [Alias::Fast, Alias::Pro];

    pub fn name(self) -> &'static str {
        match self {
            Alias::Fast => "fast",
            Alias::Pro => "pro",
        }
    }

    /// The settings key that holds the alias's model.
    pub fn setting(self) -> &'static str {
        match self {
            Alias::Fast => "fast_model",
            Alias::Pro => "pro_model",
        }
    }

    fn tier(self) -> Tier {
        match self {
            Alias::Fast => Tier::Flash,
            Alias::Pro => Tier::Pro,
        }
    }

    pub fn parse(text: &str) -> Option<Alias> {
        match text.trim().to_lowercase().as_str() {
            "fast" => Some(Alias::Fast),
            "pro" => Some(Alias::Pro),
            _ => None,
        }
    }
}

/// The Gemini settings kept in the integration's (non-secret) settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeminiSettings {
    pub fast: Option<String>,
    pub pro: Option<String>,
    pub default_alias: Alias,
    pub temperature: Option<f32>,
}

pub const DEFAULT_ALIAS_SETTING: &str = "default_alias";
pub const TEMPERATURE_SETTING: &str = "temperature";

impl GeminiSettings {
    pub fn from_settings(settings: &BTreeMap<String, String>) -> GeminiSettings {
        GeminiSettings {
            fast: settings.get(Alias::Fast.setting()).cloned(),
            pro: settings.get(Alias::Pro.setting()).cloned(),
            default_alias: settings
                .get(DEFAULT_ALIAS_SETTING)
                .and_then(|a| Alias::parse(a))
                .unwrap_or(Alias::Fast),
            temperature: settings
                .get(TEMPERATURE_SETTING)
                .and_then(|t| t.parse().ok()),
        }
    }

    pub fn write_to(&self, settings: &mut BTreeMap<String, String>) {
        let mut put = |key: &str, value: Option<String>| match value {
            Some(v) => {
                settings.insert(key.to_string(), v);
            }
            None => {
                settings.remove(key);
            }
        };
        put(Alias::Fast.setting(), self.fast.clone());
        put(Alias::Pro.setting(), self.pro.clone());
        put(
            DEFAULT_ALIAS_SETTING,
            Some(self.default_alias.name().into()),
        );
        put(
            TEMPERATURE_SETTING,
            self.temperature.map(|t| format!("{t}")),
        );
    }

    pub fn model(&self, alias: Alias) -> Option<&str> {
        match alias {
            Alias::Fast => self.fast.as_deref(),
            Alias::Pro => self.pro.as_deref(),
        }
    }

    pub fn set_model(&mut self, alias: Alias, model: Option<String>) {
        match alias {
            Alias::Fast => self.fast = model,
            Alias::Pro => self.pro = model,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    FlashLite,
    Flash,
    Pro,
}

fn tier(model: &str) -> Option<Tier> {
    if model.contains("flash-lite") {
        Some(Tier::FlashLite)
    } else if model.contains("flash") {
        Some(Tier::Flash)
    } else if model.contains("pro") {
        Some(Tier::Pro)
    } else {
        None
    }
}

/// "gemini-3.6-flash" → [3, 6]; aliases like "gemini-flash-latest" have no version.
fn version(model: &str) -> Vec<u32> {
    model
        .split('-')
        .find(|part| part.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|v| v.split('.').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default()
}

/// The best live model of a tier: its `-latest` alias if the key has it, else the highest
/// stable version, else the highest preview.
fn best_of_tier(tier_wanted: Tier, models: &[Model]) -> Option<String> {
    let candidates: Vec<&str> = models
        .iter()
        .filter(|m| m.can_generate())
        .map(Model::id)
        .filter(|id| id.starts_with("gemini") && tier(id) == Some(tier_wanted))
        .collect();
    if let Some(latest) = candidates.iter().find(|id| id.ends_with("-latest")) {
        return Some(latest.to_string());
    }
    candidates
        .iter()
        .max_by_key(|id| (!id.contains("preview") && !id.contains("exp"), version(id)))
        .map(|id| id.to_string())
}

/// The model an alias should point at when none is configured yet.
pub fn default_for(alias: Alias, models: &[Model]) -> Option<String> {
    best_of_tier(alias.tier(), models)
}

/// The closest live replacement for a model that is retired or unknown: same tier (flash,
/// flash-lite, pro) where possible.
pub fn closest(wanted: &str, models: &[Model]) -> Option<String> {
    let wanted = wanted.strip_prefix("models/").unwrap_or(wanted);
    tier(wanted)
        .and_then(|t| best_of_tier(t, models))
        .or_else(|| best_of_tier(Tier::Flash, models))
}

/// Whether `model` is among the live models that can generate content.
pub fn exists(model: &str, models: &[Model]) -> bool {
    let model = model.strip_prefix("models/").unwrap_or(model);
    models.iter().any(|m| m.id() == model && m.can_generate())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models(ids: &[&str]) -> Vec<Model> {
        ids.iter()
            .map(|id| Model {
                name: format!("models/{id}"),
                display_name: id.to_string(),
                description: String::new(),
                input_token_limit: 0,
                output_token_limit: 0,
                supported_generation_methods: if id.contains("embedding") {
                    vec!["embedContent".into()]
                } else {
                    vec!["generateContent".into()]
                },
            })
            .collect()
    }

    #[test]
    fn retired_models_get_a_replacement_of_the_same_tier() {
        let live = models(&[
            "gemini-3.8-flash",
            "gemini-3.6-flash",
            "gemini-3.5-flash-lite",
            "gemini-3.1-pro-preview",
            "gemini-embedding-001",
        ]);
        assert_eq!(
            closest("gemini-1.5-flash-latest", &live).unwrap(),
            "gemini-3.8-flash"
        );
        assert_eq!(
            closest("gemini-2.0-flash-exp", &live).unwrap(),
            "gemini-3.8-flash"
        );
        assert_eq!(
            closest("gemini-1.5-pro-latest", &live).unwrap(),
            "gemini-3.1-pro-preview"
        );
        assert_eq!(
            closest("gemini-2.0-flash-lite", &live).unwrap(),
            "gemini-3.5-flash-lite"
        );
        assert_eq!(
            closest("something-else", &live).unwrap(),
            "gemini-3.8-flash"
        );
        assert!(!exists("gemini-embedding-001", &live), "cannot generate");
        assert!(exists("models/gemini-3.6-flash", &live));
    }

    #[test]
    fn latest_aliases_win_when_the_key_has_them() {
        let live = models(&[
            "gemini-3.8-flash",
            "gemini-flash-latest",
            "gemini-pro-latest",
        ]);
        assert_eq!(
            default_for(Alias::Fast, &live).unwrap(),
            "gemini-flash-latest"
        );
        assert_eq!(default_for(Alias::Pro, &live).unwrap(), "gemini-pro-latest");
        assert_eq!(
            default_for(Alias::Pro, &models(&["gemini-3.8-flash"])),
            None
        );
    }

    #[test]
    fn settings_round_trip() {
        let mut map = BTreeMap::new();
        let settings = GeminiSettings {
            fast: Some("gemini-3.8-flash".into()),
            pro: None,
            default_alias: Alias::Pro,
            temperature: Some(0.4),
        };
        settings.write_to(&mut map);
        assert_eq!(GeminiSettings::from_settings(&map), settings);
    }
}
