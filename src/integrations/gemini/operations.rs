//! The engine's Gemini operations: find the key, test the connection (and set the status from
//! it), configure, list models (what the detail pane shows about Gemini is `extras`).

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::api::event::Event;
use crate::api::requests::GeminiUpdate;
use crate::domain::{Provider, Status};
use crate::engine::host::{Core, EngineError};
use crate::engine::jobs::Slot;
use crate::integrations::gemini::key::{self, KeySource};
use crate::integrations::gemini::models::GeminiSettings;
use crate::integrations::gemini::report::TestReport;
use crate::integrations::gemini::test;
use crate::integrations::gemini::types::Model;
use crate::integrations::gemini::{GeminiClient, GeminiError};
use crate::secret::Secret;

use crate::integrations::gemini::extras::LAST_TEST;

/// The slot of the connection test (one at a time).
const TEST: Slot = Slot::of(Provider::Gemini, "test");

impl Core {
    pub fn gemini_settings(&self) -> Result<GeminiSettings, EngineError> {
        Ok(GeminiSettings::from_settings(
            &self.record_or_new(Provider::Gemini)?.settings,
        ))
    }

    /// The key in use and where it came from.
    pub fn gemini_key(&self) -> Result<Option<(Secret, KeySource)>, EngineError> {
        let has_sealed = self
            .inner
            .store
            .integration(Provider::Gemini)?
            .is_some_and(|r| r.credentials.is_some());
        let stored = if has_sealed {
            self.inner
                .store
                .credentials(Provider::Gemini)?
                .and_then(|c| c.0.get(key::CREDENTIAL).cloned())
        } else {
            None
        };
        Ok(key::resolve(stored, key::process_env))
    }

    pub fn gemini_client(&self) -> Result<(GeminiClient, KeySource), EngineError> {
        let (secret, source) = self.gemini_key()?.ok_or(GeminiError::NoKey)?;
        let client = GeminiClient::new(
            self.http().clone(),
            &self.inner.config.gemini.base_url(),
            secret,
        )
        .with_retry(self.inner.gemini_retry);
        Ok((client, source))
    }

    /// Tests the connection and sets Gemini's status from the result. Filling unset aliases from
    /// the live model list is saved too.
    pub async fn test_gemini(&self) -> Result<TestReport, EngineError> {
        let cancel = CancellationToken::new();
        let report = match self.gemini_client() {
            Err(EngineError::Gemini { error }) => TestReport::failed(None, &error),
            Err(other) => return Err(other),
            Ok((client, source)) => {
                let mut settings = self.gemini_settings()?;
                match test::run(&client, source, &mut settings, &cancel).await {
                    Ok((report, _)) => {
                        let mut record = self.record_or_new(Provider::Gemini)?;
                        settings.write_to(&mut record.settings);
                        self.inner.store.put_integration(&record)?;
                        report
                    }
                    Err(error) => TestReport::failed(Some(source), &error),
                }
            }
        };
        self.record_gemini_test(&report)?;
        self.emit(Event::GeminiTested(report.clone()));
        Ok(report)
    }

    /// Runs [`Core::test_gemini`] in the background; the outcome arrives as events. Returns
    /// false (and does nothing) when a test is already running.
    pub fn start_gemini_test(&self) -> bool {
        let Some(claim) = self.inner.jobs.claim(TEST) else {
            return false;
        };
        let engine = self.clone();
        claim.spawn(async move { engine.test_gemini().await.map(|_| ()) });
        true
    }

    fn record_gemini_test(&self, report: &TestReport) -> Result<(), EngineError> {
        self.inner.store.put_meta_json(LAST_TEST, report)?;
        let mut record = self.record_or_new(Provider::Gemini)?;
        let no_key = report.key_source.is_none();
        record.status = match (report.ok, no_key) {
            (true, _) => Status::Connected,
            (false, true) => Status::Disconnected,
            (false, false) => Status::Error,
        };
        record.error_message = if no_key { None } else { report.error.clone() };
        if report.ok {
            record.last_sync_at = Some(report.at);
        }
        record.updated_at = Utc::now();
        self.inner.store.put_integration(&record)?;
        let view = self.view(Provider::Gemini, Some(&record))?;
        self.emit(Event::IntegrationChanged(view));
        Ok(())
    }

    pub fn last_gemini_test(&self) -> Result<Option<TestReport>, EngineError> {
        Ok(self.inner.store.meta_json(LAST_TEST)?)
    }

    /// Points each alias whose model is gone at the replacement the last test offered, and
    /// tests again.
    pub async fn accept_gemini_replacements(&self) -> Result<TestReport, EngineError> {
        let Some(last) = self.last_gemini_test()? else {
            return self.test_gemini().await;
        };
        let mut settings = self.gemini_settings()?;
        for (check, replacement) in last.pending_replacements() {
            settings.set_model(check.alias, Some(replacement.to_string()));
        }
        let mut record = self.record_or_new(Provider::Gemini)?;
        settings.write_to(&mut record.settings);
        self.inner.store.put_integration(&record)?;
        self.test_gemini().await
    }

    /// Saves what changed (the key sealed) and tests the result.
    pub async fn configure_gemini(&self, update: GeminiUpdate) -> Result<TestReport, EngineError> {
        if let Some(api_key) = update.api_key {
            let api_key = Secret::new(api_key.expose().trim());
            if api_key.expose().is_empty() {
                return Err(EngineError::Invalid("the API key is empty".into()));
            }
            let mut credentials = self
                .inner
                .store
                .credentials(Provider::Gemini)?
                .unwrap_or_default();
            credentials.0.insert(key::CREDENTIAL.into(), api_key);
            self.inner
                .store
                .put_credentials(Provider::Gemini, &credentials)?;
        }
        if let Some(t) = update.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(EngineError::Invalid(format!(
                "temperature {t} is outside 0.0 to 2.0"
            )));
        }
        let mut settings = self.gemini_settings()?;
        if let Some(fast) = update.fast {
            settings.fast = Some(fast);
        }
        if let Some(pro) = update.pro {
            settings.pro = Some(pro);
        }
        if let Some(alias) = update.default_alias {
            settings.default_alias = alias;
        }
        if let Some(t) = update.temperature {
            settings.temperature = Some(t);
        }
        let mut record = self.record_or_new(Provider::Gemini)?;
        settings.write_to(&mut record.settings);
        self.inner.store.put_integration(&record)?;
        self.test_gemini().await
    }

    /// The models the key can generate with, live from `models.list`.
    pub async fn gemini_models(&self) -> Result<Vec<Model>, EngineError> {
        let (client, _) = self.gemini_client()?;
        Ok(client.list_models(&CancellationToken::new()).await?)
    }
}

impl From<GeminiError> for EngineError {
    fn from(error: GeminiError) -> Self {
        EngineError::Gemini { error }
    }
}
