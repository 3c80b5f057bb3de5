//! The sign-in overlay (`o` on the hub): the address to open, and a field to paste the one the
//! browser ends on; what its keys do while it is open.

use ratatui::crossterm::event::Event as TermEvent;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Provider;
use crate::api::SignIn;
use crate::tui::action::{Action, Request};
use crate::tui::overlay::Step;
use crate::tui::screens::context::Outbox;

#[derive(Debug, Clone)]
pub struct ConnectView {
    pub provider: Provider,
    /// A further site of a chain being signed in (None: the provider's first).
    pub site: Option<String>,
    /// None until the engine has the address ready.
    pub sign_in: Option<SignIn>,
    pub paste: Input,
    pub error: Option<String>,
}

impl ConnectView {
    pub fn new(provider: Provider, site: Option<String>) -> ConnectView {
        ConnectView {
            provider,
            site,
            sign_in: None,
            paste: Input::default(),
            error: None,
        }
    }

    /// Type or paste the address, use it (Enter), copy the one to open, or cancel (Esc); None
    /// when the action is not the overlay's.
    pub(crate) fn update(&mut self, action: &Action, out: &mut Outbox) -> Option<Step> {
        match *action {
            Action::Edit(key) => {
                self.paste.handle_event(&TermEvent::Key(key));
            }
            Action::Submit => {
                let address = self.paste.value().trim().to_string();
                if !address.is_empty() {
                    self.error = None;
                    out.request(Request::PasteRedirect(address).at_site(self.site.clone()));
                }
            }
            Action::Back => {
                out.request(Request::CancelConnect.at_site(self.site.clone()));
                out.notify("Sign-in cancelled.", false);
                return Some(Step::Close);
            }
            Action::CopyUrl => {
                if let Some(sign_in) = &self.sign_in {
                    out.copy(sign_in.url.clone());
                    out.notify("Copied the sign-in address (OSC 52).", false);
                }
            }
            _ => return None,
        }
        Some(Step::Stay)
    }

    /// The engine refused the pasted address: why, and an empty field for the next try.
    pub(crate) fn rejected(&mut self, message: String) {
        self.error = Some(message);
        self.paste = Input::default();
    }
}
