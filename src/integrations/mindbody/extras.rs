//! What Mindbody adds to its view in the hub: the next step, the redirect in use, the schedule
//! and the API budget, webhooks and the last catch-up. Made of the hub's facts (the live store or
//! the status snapshot), the config and the record, so the status glance can make it too; the
//! catalog names [`mindbody_extras`] as Mindbody's. A leaf: nothing here does the engine's work.

use chrono::Utc;

use super::call_counters::{calls_key, unreached_key};
use super::catch_up::{CATCH_UP, CatchUp};
use super::schedule_facts::{CallsToday, overdue, schedule_facts};
use super::settings::MindbodySettings;
use super::webhooks::shown::{SUBSCRIPTION, webhook_extras};
use crate::api::view::Fact;
use crate::config::Config;
use crate::domain::{IntegrationId, NextStep, Provider, Status};
use crate::engine::view::Extras;
use crate::store::IntegrationRecord;
use crate::store::snapshot::HubFacts;

/// Mindbody's detail lines: what to do next, the schedule and the API budget. Made of the
/// hub's facts and the config alone, so the status glance can make it from its snapshot.
pub(crate) fn mindbody_extras(
    hub: &dyn HubFacts,
    config: &Config,
    record: Option<&IntegrationRecord>,
) -> Extras {
    // A further site of a chain signs in with the first site's OAuth client and API key.
    let first = match record.and_then(|r| r.site.as_ref()) {
        Some(_) => hub
            .integration(&IntegrationId::from(Provider::Mindbody))
            .ok()
            .flatten(),
        None => None,
    };
    let mut extras = from_the_record(record, first.as_ref().or(record));
    let today = chrono::Local::now().date_naive();
    let counted = |key: String| hub.counter(&key).unwrap_or(0);
    let site = record.map_or(
        IntegrationId::from(Provider::Mindbody),
        IntegrationRecord::id,
    );
    let calls = CallsToday {
        billed: counted(calls_key(&site, today)),
        unreached: counted(unreached_key(&site, today)),
    };
    let (facts, freshness, next) = schedule_facts(record, &config.mindbody, calls, Utc::now());
    extras.facts.extend(facts);
    extras.freshness = freshness;
    extras.next_sync_at = next;
    extras.attention = overdue(record, &config.mindbody, Utc::now());
    if let Ok(subscription) = hub.meta_json(SUBSCRIPTION) {
        webhook_extras(subscription.as_ref(), &mut extras);
    }
    if let Ok(Some(catch_up)) = hub.meta_json::<CatchUp>(CATCH_UP) {
        extras.facts.push(catch_up.fact());
    }
    extras
}

/// The detail pane's Mindbody lines and the next step, from the record alone and the developer
/// account's (the first site's; no unsealing: the status glance must not need the master key).
fn from_the_record(
    record: Option<&IntegrationRecord>,
    account: Option<&IntegrationRecord>,
) -> Extras {
    let mut settings = account
        .map(|r| MindbodySettings::from_settings(&r.settings))
        .unwrap_or_default();
    if let Some(site) = record.and_then(|r| r.site.clone()) {
        settings.site_id = Some(site);
    }
    let mut extras = Extras::default();
    if settings.redirect_uri.is_none() {
        // The default is not in the settings; say which one is in use.
        extras.facts.push(Fact {
            label: "Redirect".into(),
            value: settings.redirect_uri().to_string(),
        });
    }
    let configured = settings.site_id.is_some()
        && settings.client_id.is_some()
        && account.is_some_and(|r| r.credentials.is_some());
    let status = record.map(|r| r.status).unwrap_or(Status::Disconnected);
    let (hint, step) = match (status, configured) {
        (Status::Disconnected, false) => (None, NextStep::ConfigureMindbody),
        (Status::Disconnected, true) => (None, NextStep::ConnectMindbody),
        (Status::NeedsReauth, _) => (
            Some(
                "Mindbody no longer accepts the saved sign-in; settings, mappings and history are kept.",
            ),
            NextStep::ReconnectMindbody,
        ),
        _ => return extras,
    };
    extras.hint = hint.map(str::to_string);
    extras.next_step = Some(step);
    extras
}
