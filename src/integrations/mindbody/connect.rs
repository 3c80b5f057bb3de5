//! The engine's Mindbody operations: settings, the sign-in (a background job whose progress
//! arrives as events, finished by the loopback callback or a pasted address), tokens kept fresh
//! (one refresh at a time; callers wait for it), the connection test and disconnect.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::api::event::Event;
use crate::api::requests::MindbodyUpdate;
use crate::books::AccountKey;
use crate::domain::{Provider, Status};
use crate::engine::host::{Core, EngineError};
use crate::integrations::mindbody::client::Location;
use crate::integrations::mindbody::{self, MindbodyClient, MindbodySettings};
use crate::oauth::OAuthError;
use crate::oauth::browser::{self, BrowserOpener, SystemBrowser};
use crate::oauth::client::OAuthApp;
use crate::oauth::flow::{self, FlowOptions, Paste};
use crate::secret::Secret;
use crate::store::TokenSet;

/// A sign-in under way: how to cancel it and where pasted addresses go.
pub(crate) struct ConnectJob {
    cancel: CancellationToken,
    pastes: mpsc::Sender<Paste>,
}

impl Core {
    /// The settings this handle's site signs in and syncs with: the first site's, and for a
    /// further site of a chain the same developer account's OAuth client at its own site id.
    pub fn mindbody_settings(&self) -> Result<MindbodySettings, EngineError> {
        let mut settings =
            MindbodySettings::from_settings(&self.record_or_new(Provider::Mindbody)?.settings);
        if let Some(site) = &self.site {
            settings.site_id = Some(site.to_string());
        }
        Ok(settings)
    }

    /// The Mindbody account synced records are keyed by: the configured site.
    pub(crate) fn mindbody_account(&self) -> Result<AccountKey, EngineError> {
        let site = self
            .mindbody_settings()?
            .site_id
            .ok_or_else(|| EngineError::NotReady {
                what: "Mindbody has no site id yet".into(),
                step: crate::domain::NextStep::ConfigureMindbody,
            })?;
        AccountKey::new(Provider::Mindbody, site.trim())
            .map_err(|e| EngineError::Invalid(e.to_string()))
    }

    /// A secret of the developer account (API key, client secret): the first site's, shared by
    /// every site of a chain.
    pub(crate) fn mindbody_secret(&self, name: &str) -> Result<Option<Secret>, EngineError> {
        if self
            .record_or_new(Provider::Mindbody)?
            .credentials
            .is_none()
        {
            return Ok(None);
        }
        Ok(self
            .inner
            .store
            .credentials(Provider::Mindbody)?
            .and_then(|c| c.0.get(name).cloned()))
    }

    /// The saved API key, or what to do when there is none.
    pub(crate) fn mindbody_api_key(&self) -> Result<Secret, EngineError> {
        self.mindbody_secret(mindbody::API_KEY)?
            .ok_or_else(|| EngineError::NotReady {
                what: "Mindbody has no API key yet".into(),
                step: crate::domain::NextStep::ConfigureMindbody,
            })
    }

