//! A settings form: text fields, secrets typed masked, and choices picked with ← →. The Gemini
//! and Mindbody settings are both one of these; what a form's values mean is decided where it is
//! submitted (`screens::hub::update`).

use ratatui::crossterm::event::{Event as TermEvent, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Provider;

#[derive(Debug, Clone)]
pub enum FieldKind {
    Text(Input),
    /// Drawn as dots. Empty keeps the value already saved (`saved`).
    Secret {
        input: Input,
        saved: bool,
    },
    Choice {
        options: Vec<String>,
        value: Option<String>,
        /// Shown while there is no value.
        empty: &'static str,
    },
}

#[derive(Debug, Clone)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
}

impl Field {
    pub fn text(key: &'static str, label: &'static str, value: Option<&str>) -> Field {
        Field {
            key,
            label,
            kind: FieldKind::Text(Input::new(value.unwrap_or_default().to_string())),
        }
    }

    pub fn secret(key: &'static str, label: &'static str, saved: bool) -> Field {
        Field {
            key,
            label,
            kind: FieldKind::Secret {
                input: Input::default(),
                saved,
            },
        }
    }

    pub fn choice(
        key: &'static str,
        label: &'static str,
        options: Vec<String>,
        value: Option<String>,
        empty: &'static str,
    ) -> Field {
        Field {
            key,
            label,
            kind: FieldKind::Choice {
                options,
                value,
                empty,
            },
        }
    }

    /// What the form shows for the field (a secret as dots, never its text).
    pub fn shown(&self) -> String {
        match &self.kind {
            FieldKind::Text(input) if input.value().is_empty() => "(none)".into(),
            FieldKind::Text(input) => input.value().to_string(),
            FieldKind::Secret { input, saved } if input.value().is_empty() => {
                if *saved {
                    "(saved; type to replace)".into()
                } else {
                    "(type or paste)".into()
                }
            }
            FieldKind::Secret { input, .. } => "•".repeat(input.value().chars().count().min(40)),
            FieldKind::Choice { value, empty, .. } => {
                value.clone().unwrap_or_else(|| empty.to_string())
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub provider: Provider,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A line above the fields (the model list is loading, say).
    pub note: Option<String>,
    pub error: Option<String>,
}

impl Form {
    pub fn new(provider: Provider, fields: Vec<Field>) -> Form {
        Form {
            provider,
            fields,
            focus: 0,
            note: None,
            error: None,
        }
    }

    pub fn focus_on(mut self, key: &str) -> Form {
        self.focus = self.fields.iter().position(|f| f.key == key).unwrap_or(0);
        self
    }

    pub fn move_field(&mut self, delta: i64) {
        let n = self.fields.len().max(1) as i64;
        self.focus = ((self.focus as i64 + delta).rem_euclid(n)) as usize;
    }

    /// ← →: the previous or next option of a choice.
    pub fn cycle(&mut self, delta: i64) {
        if let Some(Field {
            kind: FieldKind::Choice { options, value, .. },
            ..
        }) = self.fields.get_mut(self.focus)
            && !options.is_empty()
        {
            let n = options.len() as i64;
            let i = value
                .as_ref()
                .and_then(|v| options.iter().position(|o| o == v))
                .map_or(if delta > 0 { -1 } else { 0 }, |i| i as i64);
            *value = Some(options[((i + delta).rem_euclid(n)) as usize].clone());
        }
    }

    pub fn edit(&mut self, key: KeyEvent) {
        let event = TermEvent::Key(key);
        if let Some(field) = self.fields.get_mut(self.focus) {
            match &mut field.kind {
                FieldKind::Text(input) | FieldKind::Secret { input, .. } => {
                    input.handle_event(&event);
                }
                FieldKind::Choice { .. } => {}
            }
        }
        self.error = None;
    }

    fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// A text or secret field's typed value, trimmed (empty: None).
    pub fn typed(&self, key: &str) -> Option<String> {
        match &self.field(key)?.kind {
            FieldKind::Text(input) | FieldKind::Secret { input, .. } => {
                Some(input.value().trim().to_string()).filter(|v| !v.is_empty())
            }
            FieldKind::Choice { .. } => None,
        }
    }

    pub fn chosen(&self, key: &str) -> Option<String> {
        match &self.field(key)?.kind {
            FieldKind::Choice { value, .. } => value.clone(),
            _ => None,
        }
    }

    pub fn saved_secret(&self, key: &str) -> bool {
        matches!(
            self.field(key).map(|f| &f.kind),
            Some(FieldKind::Secret { saved: true, .. })
        )
    }

    pub fn set_options(&mut self, key: &str, new: Vec<String>) {
        if let Some(Field {
            kind: FieldKind::Choice { options, .. },
            ..
        }) = self.fields.iter_mut().find(|f| f.key == key)
        {
            *options = new;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn fields_edit_cycle_and_hide_secrets() {
        let mut form = Form::new(
            Provider::Gemini,
            vec![
                Field::secret("key", "API key", false),
                Field::choice(
                    "fast",
                    "fast model",
                    vec!["a".into(), "b".into()],
                    Some("b".into()),
                    "-",
                ),
            ],
        );
        for c in "AIza".chars() {
            form.edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        assert_eq!(form.typed("key").as_deref(), Some("AIza"));
        assert_eq!(form.fields[0].shown(), "••••");
        form.move_field(1);
        form.cycle(1);
        assert_eq!(form.chosen("fast").as_deref(), Some("a"));
        form.move_field(1);
        assert_eq!(form.focus, 0, "wraps around");
    }
}
