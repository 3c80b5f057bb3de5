//! The studio's location names (`site/locations`), so reports say "Legion Fitness North" and
//! not "Location 2". One call brings them all. Kept whenever the hub reads them anyway (the
//! connection test at sign-in and `mindbody test`), and read by the categories sync, with the
//! run's counted client, only when the hub has none for the site or they are a week old: a sync
//! with nothing new still costs one call per type.

use chrono::Utc;

use super::MindbodyClient;
use super::client::Location;
use crate::engine::host::{Core, EngineError};
use crate::secret::Secret;
use crate::store::locations::LocationNames;

/// How old the kept names may be before a sync reads them again.
const REFRESH_EVERY: chrono::Duration = chrono::Duration::days(7);

/// The names as the hub keeps them: one line each, no control characters; a location without
/// a name keeps none (reports fall back to its number).
fn names_of(locations: &[Location]) -> LocationNames {
    LocationNames {
        read_at: Utc::now(),
        names: locations
            .iter()
            .map(|l| (l.id, crate::text::one_line(&l.name)))
            .filter(|(_, name)| !name.trim().is_empty())
            .collect(),
    }
}

impl Core {
    /// Keeps the locations just read as the connected site's.
    pub(crate) fn keep_location_names(&self, locations: &[Location]) -> Result<(), EngineError> {
        let site = self.mindbody_account()?;
        Ok(self
            .inner
            .store
            .put_location_names(&site.to_string(), &names_of(locations))?)
    }

    /// Whether the site's location names are missing or a week old.
    fn location_names_due(&self) -> Result<bool, EngineError> {
        let site = self.mindbody_account()?;
        Ok(self
            .inner
            .store
            .location_names(&site.to_string())?
            .is_none_or(|kept| Utc::now() - kept.read_at >= REFRESH_EVERY))
    }

    /// Reads and keeps the location names when they are due (one call on `client`, which counts
    /// it as the sync's). Says whether it read them.
    pub(crate) async fn refresh_location_names(
        &self,
        client: &MindbodyClient,
        token: &Secret,
    ) -> Result<bool, EngineError> {
        if !self.location_names_due()? {
            return Ok(false);
        }
        let locations = client
            .locations(token)
            .await
            .map_err(|error| EngineError::Mindbody { error })?;
        self.keep_location_names(&locations)?;
        Ok(true)
    }
}
