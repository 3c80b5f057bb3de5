//! What the hub offers: one entry per provider, and the troubleshooting hint for each state.

use crate::domain::{Provider, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    pub provider: Provider,
    /// One line on what the integration brings to the books.
    pub description: &'static str,
    /// False for "coming soon" entries: shown, but nothing can be done with them yet.
    pub available: bool,
}

pub fn entry(provider: Provider) -> CatalogEntry {
    let (description, available) = match provider {
        Provider::Gemini => (
            "AI assistant: ask questions about the books in plain language",
            true,
        ),
        Provider::Mindbody => (
            "Studio sales, clients and revenue categories, synced into the books",
            true,
        ),
        Provider::Stripe => ("Card payments, refunds and payouts", false),
        Provider::GoCardless => ("Direct Debit mandates and payments", false),
    };
    CatalogEntry {
        provider,
        description,
        available,
    }
}

/// The state a provider is in before anything has been stored for it.
pub fn initial_status(provider: Provider) -> Status {
    if entry(provider).available {
        Status::Disconnected
    } else {
        Status::ComingSoon
    }
}

/// What to do next, for a provider in `status`. None when nothing needs doing.
pub fn hint(provider: Provider, status: Status) -> Option<String> {
    let name = provider.name();
    let text = match (provider, status) {
        (_, Status::Connected | Status::Syncing) => return None,
        (_, Status::ComingSoon) => format!("{name} support is on its way; nothing to set up yet."),
        (Provider::Gemini, Status::Disconnected) => {
            "Gemini needs an API key: create one in Google AI Studio (aistudio.google.com/apikey)."
                .into()
        }
        (Provider::Mindbody, Status::Disconnected) => {
            "Connect Mindbody with the studio's site id to start syncing sales.".into()
        }
        (_, Status::Disconnected) => format!("{name} is not connected."),
        (_, Status::NeedsReauth) => format!(
            "{name} no longer accepts the saved sign-in: reconnect. Settings, mappings and history are kept."
        ),
        (Provider::Gemini, Status::Error) => {
            "Check the API key and the network; the error above says which failed.".into()
        }
        (_, Status::Error) => format!(
            "Open the failed run in the sync history (Tab, Enter) for {name}'s full answer; a run that fails again the same way needs a look at the settings."
        ),
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unhealthy_state_has_a_hint() {
        for provider in Provider::ALL {
            for status in [Status::Disconnected, Status::Error, Status::NeedsReauth] {
                assert!(hint(provider, status).is_some(), "{provider} {status}");
            }
            assert!(hint(provider, Status::Connected).is_none());
        }
    }

    #[test]
    fn stripe_and_gocardless_are_coming_soon() {
        assert_eq!(initial_status(Provider::Stripe), Status::ComingSoon);
        assert_eq!(initial_status(Provider::GoCardless), Status::ComingSoon);
        assert_eq!(initial_status(Provider::Gemini), Status::Disconnected);
    }
}
