//! A chain of studios: the further Mindbody sites one hub serves beside its first.
//!
//! The sites of a chain share the developer account (API key, OAuth client and secret, kept on
//! the first site's record) and each has its own sign-in, tokens, sync cursors, API call
//! counters, sync history and row on screen (`mindbody@5567`, see `IntegrationId`). Which
//! further sites there are is kept by `site_list`.

use chrono::Utc;

use crate::api::event::Event;
use crate::api::view::IntegrationView;
use crate::books::AccountKey;
use crate::domain::{IntegrationId, NextStep, Provider, Status};
use crate::engine::host::{Core, EngineError};
use crate::engine::jobs::Slot;
use crate::store::IntegrationRecord;

use super::site_list::{SITES, further_sites};

impl Core {
    /// The further sites of the chain this hub serves.
    pub fn mindbody_sites(&self) -> Result<Vec<String>, EngineError> {
        Ok(further_sites(&self.inner.store)?)
    }

    /// A handle for each site the hub serves: the first, then the further ones.
    pub(crate) fn every_mindbody_site(&self) -> Vec<Core> {
        let further = self.mindbody_sites().unwrap_or_else(|e| {
            tracing::warn!("reading the chain's Mindbody sites: {e}");
            Vec::new()
        });
        std::iter::once(self.at_site(None))
            .chain(further.iter().map(|site| self.at_site(Some(site))))
            .collect()
    }

    /// Which of the hub's sites a person named (`--site 5567`): None for the first site (its
    /// id), the id for a further one, else what to do.
    pub fn resolve_mindbody_site(&self, site: &str) -> Result<Option<String>, EngineError> {
        let site = site.trim();
        if self.at_site(None).mindbody_settings()?.site_id.as_deref() == Some(site) {
            return Ok(None);
        }
        if self.mindbody_sites()?.iter().any(|s| s == site) {
            return Ok(Some(site.to_string()));
        }
        Err(EngineError::NotReady {
            what: format!("site {site} is not one of this hub's Mindbody sites"),
            step: NextStep::AddMindbodySite,
        })
    }

    /// Adds a further site of the chain: it signs in with the first site's developer account
    /// (so that must be set up first) and starts disconnected. Adding a site already served
    /// changes nothing.
    pub async fn add_mindbody_site(&self, site: &str) -> Result<IntegrationView, EngineError> {
        let site = site.trim();
        if site.parse::<i64>().is_err() {
            return Err(EngineError::Invalid(format!(
                "the site id `{site}` is not a number (it is the number in the studio's Mindbody address, e.g. 5567)"
            )));
        }
        AccountKey::new(Provider::Mindbody, site)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        let first = self.at_site(None).mindbody_settings()?;
        let has_key = self.mindbody_secret(super::API_KEY)?.is_some();
        let Some(first_site) = first
            .site_id
            .filter(|_| first.client_id.is_some() && has_key)
        else {
            return Err(EngineError::NotReady {
                what: "the chain's sites sign in with the first site's Mindbody settings, and there are none yet".into(),
                step: NextStep::ConfigureMindbody,
            });
        };
        if first_site == site {
            return Err(EngineError::Invalid(format!(
                "site {site} is already this hub's first Mindbody site"
            )));
        }
        let id = IntegrationId::site(Provider::Mindbody, site);
        let store = &self.inner.store;
        let record = match store.integration(&id)? {
            Some(record) => record,
            None => {
                let mut record = IntegrationRecord::new(&id, Status::Disconnected, Utc::now());
                // Shown with the site's settings; the rest are the first site's.
                record
                    .settings
                    .insert(super::settings::SITE_ID.into(), site.to_string());
                store.put_integration(&record)?;
                record
            }
        };
        // The record first: a crash before the list names it leaves a record nobody shows,
        // which adding the site again takes up.
        let mut sites = self.mindbody_sites()?;
        if !sites.iter().any(|s| s == site) {
            sites.push(site.to_string());
            store.put_meta_json(SITES, &sites)?;
        }
        let view = self.view(&id, Some(&record))?;
        self.emit(Event::IntegrationChanged(view.clone()));
        Ok(view)
    }

    /// Takes a further site off the hub: its sign-in is revoked and forgotten, and it leaves
    /// the list and the screens. Its sync history and its records in the books stay. False
    /// when it was not one of the hub's sites.
    pub async fn remove_mindbody_site(&self, site: &str) -> Result<bool, EngineError> {
        let site = site.trim();
        let mut sites = self.mindbody_sites()?;
        let Some(at) = sites.iter().position(|s| s == site) else {
            return Ok(false);
        };
        let handle = self.at_site(Some(site));
        if self.inner.store.tokens(handle.mindbody_id())?.is_some() {
            handle.disconnect_mindbody().await?;
        }
        sites.remove(at);
        self.inner.store.put_meta_json(SITES, &sites)?;
        self.inner.store.delete_integration(&handle.mindbody_id())?;
        Ok(true)
    }

    /// This handle's own slot of a Mindbody job kind (each site syncs on its own).
    pub(crate) fn site_slot(&self, slot: Slot) -> Slot {
        match &self.site {
            None => slot,
            // FNV-1a of the site id: a stable number other than the first site's 0.
            Some(site) => slot.keyed(
                site.bytes()
                    .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                    })
                    .max(1),
            ),
        }
    }
}
