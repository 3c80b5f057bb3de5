//! The status glance without the database: the views `legion-hub status` prints (integrations
//! and bank accounts), made from the status snapshot beside the store (see `store::snapshot` for
//! when it is trusted), and what the store's holder gives the snapshot to learn which facts to
//! keep.

use chrono::{Local, Utc};

use crate::config::{Config, Settings};
use crate::store::snapshot::{self, HubFacts, Reads};

use super::IntegrationView;
use crate::api::bank_standing::BankStandingView;
use crate::api::budget::BudgetWarning;
use crate::books::forecast::warnings::kept_warnings;
use crate::books::reconcile::standing::kept_views;

/// Every integration and bank account as the store would show them now, from the snapshot; None
/// when there is no snapshot to trust or it lacks a fact the views need: then the store must be
/// opened.
pub fn from_snapshot(settings: &Settings) -> Option<Glance> {
    let facts = snapshot::read(&settings.paths)?;
    // No owner holds the store (the snapshot is read only then), so a run the snapshot shows
    // "syncing" was left by a process that is gone, as the store's own path would judge it.
    let views = super::assemble::every(&facts, &settings.config, Utc::now()).ok()?;
    let banks = kept_views(&facts, settings.config.books.deposit_overdue_days).ok()?;
    let budget = kept_warnings(&facts, Local::now().date_naive()).ok()?;
    let mirror = crate::mirror::duty::kept_status(&facts, &settings.config.mirror).ok()?;
    facts.complete().then_some(Glance {
        views,
        banks,
        budget,
        mirror,
    })
}

/// What `status` prints.
pub struct Glance {
    pub views: Vec<IntegrationView>,
    pub banks: Vec<BankStandingView>,
    /// This month's classes projected under budget, as last worked out.
    pub budget: Vec<BudgetWarning>,
    /// The Postgres mirror as last kept (None: no mirror).
    pub mirror: Option<crate::api::mirror::MirrorStatus>,
}

/// What the glance reads, for the snapshot's recorder: the same view code, on its facts.
pub(super) fn snapshot_reads(config: Config) -> Reads {
    std::sync::Arc::new(move |facts: &dyn HubFacts| {
        let _ = super::assemble::every(facts, &config, Utc::now());
        let _ = kept_views(facts, config.books.deposit_overdue_days);
        let _ = kept_warnings(facts, Local::now().date_naive());
        let _ = crate::mirror::duty::kept_status(facts, &config.mirror);
    })
}
