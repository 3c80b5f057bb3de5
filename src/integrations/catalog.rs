//! What the hub offers: one entry per provider (with the function that adds its room's lines to
//! its view), and the troubleshooting hint for each state.

use crate::config::Config;
use crate::domain::{NextStep, Provider, Status};
use crate::engine::view::Extras;
use crate::store::IntegrationRecord;
use crate::store::snapshot::HubFacts;

/// What a room adds to its integration's view, made of the hub's facts (the live store or the
/// status snapshot), the config and the stored record; never the engine, so the status glance
/// can make it without the store.
pub type ExtrasFn = fn(&dyn HubFacts, &Config, Option<&IntegrationRecord>) -> Extras;

/// The further accounts of a provider beside its first (a chain's further Mindbody sites), each
/// an integration of its own; from the hub's facts, so the status glance lists them too.
pub type FurtherSitesFn = fn(&dyn HubFacts) -> Result<Vec<String>, crate::store::StoreError>;

#[derive(Debug, Clone, Copy)]
pub struct CatalogEntry {
    pub provider: Provider,
    /// One line on what the integration brings to the books.
    pub description: &'static str,
    /// False for "coming soon" entries: shown, but nothing can be done with them yet.
    pub available: bool,
    /// The room's lines for the view, once the integration is built.
    pub extras: Option<ExtrasFn>,
    pub further_sites: Option<FurtherSitesFn>,
}

pub fn entry(provider: Provider) -> CatalogEntry {
    let (description, available, extras): (_, _, Option<ExtrasFn>) = match provider {
        Provider::Gemini => (
            "AI assistant: ask questions about the books in plain language",
            true,
            Some(super::gemini::extras::gemini_extras),
        ),
        Provider::Mindbody => (
            "Studio sales, clients and revenue categories, synced into the books",
            true,
            Some(super::mindbody::extras::mindbody_extras),
        ),
        Provider::Stripe => ("Card payments, refunds and payouts", false, None),
        Provider::GoCardless => ("Direct Debit mandates and payments", false, None),
    };
    let further_sites: Option<FurtherSitesFn> = match provider {
        Provider::Mindbody => Some(super::mindbody::site_list::further_sites),
        _ => None,
    };
    CatalogEntry {
        provider,
        description,
        available,
        extras,
        further_sites,
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

/// What a provider's state means for the user, when it asks for something; the step that mends
/// it is [`step`]'s (each front end words it).
pub fn hint(provider: Provider, status: Status) -> Option<String> {
    let name = provider.name();
    let text = match (provider, status) {
        (_, Status::Connected | Status::Syncing) => return None,
        (_, Status::ComingSoon) => format!("{name} support is on its way; nothing to set up yet."),
        (Provider::Gemini, Status::Disconnected) => {
            "Gemini needs an API key: create one in Google AI Studio (aistudio.google.com/apikey)."
                .into()
        }
        // The step says it all.
        (Provider::Mindbody, Status::Disconnected | Status::Error) => return None,
        (_, Status::Disconnected) => format!("{name} is not connected."),
        (_, Status::NeedsReauth) => format!(
            "{name} no longer accepts the saved sign-in; settings, mappings and history are kept."
        ),
        (Provider::Gemini, Status::Error) => {
            "Check the API key and the network; the error above says which failed.".into()
        }
        (_, Status::Error) => format!("{name} reported the error above."),
    };
    Some(text)
}

/// The step that mends a provider's state, if one does.
pub fn step(provider: Provider, status: Status) -> Option<NextStep> {
    match (provider, status) {
        (Provider::Gemini, Status::Disconnected) => Some(NextStep::ConfigureGemini),
        (Provider::Gemini, Status::Error) => Some(NextStep::TestGemini),
        (Provider::Mindbody, Status::Disconnected) => Some(NextStep::ConfigureMindbody),
        (Provider::Mindbody, Status::NeedsReauth) => Some(NextStep::ReconnectMindbody),
        (Provider::Mindbody, Status::Error) => Some(NextStep::ShowMindbodyHistory),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unhealthy_state_has_a_hint_or_a_step() {
        for provider in Provider::ALL {
            for status in [Status::Disconnected, Status::Error, Status::NeedsReauth] {
                assert!(
                    hint(provider, status).is_some() || step(provider, status).is_some(),
                    "{provider} {status}"
                );
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