    /// Saves the settings (secrets sealed). Nothing is half-saved: all is checked first. They
    /// are the first site's; a chain's further sites share them but for their site id.
    pub async fn configure_mindbody(&self, update: MindbodyUpdate) -> Result<(), EngineError> {
        if let Some(site) = &self.site {
            return Err(EngineError::Invalid(format!(
                "site {site} shares the first site's Mindbody settings: configure Mindbody without a site"
            )));
        }
        if let Some(site) = &update.site_id
            && site.trim().parse::<i64>().is_err()
        {
            return Err(EngineError::Invalid(format!(
                "the site id `{site}` is not a number (it is the number in the studio's Mindbody address; the sandbox's is -99)"
            )));
        }
        if let Some(uri) = &update.redirect_uri {
            let parsed = Url::parse(uri).map_err(|_| {
                EngineError::Invalid(format!("the redirect URI `{uri}` is not a URL"))
            })?;
            if parsed.scheme() != "http"
                || !matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
            {
                return Err(EngineError::Invalid(format!(
                    "the redirect URI `{uri}` must be http://localhost:PORT/PATH (a loopback address legion-hub can listen on)"
                )));
            }
        }
        let mut secrets = self
            .inner
            .store
            .credentials(Provider::Mindbody)?
            .unwrap_or_default();
        let mut secrets_changed = false;
        for (name, value) in [
            (mindbody::API_KEY, &update.api_key),
            (mindbody::CLIENT_SECRET, &update.client_secret),
        ] {
            if let Some(value) = value.as_ref().filter(|v| !v.expose().trim().is_empty()) {
                secrets
                    .0
                    .insert(name.into(), Secret::new(value.expose().trim()));
                secrets_changed = true;
            }
        }
        if secrets_changed {
            self.inner
                .store
                .put_credentials(Provider::Mindbody, &secrets)?;
        }
        let mut settings = self.mindbody_settings()?;
        let trimmed = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string());
        if update.site_id.is_some() {
            settings.site_id = trimmed(&update.site_id);
        }
        if update.client_id.is_some() {
            settings.client_id = trimmed(&update.client_id);
        }
        if update.redirect_uri.is_some() {
            settings.redirect_uri = trimmed(&update.redirect_uri);
        }
        let mut record = self.record_or_new(Provider::Mindbody)?;
        settings.write_to(&mut record.settings);
        record.updated_at = Utc::now();
        self.inner.store.put_integration(&record)?;
        self.emit(Event::IntegrationChanged(
            self.view(record.id(), Some(&record))?,
        ));
        Ok(())
    }

    fn mindbody_app(&self) -> Result<OAuthApp, EngineError> {
        let settings = self.mindbody_settings()?;
        let missing = |what: &str| EngineError::NotReady {
            what: format!("Mindbody has no {what} yet"),
            step: crate::domain::NextStep::ConfigureMindbody,
        };
        let site_id = settings.site_id.clone().ok_or_else(|| missing("site id"))?;
        let client_id = settings
            .client_id
            .clone()
            .ok_or_else(|| missing("client id"))?;
        let endpoints = &self.inner.config.mindbody;
        let redirect_uri = Url::parse(settings.redirect_uri()).map_err(|_| {
            EngineError::Invalid(format!(
                "the redirect URI `{}` is not a URL",
                settings.redirect_uri()
            ))
        })?;
        Ok(OAuthApp {
            authorize_url: endpoints.authorize_url(),
            token_url: endpoints.token_url(),
            // It has a default, so no revocation is skipped for want of a setting.
            revocation_url: Some(endpoints.revocation_url()),
            client_id,
            client_secret: self.mindbody_secret(mindbody::CLIENT_SECRET)?,
            redirect_uri,
            scopes: mindbody::SCOPES.iter().map(|s| s.to_string()).collect(),
            extra_params: vec![("subscriberId".into(), site_id)],
        })
    }

    /// Starts the sign-in in the background. `open_browser` false (or an SSH session, or no
    /// display) shows the address for the user to open and paste back. Progress arrives as
    /// `ConnectWaiting`, then `ConnectFinished`.
    pub fn start_mindbody_connect(&self, open_browser: bool) -> Result<(), EngineError> {
        let app = self.mindbody_app()?;
        let browser: Option<Arc<dyn BrowserOpener>> = match (&self.inner.browser, open_browser) {
            (_, false) => None,
            (Some(injected), true) => Some(injected.clone()),
            (None, true) if browser::browser_available(|n| std::env::var(n).ok()) => {
                Some(Arc::new(SystemBrowser))
            }
            (None, true) => None,
        };
        let (pastes_tx, pastes) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        {
            let mut jobs = self
                .mindbody()
                .connect_jobs
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let key = self.mindbody_id().key();
            if jobs.contains_key(&key) {
                return Err(EngineError::Busy(format!(
                    "a {} sign-in is already under way",
                    self.mindbody_id().label()
                )));
            }
            jobs.insert(
                key,
                ConnectJob {
                    cancel: cancel.clone(),
                    pastes: pastes_tx,
                },
            );
        }
        let engine = self.clone();
        let timeout = self.inner.config.mindbody.connect_timeout();
        tokio::spawn(async move {
            let options = FlowOptions { timeout, browser };
            let waiting = engine.clone();
            let outcome = flow::run(
                engine.http(),
                &app,
                "Mindbody",
                options,
                pastes,
                cancel,
                |sign_in| {
                    waiting.emit(Event::ConnectWaiting {
                        provider: Provider::Mindbody,
                        site: waiting.mindbody_id().site,
                        sign_in,
                    })
                },
            )
            .await;
            engine
                .mindbody()
                .connect_jobs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&engine.mindbody_id().key());
            let cancelled = matches!(outcome, Err(OAuthError::Cancelled));
            let error = match outcome {
                Ok(tokens) => engine.connected(tokens).await.err(),
                Err(error) => Some(EngineError::from(error)),
            };
            engine.emit(Event::ConnectFinished {
                provider: Provider::Mindbody,
                site: engine.mindbody_id().site,
                step: error.as_ref().and_then(EngineError::step),
                error: error.map(|e| e.to_string()),
                cancelled,
            });
        });
        Ok(())
    }

    /// Starts the sign-in and waits for it to end (for scripts and tests; the dashboard follows
    /// the events instead).
    pub async fn connect_mindbody(&self, open_browser: bool) -> Result<(), EngineError> {
        let mut events = self.subscribe();
        self.start_mindbody_connect(open_browser)?;
        let site = self.mindbody_id().site;
        loop {
            match events.recv().await {
                Ok(Event::ConnectFinished {
                    error,
                    step,
                    site: finished,
                    ..
                }) if finished == site => {
                    return match error {
                        None => Ok(()),
                        Some(message) => Err(EngineError::Reported { message, step }),
                    };
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return Err(EngineError::Invalid("the engine stopped".into())),
            }
        }
    }

    /// Tokens in: sealed and saved, then a test call sets the status.
    async fn connected(&self, tokens: TokenSet) -> Result<(), EngineError> {
        self.inner.store.put_tokens(self.mindbody_id(), &tokens)?;
        tracing::info!("Mindbody connected; tokens saved");
        self.test_mindbody().await.map(|_| ())
    }

    /// The address the browser ended on, pasted by the user. A wrong or forged one is an error
    /// and the sign-in keeps waiting for the right one.
    pub async fn paste_mindbody_redirect(&self, address: &str) -> Result<(), EngineError> {
        let sender = {
            let jobs = self
                .mindbody()
                .connect_jobs
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            jobs.get(&self.mindbody_id().key())
                .map(|j| j.pastes.clone())
        };
        let Some(sender) = sender else {
            return Err(EngineError::Invalid(
                "no Mindbody sign-in is under way".into(),
            ));
        };
        let (reply, answer) = oneshot::channel();
        sender
            .send(Paste {
                address: address.to_string(),
                reply,
            })
            .await
            .map_err(|_| EngineError::Invalid("the sign-in has already ended".into()))?;
        answer
            .await
            .map_err(|_| EngineError::Invalid("the sign-in has already ended".into()))?
            .map_err(EngineError::from)
    }

    pub fn cancel_mindbody_connect(&self) -> bool {
        match self
            .mindbody()
            .connect_jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&self.mindbody_id().key())
        {
            Some(job) => {
                job.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// A working access token, refreshed ahead of expiry. One refresh at a time: callers that
    /// arrive while it runs wait and get its result. A rotated refresh token is saved together
    /// with the new access token (one sealed value).
    pub async fn mindbody_access_token(&self) -> Result<Secret, EngineError> {
        self.access_token_unless(None).await
    }

    /// A new access token in place of `rejected`, which Mindbody refused although it had not
    /// expired by our clock. Callers holding the same rejected token cause one refresh.
    pub(crate) async fn renew_rejected_token(
        &self,
        rejected: &Secret,
    ) -> Result<Secret, EngineError> {
        tracing::info!("Mindbody refused an access token before its expiry; refreshing it");
        self.access_token_unless(Some(rejected)).await
    }

    async fn access_token_unless(&self, rejected: Option<&Secret>) -> Result<Secret, EngineError> {
        let _one_refresh = self.mindbody().refresh.lock().await;
        let store = &self.inner.store;
        let Some(tokens) = store.tokens(self.mindbody_id())? else {
            return Err(EngineError::NotReady {
                what: "Mindbody is not signed in".into(),
                step: crate::domain::NextStep::ConnectMindbody,
            });
        };
        let margin = self.inner.config.mindbody.refresh_margin();
        let fresh = tokens.expires_at.is_none_or(|at| at - margin > Utc::now())
            && rejected != Some(&tokens.access_token);
        if fresh {
            return Ok(tokens.access_token);
        }
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(self
                .needs_reauth("the access token expired and there is no refresh token")
                .await?);
        };
        match self
            .mindbody_app()?
            .refresh(self.http(), &refresh_token)
            .await
        {
            Ok(new) => {
                store.put_tokens(self.mindbody_id(), &new)?;
                tracing::info!("Mindbody access token refreshed");
                Ok(new.access_token)
            }
            Err(OAuthError::InvalidGrant(reason)) => Err(self.needs_reauth(&reason).await?),
            Err(other) => Err(other.into()),
        }
    }

    /// The saved sign-in is dead: forget the tokens (settings, mappings and history stay) and
    /// say a reconnect is needed.
    async fn needs_reauth(&self, reason: &str) -> Result<EngineError, EngineError> {
        self.inner.store.delete_tokens(self.mindbody_id())?;
        self.mark_needs_reauth(reason)?;
        Ok(OAuthError::InvalidGrant(reason.to_string()).into())
    }

    /// Mindbody refused a token it had just issued: the sign-in itself is refused (the staff
    /// member lost access, the studio removed the app). Only a new sign-in can mend it.
    pub(crate) fn sign_in_refused(
        &self,
        refusal: &EngineError,
    ) -> Result<EngineError, EngineError> {
        let reason = match refusal {
            EngineError::Mindbody { error } => crate::text::one_line(&error.to_string()),
            other => other.to_string(),
        };
        self.mark_needs_reauth(&reason)?;
        Ok(EngineError::NotReady {
            what: format!("Mindbody refused even a freshly renewed sign-in ({reason})"),
            step: crate::domain::NextStep::ReconnectMindbody,
        })
    }

    fn mark_needs_reauth(&self, reason: &str) -> Result<(), EngineError> {
        let mut record = self.record_or_new(self.mindbody_id())?;
        record.status = Status::NeedsReauth;
        record.error_message = Some(format!(
            "Mindbody no longer accepts the saved sign-in ({reason})"
        ));
        record.updated_at = Utc::now();
        self.inner.store.put_integration(&record)?;
        self.emit(Event::IntegrationChanged(
            self.view(record.id(), Some(&record))?,
        ));
        Ok(())
    }

    /// One cheap authenticated call (`site/locations`); sets the status from it.
    pub async fn test_mindbody(&self) -> Result<Vec<Location>, EngineError> {
        let settings = self.mindbody_settings()?;
        let site_id = settings.site_id.clone().unwrap_or_default();
        let api_key = self.mindbody_api_key()?;
        let token = self.mindbody_access_token().await?;
        let client = MindbodyClient::new(
            self.http().clone(),
            &self.inner.config.mindbody.api_url(),
            api_key,
            &site_id,
        );
        let outcome = client.locations(&token).await;
        let mut record = self.record_or_new(self.mindbody_id())?;
        match &outcome {
            Ok(locations) => {
                record.status = Status::Connected;
                record.error_message = None;
                // The call names the studio's locations: kept for the reports, at no cost. Not
                // keeping them does not make the connection fail.
                if let Err(e) = self.keep_location_names(locations) {
                    tracing::warn!("keeping Mindbody's location names: {e}");
                }
            }
            Err(error) => {
                record.status = Status::Error;
                record.error_message =
                    Some(crate::domain::sentences(&error.to_string(), error.hint()));
            }
        }
        record.updated_at = Utc::now();
        self.inner.store.put_integration(&record)?;
        self.emit(Event::IntegrationChanged(
            self.view(record.id(), Some(&record))?,
        ));
        outcome.map_err(|error| EngineError::Mindbody { error })
    }

    /// Revokes the tokens at Mindbody and forgets them here; settings, keys, mappings and
    /// history stay. Says whether Mindbody confirmed the revocation: the local tokens go
    /// regardless, since a disconnect must always work.
    pub async fn disconnect_mindbody(
        &self,
    ) -> Result<crate::api::sign_in::Revocation, EngineError> {
        use crate::api::sign_in::Revocation;
        let revocation = match self.inner.store.tokens(self.mindbody_id()) {
            Ok(None) => Revocation::NothingToRevoke,
            Err(error) => Revocation::NotConfirmed {
                reason: format!("the saved tokens cannot be read ({error})"),
            },
            Ok(Some(tokens)) => match self.mindbody_app() {
                Ok(app) => app.revoke_tokens(self.http(), &tokens).await,
                Err(error) => Revocation::NotConfirmed {
                    reason: error.to_string(),
                },
            },
        };
        if let Revocation::NotConfirmed { reason } = &revocation {
            tracing::warn!(%reason, "Mindbody did not confirm the revocation");
        }
        self.inner.store.delete_tokens(self.mindbody_id())?;
        let mut record = self.record_or_new(self.mindbody_id())?;
        record.status = Status::Disconnected;
        record.error_message = None;
        record.updated_at = Utc::now();
        self.inner.store.put_integration(&record)?;
        self.emit(Event::IntegrationChanged(
            self.view(record.id(), Some(&record))?,
        ));
        Ok(revocation)
    }
}

impl From<OAuthError> for EngineError {
    fn from(error: OAuthError) -> Self {
        EngineError::OAuth { error }
    }
}
