//! Which further Mindbody sites of a chain the hub serves: one `meta` value (a JSON list of site
//! ids, in the order they were added), read from the hub's facts so the status glance lists the
//! sites from its snapshot too. A leaf: the catalog names it, `sites` keeps it.

use crate::store::StoreError;
use crate::store::snapshot::HubFacts;

/// The further sites' ids, in the order they were added.
pub(crate) const SITES: &str = "mindbody.sites";

/// The further sites of the chain, as the catalog asks for them (the glance too).
pub(crate) fn further_sites(hub: &dyn HubFacts) -> Result<Vec<String>, StoreError> {
    Ok(hub.meta_json::<Vec<String>>(SITES)?.unwrap_or_default())
}
