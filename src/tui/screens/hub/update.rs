//! The hub screen's keys for the selected integration: test (`t`), configure (`c`, a form),
//! connect (`o`, the sign-in overlay), disconnect (`x`), accept what is on offer (`a`); and what
//! the engine says back about them.

use ratatui::crossterm::event::{Event as TermEvent, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Alias;
use crate::api::MindbodySettings;
use crate::api::Provider;
use crate::api::SignIn;
use crate::api::{Event, GeminiUpdate, MindbodyUpdate};
use crate::secret::Secret;
use crate::tui::action::{Action, Request};
use crate::tui::app::{App, Overlay};
use crate::tui::confirm::Confirm;
use crate::tui::form::{Field, Form};

/// The sign-in overlay: the address to open, and a field to paste the one the browser ends on.
#[derive(Debug, Clone)]
pub struct ConnectView {
    pub provider: Provider,
    /// None until the engine has the address ready.
    pub sign_in: Option<SignIn>,
    pub paste: Input,
    pub error: Option<String>,
}

impl App {
    pub(crate) fn hub_update(&mut self, action: Action) -> Option<Action> {
        let selected = self.selected_view().map(|v| (v.provider, v.available));
        match action {
            Action::TestSelected => match selected {
                Some((Provider::Gemini, _)) => self.start(Request::TestGemini, "Testing Gemini…"),
                Some((Provider::Mindbody, _)) => {
                    self.start(Request::TestMindbody, "Testing Mindbody…")
                }
                Some((other, _)) => {
                    self.notify(format!("{other} has no connection test yet."), false)
                }
                None => {}
            },
            Action::ConfigureSelected => match selected {
                Some((Provider::Gemini, _)) => {
                    self.overlay = Overlay::Form(Box::new(self.gemini_form()));
                    self.queue.push(Request::LoadGeminiModels);
                }
                Some((Provider::Mindbody, _)) => {
                    self.overlay = Overlay::Form(Box::new(self.mindbody_form()));
                }
                Some((other, _)) => {
                    self.notify(format!("{other} has nothing to configure yet."), false)
                }
                None => {}
            },
            Action::ConnectSelected => match selected {
                Some((Provider::Mindbody, _)) => {
                    self.overlay = Overlay::Connect(Box::new(ConnectView {
                        provider: Provider::Mindbody,
                        sign_in: None,
                        paste: Input::default(),
                        error: None,
                    }));
                    self.queue.push(Request::ConnectMindbody);
                }
                Some((Provider::Gemini, _)) => {
                    self.notify("Gemini signs in with an API key: press c to set it.", false)
                }
                Some((other, _)) => self.notify(format!("{other} cannot be connected yet."), false),
                None => {}
            },
            Action::DisconnectSelected => match selected {
                // Signed out already: nothing to forget, nothing to ask.
                Some((Provider::Mindbody, _))
                    if self
                        .selected_view()
                        .is_some_and(|v| v.status == crate::api::Status::Disconnected) =>
                {
                    self.notify("Mindbody is not signed in: nothing to disconnect.", false)
                }
                Some((Provider::Mindbody, _)) => {
                    self.overlay = Overlay::Confirm(Box::new(Confirm::disconnect_mindbody()))
                }
                Some((other, _)) => {
                    self.notify(format!("{other} has no sign-in to disconnect."), false)
                }
                None => {}
            },
            Action::AcceptOffer => {
                let offer = self.selected_view().and_then(|v| v.offer.clone());
                match (selected, offer) {
                    (Some((Provider::Gemini, _)), Some(_)) => self.start(
                        Request::AcceptGemini,
                        "Switching to the replacement models and testing…",
                    ),
                    (Some((Provider::Mindbody, _)), Some(_)) => self.start(
                        Request::ActivateWebhooks,
                        "Asking Mindbody to activate the webhook subscription…",
                    ),
                    _ => self.notify("Nothing on offer to accept here.", false),
                }
            }
            Action::FormNext | Action::FormPrev | Action::FormCycle(_) => {
                if let Overlay::Form(form) = &mut self.overlay {
                    match action {
                        Action::FormNext => form.move_field(1),
                        Action::FormPrev => form.move_field(-1),
                        Action::FormCycle(delta) => form.cycle(delta),
                        _ => {}
                    }
                }
            }
            Action::Edit(key) if matches!(self.overlay, Overlay::Form(_) | Overlay::Connect(_)) => {
                self.edit_overlay(key)
            }
            Action::Submit if matches!(self.overlay, Overlay::Form(_)) => self.submit_form(),
            Action::Submit if matches!(self.overlay, Overlay::Connect(_)) => {
                if let Overlay::Connect(view) = &mut self.overlay {
                    let address = view.paste.value().trim().to_string();
                    if !address.is_empty() {
                        view.error = None;
                        self.queue.push(Request::PasteRedirect(address));
                    }
                }
            }
            Action::Back if matches!(self.overlay, Overlay::Connect(_)) => {
                self.queue.push(Request::CancelConnect);
                self.overlay = Overlay::None;
                self.notify("Sign-in cancelled.", false);
            }
            Action::CopyUrl => {
                if let Overlay::Connect(view) = &self.overlay
                    && let Some(sign_in) = &view.sign_in
                {
                    self.clipboard = Some(sign_in.url.clone());
                    self.notify("Copied the sign-in address (OSC 52).", false);
                }
            }
            Action::ConnectFailed(message) => {
                if matches!(self.overlay, Overlay::Connect(_)) {
                    self.overlay = Overlay::None;
                }
                self.notify(message, true);
            }
            Action::PasteRejected(message) => {
                if let Overlay::Connect(view) = &mut self.overlay {
                    view.error = Some(message);
                    view.paste = Input::default();
                }
            }
            Action::GeminiModelsLoaded(models) => {
                if let Overlay::Form(form) = &mut self.overlay
                    && form.provider == Provider::Gemini
                {
                    match models {
                        Ok(models) => {
                            form.note = Some(format!("{} models: ← → to choose", models.len()));
                            form.set_options("fast", models.clone());
                            form.set_options("pro", models);
                        }
                        Err(error) => form.note = Some(format!("no model list yet: {error}")),
                    }
                }
            }
            other => return Some(other),
        }
        None
    }

    fn start(&mut self, request: Request, what: &str) {
        self.queue.push(request);
        self.notify(what, false);
    }

    fn edit_overlay(&mut self, key: KeyEvent) {
        match &mut self.overlay {
            Overlay::Form(form) => form.edit(key),
            Overlay::Connect(view) => {
                view.paste.handle_event(&TermEvent::Key(key));
            }
            _ => {}
        }
    }

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

    fn gemini_form(&self) -> Form {
        let settings = self.gemini_settings();
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

    fn mindbody_form(&self) -> Form {
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

    fn submit_form(&mut self) {
        let Overlay::Form(form) = &mut self.overlay else {
            return;
        };
        let request = match form.provider {
            Provider::Gemini => gemini_update(form).map(Request::ConfigureGemini),
            Provider::Mindbody => Ok(Request::ConfigureMindbody(mindbody_update(form))),
            _ => return,
        };
        match request {
            Ok(request) => {
                let name = form.provider.name();
                self.overlay = Overlay::None;
                self.start(request, &format!("Saving {name}…"));
            }
            Err(message) => form.error = Some(message),
        }
    }

    pub(crate) fn hub_event(&mut self, event: Event) {
        match event {
            Event::GeminiTested(report) => {
                let text = match (report.ok, &report.error) {
                    (true, _) => format!(
                        "Gemini connected: {} models, listed in {} ms.",
                        report.models,
                        report.latency_ms.unwrap_or(0)
                    ),
                    (false, Some(error)) => format!("Gemini: {error}"),
                    (false, None) => "Gemini needs attention.".to_string(),
                };
                self.notify(text, !report.ok);
            }
            Event::JobFailed {
                provider,
                error,
                step,
            } => self.notify(said_here(&format!("{provider}: {error}"), step), true),
            Event::ConnectWaiting { sign_in, .. } => {
                if let Overlay::Connect(view) = &mut self.overlay {
                    view.sign_in = Some(sign_in);
                }
            }
            Event::ConnectFinished {
                provider,
                error,
                cancelled,
                step,
            } => {
                if matches!(self.overlay, Overlay::Connect(_)) {
                    self.overlay = Overlay::None;
                }
                match error {
                    None => {
                        // Connected: the first sync starts at once, so sales begin to arrive.
                        if provider == Provider::Mindbody {
                            self.queue.push(Request::SyncMindbody);
                        }
                        self.notify(format!("{provider} connected; syncing."), false)
                    }
                    Some(_) if cancelled => self.notify("Sign-in cancelled.", false),
                    Some(error) => self.notify(
                        said_here(&format!("{provider} was not connected: {error}"), step),
                        true,
                    ),
                }
            }
            _ => {}
        }
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

/// An error that came as an event, with the step that mends it said as the dashboard says it.
fn said_here(error: &str, step: Option<crate::api::NextStep>) -> String {
    crate::api::advice(Some(error), step, crate::api::FrontEnd::Dashboard).unwrap_or_default()
}
