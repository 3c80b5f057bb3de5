//! The settings form (`c` on the hub): the fields each provider's settings have, what its keys
//! do while it is open, and the update it saves.

use crate::api::Alias;
use crate::api::MindbodySettings;
use crate::api::Provider;
use crate::api::{GeminiUpdate, MindbodyUpdate};
use crate::secret::Secret;
use crate::tui::action::{Action, Request};
use crate::tui::form::{Field, Form};
use crate::tui::overlay::Step;
use crate::tui::screens::context::Outbox;

use super::HubScreen;

impl HubScreen {
    fn has_key(&self, provider: Provider) -> bool {
        self.integrations
            .iter()
            .find(|v| v.provider == provider)
            .is_some_and(|v| {
                v.has_credentials
                    || v.facts
                        .iter()
                        .any(|f| f.label == "Key from" && f.value != "no key yet")
            })
    }

    pub(crate) fn gemini_form(&self) -> Form {
        let settings = crate::tui::screens::chat::gemini_settings(&self.integrations);
        let has_key = self.has_key(Provider::Gemini);
        let aliases = vec![
            Alias::Fast.name().to_string(),
            Alias::Pro.name().to_string(),
        ];
        let form = Form::new(
            Provider::Gemini,
            vec![
                Field::secret("api_key", "API key", has_key),
                Field::choice(
                    "fast",
                    "fast model",
                    Vec::new(),
                    settings.fast.clone(),
                    "(chosen at the test)",
                ),
                Field::choice(
                    "pro",
                    "pro model",
                    Vec::new(),
                    settings.pro.clone(),
                    "(chosen at the test)",
                ),
                Field::choice(
                    "default",
                    "default",
                    aliases,
                    Some(settings.default_alias.name().into()),
                    "fast",
                ),
                Field::text(
                    "temperature",
                    "temperature",
                    settings.temperature.map(|t| t.to_string()).as_deref(),
                ),
            ],
        );
        let mut form = if has_key { form.focus_on("fast") } else { form };
        form.note = Some("loading the models your key can use…".into());
        form
    }

    pub(crate) fn mindbody_form(&self) -> Form {
        let view = self
            .integrations
            .iter()
            .find(|v| v.provider == Provider::Mindbody);
        let settings = view
            .map(|v| MindbodySettings::from_settings(&v.settings))
            .unwrap_or_default();
        let saved = view.is_some_and(|v| v.has_credentials);
        let mut form = Form::new(
            Provider::Mindbody,
            vec![
                Field::text("site_id", "site id", settings.site_id.as_deref()),
                Field::text("client_id", "client id", settings.client_id.as_deref()),
                Field::text(
                    "redirect_uri",
                    "redirect URI",
                    Some(settings.redirect_uri()),
                ),
                Field::secret("api_key", "API key", saved),
                Field::secret("client_secret", "client secret", saved),
            ],
        );
        form.note = Some("The redirect URI must match the one registered with Mindbody.".into());
        form
    }
}

/// The form's keys: move between fields, choose, type, save (Enter) or cancel (Esc); None when
/// the action is not the form's.
pub(crate) fn update(form: &mut Form, action: &Action, out: &mut Outbox) -> Option<Step> {
    match *action {
        Action::FormNext => form.move_field(1),
        Action::FormPrev => form.move_field(-1),
        Action::FormCycle(delta) => form.cycle(delta),
        Action::Edit(key) => form.edit(key),
        Action::Submit => return Some(submit(form, out)),
        Action::Back => return Some(Step::Close),
        _ => return None,
    }
    Some(Step::Stay)
}

fn submit(form: &mut Form, out: &mut Outbox) -> Step {
    let request = match form.provider {
        Provider::Gemini => gemini_update(form).map(Request::ConfigureGemini),
        Provider::Mindbody => Ok(Request::ConfigureMindbody(mindbody_update(form))),
        _ => return Step::Stay,
    };
    match request {
        Ok(request) => {
            let name = form.provider.name();
            out.start(request, &format!("Saving {name}…"));
            Step::Close
        }
        Err(message) => {
            form.error = Some(message);
            Step::Stay
        }
    }
}

/// The models the key can use, as choices for the fast and pro fields.
pub(crate) fn models_loaded(form: &mut Form, models: Result<Vec<String>, String>) {
    if form.provider != Provider::Gemini {
        return;
    }
    match models {
        Ok(models) => {
            form.note = Some(format!("{} models: ← → to choose", models.len()));
            form.set_options("fast", models.clone());
            form.set_options("pro", models);
        }
        Err(error) => form.note = Some(format!("no model list yet: {error}")),
    }
}

fn gemini_update(form: &Form) -> Result<GeminiUpdate, String> {
    let key = form.typed("api_key");
    if key.is_none() && !form.saved_secret("api_key") {
        return Err("Paste an API key first (from aistudio.google.com/apikey).".into());
    }
    let temperature = match form.typed("temperature") {
        None => None,
        Some(text) => match text.parse::<f32>() {
            Ok(t) if (0.0..=2.0).contains(&t) => Some(t),
            _ => {
                return Err(format!(
                    "Temperature `{text}` must be a number from 0.0 to 2.0."
                ));
            }
        },
    };
    Ok(GeminiUpdate {
        api_key: key.map(Secret::new),
        fast: form.chosen("fast"),
        pro: form.chosen("pro"),
        default_alias: form.chosen("default").and_then(|a| Alias::parse(&a)),
        temperature,
    })
}

fn mindbody_update(form: &Form) -> MindbodyUpdate {
    MindbodyUpdate {
        site_id: form.typed("site_id"),
        client_id: form.typed("client_id"),
        redirect_uri: form.typed("redirect_uri"),
        api_key: form.typed("api_key").map(Secret::new),
        client_secret: form.typed("client_secret").map(Secret::new),
    }
}
