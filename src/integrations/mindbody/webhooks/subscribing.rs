//! The hub's webhook subscription at Mindbody: made, activated, checked and deleted through the
//! Webhooks API. The subscription (without its key) is kept in `meta`; the
//! `messageSignatureKey`, which Mindbody returns only once, is sealed with Mindbody's credentials
//! the moment it arrives.

use chrono::{DateTime, Utc};

use crate::api::event::Event;
use crate::domain::Provider;
use crate::engine::host::{Core, EngineError};
use crate::integrations::mindbody::webhooks::{
    DEFAULT_EVENTS, Subscription, SubscriptionStatus, WebhooksClient, WebhooksError,
};
use crate::secret::Secret;

/// The name of the sealed signing key among Mindbody's credentials.
pub const SIGNATURE_KEY: &str = "webhook_signature_key";
use super::shown::SUBSCRIPTION;
/// Since when webhooks have been delivering: sales after it that only a sync found are counted.
const ACTIVE_SINCE: &str = "mindbody.webhooks.active_since";

fn api(error: WebhooksError) -> EngineError {
    EngineError::Invalid(format!("{error}\n{}", error.hint()))
}

impl Core {
    fn webhooks_client(&self) -> Result<WebhooksClient, EngineError> {
        let api_key = self.mindbody_api_key()?;
        Ok(WebhooksClient::new(
            self.http().clone(),
            &self.inner.config.mindbody.webhooks_url(),
            api_key,
        ))
    }

    pub(crate) fn stored_subscription(&self) -> Result<Option<Subscription>, EngineError> {
        Ok(self.inner.store.meta_json(SUBSCRIPTION)?)
    }

    /// When webhooks started delivering (None: they are not on).
    pub(crate) fn webhooks_active_since(&self) -> Result<Option<DateTime<Utc>>, EngineError> {
        Ok(self.inner.store.meta_json(ACTIVE_SINCE)?)
    }

    /// Keeps what Mindbody said about the subscription, and tells the front ends when it changed.
    fn remember(&self, subscription: &Subscription) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let before = self.stored_subscription()?;
        store.put_meta_json(SUBSCRIPTION, subscription)?;
        if subscription.state() == SubscriptionStatus::Active
            && self.webhooks_active_since()?.is_none()
        {
            store.put_meta_json(ACTIVE_SINCE, &Utc::now())?;
        }
        if before.as_ref() != Some(subscription) {
            self.emit_mindbody_changed()?;
        }
        Ok(())
    }

    fn emit_mindbody_changed(&self) -> Result<(), EngineError> {
        let record = self.inner.store.integration(Provider::Mindbody)?;
        self.emit(Event::IntegrationChanged(
            self.view(Provider::Mindbody, record.as_ref())?,
        ));
        Ok(())
    }

    fn put_signature_key(&self, key: Option<Secret>) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let mut secrets = store.credentials(Provider::Mindbody)?.unwrap_or_default();
        match key {
            Some(key) => secrets.0.insert(SIGNATURE_KEY.into(), key),
            None => secrets.0.remove(SIGNATURE_KEY),
        };
        store.put_credentials(Provider::Mindbody, &secrets)?;
        self.reload_webhook_key();
        Ok(())
    }

    /// Subscribes `url` to `events` (the hub's three when empty) and activates it. Mindbody
    /// checks the URL with a HEAD first, so the receiver must already answer there.
    pub async fn subscribe_webhooks(
        &self,
        url: &str,
        events: Vec<String>,
    ) -> Result<Subscription, EngineError> {
        let parsed = url::Url::parse(url.trim()).map_err(|_| {
            EngineError::Invalid(format!(
                "`{url}` is not a URL: give the public https:// address that reaches `legion-hub serve`, e.g. https://hub.example.com/webhooks/mindbody"
            ))
        })?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(EngineError::Invalid(format!(
                "`{url}` is not an http(s) address"
            )));
        }
        let events = if events.is_empty() {
            DEFAULT_EVENTS.iter().map(|e| e.to_string()).collect()
        } else {
            events
        };
        let client = self.webhooks_client()?;
        let reference = reference_id();
        let created = client
            .create(parsed.as_str(), &events, &reference)
            .await
            .map_err(api)?;
        let key = created.message_signature_key.clone().ok_or_else(|| {
            EngineError::Invalid(
                "Mindbody made the subscription but sent no messageSignatureKey, so deliveries could not be verified: delete it (`legion-hub webhooks delete`) and subscribe again".into(),
            )
        })?;
        // Sealed before anything else can go wrong: Mindbody never shows it again.
        self.put_signature_key(Some(key))?;
        self.remember(&created)?;
        let active = client.activate(&created.id).await.map_err(api)?;
        self.remember(&active)?;
        Ok(active)
    }

    /// Activates the hub's subscription (or `id`): a new one, or one Mindbody deactivated.
    pub async fn activate_webhooks(&self, id: Option<&str>) -> Result<Subscription, EngineError> {
        let id = self.subscription_id(id)?;
        let active = self.webhooks_client()?.activate(&id).await.map_err(api)?;
        if self.is_ours(&id)? {
            self.remember(&active)?;
        }
        Ok(active)
    }

    /// Deletes the hub's subscription (or `id`); the signing key goes with the hub's own.
    pub async fn delete_webhooks(&self, id: Option<&str>) -> Result<(), EngineError> {
        let id = self.subscription_id(id)?;
        self.webhooks_client()?.delete(&id).await.map_err(api)?;
        if self.is_ours(&id)? {
            self.put_signature_key(None)?;
            self.inner.store.remove_meta(SUBSCRIPTION)?;
            self.inner.store.remove_meta(ACTIVE_SINCE)?;
            self.emit_mindbody_changed()?;
        }
        Ok(())
    }

    /// Every subscription of the developer account; the hub's own is brought up to date.
    pub async fn webhook_subscriptions(&self) -> Result<Vec<Subscription>, EngineError> {
        let all = self.webhooks_client()?.list().await.map_err(api)?;
        if let Some(ours) = self.stored_subscription()?
            && let Some(now) = all.iter().find(|s| s.id == ours.id)
        {
            self.remember(now)?;
        }
        Ok(all)
    }

    /// Asks Mindbody how the hub's subscription is (it may have been deactivated after failed
    /// deliveries). Quiet when there is none; errors are logged, not raised (a scheduled check).
    pub async fn check_subscription(&self) {
        let Ok(Some(ours)) = self.stored_subscription() else {
            return;
        };
        let outcome = match self.webhooks_client() {
            Ok(client) => client.get(&ours.id).await.map_err(api),
            Err(e) => Err(e),
        };
        match outcome.and_then(|now| self.remember(&now)) {
            Ok(()) => {}
            Err(e) => tracing::warn!("checking the webhook subscription: {e}"),
        }
    }

    fn subscription_id(&self, id: Option<&str>) -> Result<String, EngineError> {
        match id {
            Some(id) => Ok(id.to_string()),
            None => self
                .stored_subscription()?
                .map(|s| s.id)
                .ok_or_else(|| {
                    EngineError::Invalid(
                        "the hub has no webhook subscription: make one with `legion-hub webhooks subscribe --url URL`, or name one with --id".into(),
                    )
                }),
        }
    }

    fn is_ours(&self, id: &str) -> Result<bool, EngineError> {
        Ok(self.stored_subscription()?.is_some_and(|s| s.id == id))
    }
}

/// A fresh reference id for a subscription (Mindbody keeps it for us).
fn reference_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
