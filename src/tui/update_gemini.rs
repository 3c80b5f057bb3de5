//! How the hub screen's Gemini keys work: test (`t`), configure (`c`, a form), accept the
//! replacement on offer (`a`), and what a finished test says.

use super::action::{Action, Request};
use super::app::{App, Overlay, Screen};
use super::gemini_form::GeminiForm;
use crate::domain::Provider;
use crate::engine::Event;

impl App {
    pub(super) fn gemini_update(&mut self, action: Action) -> Option<Action> {
        let selected = self.selected_view().map(|v| v.provider);
        match action {
            Action::TestGemini => match selected {
                Some(Provider::Gemini) => {
                    self.queue.push(Request::TestGemini);
                    self.notify("Testing Gemini…", false);
                }
                Some(other) => self.notify(format!("{other} has no connection test yet."), false),
                None => {}
            },
            Action::AcceptOffer => {
                let offer = self.selected_view().and_then(|v| v.offer.clone());
                match (selected, offer) {
                    (Some(Provider::Gemini), Some(_)) => {
                        self.queue.push(Request::AcceptGemini);
                        self.notify("Switching to the replacement models and testing…", false);
                    }
                    _ => self.notify("Nothing on offer to accept here.", false),
                }
            }
            Action::OpenGeminiForm => match selected {
                Some(Provider::Gemini) => {
                    // A key saved, or one from the environment, can be kept as it is.
                    let has_key = self.selected_view().is_some_and(|v| {
                        v.has_credentials
                            || v.facts
                                .iter()
                                .any(|f| f.label == "Key from" && f.value != "no key yet")
                    });
                    let form = GeminiForm::new(&self.gemini_settings(), has_key);
                    self.overlay = Overlay::GeminiForm(Box::new(form));
                    self.queue.push(Request::LoadGeminiModels);
                }
                Some(other) => self.notify(format!("{other} has nothing to configure yet."), false),
                None => {}
            },
            Action::FormNext | Action::FormPrev | Action::FormCycle(_) => {
                if let Overlay::GeminiForm(form) = &mut self.overlay {
                    match action {
                        Action::FormNext => form.move_field(1),
                        Action::FormPrev => form.move_field(-1),
                        Action::FormCycle(delta) => form.cycle(delta),
                        _ => {}
                    }
                }
            }
            Action::Edit(key) if matches!(self.overlay, Overlay::GeminiForm(_)) => {
                if let Overlay::GeminiForm(form) = &mut self.overlay {
                    form.edit(key);
                }
            }
            Action::Submit if matches!(self.overlay, Overlay::GeminiForm(_)) => {
                if let Overlay::GeminiForm(form) = &mut self.overlay {
                    match form.to_update() {
                        Ok(update) => {
                            self.queue.push(Request::ConfigureGemini(update));
                            self.overlay = Overlay::None;
                            self.notify("Saving and testing Gemini…", false);
                        }
                        Err(message) => form.error = Some(message),
                    }
                }
            }
            Action::GeminiModelsLoaded(models) => {
                if let Overlay::GeminiForm(form) = &mut self.overlay {
                    form.models = Some(models);
                }
            }
            other => return Some(other),
        }
        None
    }

    pub(super) fn gemini_event(&mut self, event: Event) {
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
            Event::JobFailed { provider, error } => {
                self.notify(format!("{provider}: {error}"), true);
            }
            _ => {}
        }
        if self.screen == Screen::Chat {
            // Nothing else on the chat screen depends on these.
        }
    }
}
