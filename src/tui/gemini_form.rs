//! The Gemini settings form (`c` on Gemini): the API key, typed masked; the `fast` and `pro`
//! models, picked from the live model list; the default alias; the temperature.

use ratatui::crossterm::event::{Event as TermEvent, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::engine::GeminiUpdate;
use crate::providers::gemini::models::{Alias, GeminiSettings};
use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ApiKey,
    Fast,
    Pro,
    DefaultAlias,
    Temperature,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::ApiKey,
        Field::Fast,
        Field::Pro,
        Field::DefaultAlias,
        Field::Temperature,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::ApiKey => "API key",
            Field::Fast => "fast model",
            Field::Pro => "pro model",
            Field::DefaultAlias => "default",
            Field::Temperature => "temperature",
        }
    }
}

#[derive(Debug, Clone)]
pub struct GeminiForm {
    pub field: Field,
    /// Empty keeps the key already saved.
    pub api_key: Input,
    pub has_key: bool,
    /// None while loading; Err when the list could not be had (no key yet, say).
    pub models: Option<Result<Vec<String>, String>>,
    pub fast: Option<String>,
    pub pro: Option<String>,
    pub default_alias: Alias,
    pub temperature: Input,
    pub error: Option<String>,
}

impl GeminiForm {
    pub fn new(settings: &GeminiSettings, has_key: bool) -> GeminiForm {
        GeminiForm {
            field: if has_key { Field::Fast } else { Field::ApiKey },
            api_key: Input::default(),
            has_key,
            models: None,
            fast: settings.fast.clone(),
            pro: settings.pro.clone(),
            default_alias: settings.default_alias,
            temperature: Input::new(
                settings
                    .temperature
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            ),
            error: None,
        }
    }

    pub fn move_field(&mut self, delta: i64) {
        let i = Field::ALL
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0) as i64;
        let n = Field::ALL.len() as i64;
        self.field = Field::ALL[((i + delta).rem_euclid(n)) as usize];
    }

    /// Left/Right: the previous or next model, or the other alias.
    pub fn cycle(&mut self, delta: i64) {
        let models = match &self.models {
            Some(Ok(models)) if !models.is_empty() => models.clone(),
            _ => Vec::new(),
        };
        let step = |current: &Option<String>| -> Option<String> {
            if models.is_empty() {
                return current.clone();
            }
            let n = models.len() as i64;
            let i = current
                .as_ref()
                .and_then(|c| models.iter().position(|m| m == c))
                .map_or(if delta > 0 { -1 } else { 0 }, |i| i as i64);
            Some(models[((i + delta).rem_euclid(n)) as usize].clone())
        };
        match self.field {
            Field::Fast => self.fast = step(&self.fast),
            Field::Pro => self.pro = step(&self.pro),
            Field::DefaultAlias => {
                self.default_alias = match self.default_alias {
                    Alias::Fast => Alias::Pro,
                    Alias::Pro => Alias::Fast,
                }
            }
            Field::ApiKey | Field::Temperature => {}
        }
    }

    pub fn edit(&mut self, key: KeyEvent) {
        let event = TermEvent::Key(key);
        match self.field {
            Field::ApiKey => {
                self.api_key.handle_event(&event);
            }
            Field::Temperature => {
                self.temperature.handle_event(&event);
            }
            _ => {}
        }
        self.error = None;
    }

    /// What to save, or why it cannot be saved.
    pub fn to_update(&self) -> Result<GeminiUpdate, String> {
        let key = self.api_key.value().trim();
        if key.is_empty() && !self.has_key {
            return Err("Paste an API key first (from aistudio.google.com/apikey).".into());
        }
        let temperature = match self.temperature.value().trim() {
            "" => None,
            text => match text.parse::<f32>() {
                Ok(t) if (0.0..=2.0).contains(&t) => Some(t),
                _ => {
                    return Err(format!(
                        "Temperature `{text}` must be a number from 0.0 to 2.0."
                    ));
                }
            },
        };
        Ok(GeminiUpdate {
            api_key: (!key.is_empty()).then(|| Secret::new(key)),
            fast: self.fast.clone(),
            pro: self.pro.clone(),
            default_alias: Some(self.default_alias),
            temperature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn settings() -> GeminiSettings {
        GeminiSettings {
            fast: Some("b".into()),
            pro: None,
            default_alias: Alias::Fast,
            temperature: None,
        }
    }

    #[test]
    fn cycling_walks_the_live_models() {
        let mut form = GeminiForm::new(&settings(), true);
        form.models = Some(Ok(vec!["a".into(), "b".into(), "c".into()]));
        form.cycle(1);
        assert_eq!(form.fast.as_deref(), Some("c"));
        form.cycle(1);
        assert_eq!(form.fast.as_deref(), Some("a"));
        form.move_field(1);
        form.cycle(1);
        assert_eq!(form.pro.as_deref(), Some("a"));
    }

    #[test]
    fn validation_says_what_is_wrong() {
        let mut form = GeminiForm::new(&settings(), false);
        assert!(form.to_update().unwrap_err().contains("API key"));
        for c in "AIza123".chars() {
            form.edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        form.field = Field::Temperature;
        for c in "7".chars() {
            form.edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        assert!(form.to_update().unwrap_err().contains("0.0 to 2.0"));
        form.temperature = Input::new("0.4".into());
        let update = form.to_update().unwrap();
        assert_eq!(update.api_key.unwrap().expose(), "AIza123");
        assert_eq!(update.temperature, Some(0.4));
    }
}
