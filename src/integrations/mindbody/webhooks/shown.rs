//! What the hub shows about webhooks: the subscription's line in Mindbody's detail pane, the
//! warning and the offer when Mindbody turned it off, and whether the view says sales arrive by
//! webhook. Made of the subscription kept in `meta`, so the status glance can show it. A leaf.

use super::subscriptions::{Subscription, SubscriptionStatus};
use crate::api::view::{Fact, IntegrationView};
use crate::engine::view::Extras;

/// Where the subscription (without its key) is kept in `meta`.
pub(crate) const SUBSCRIPTION: &str = "mindbody.webhooks.subscription";

/// The detail line about webhooks, and how it starts while they deliver.
const WEBHOOKS_FACT: &str = "Webhooks";
const RECEIVING: &str = "receiving → ";

impl IntegrationView {
    /// Mindbody delivers sales here by webhook (the subscription is active), signed in or not.
    pub fn receiving_webhooks(&self) -> bool {
        self.facts
            .iter()
            .any(|f| f.label == WEBHOOKS_FACT && f.value.starts_with(RECEIVING))
    }
}

/// The hub's lines about webhooks: subscription state, a warning and an offer when Mindbody
/// turned it off.
pub(crate) fn webhook_extras(subscription: Option<&Subscription>, extras: &mut Extras) {
    let Some(sub) = subscription else {
        return;
    };
    extras.facts.push(Fact {
        label: WEBHOOKS_FACT.into(),
        value: match sub.state() {
            SubscriptionStatus::Active => format!("{RECEIVING}{}", sub.webhook_url),
            SubscriptionStatus::PendingActivation => "pending activation".into(),
            _ => sub.status.clone(),
        },
    });
    if sub.deactivated_by_mindbody() {
        extras.attention = Some("Mindbody deactivated the webhook subscription".into());
        extras.warnings.push(format!(
            "Mindbody deactivated the webhook subscription ({}): sales arrive only by sync until it is reactivated.",
            sub.status_message.as_deref().unwrap_or(&sub.status)
        ));
        extras.offer = Some("Reactivate the webhook subscription".into());
    } else if sub.state() == SubscriptionStatus::PendingActivation {
        extras.offer = Some("Activate the webhook subscription".into());
    }
}
