//! Mindbody's share of the engine's state: what the host keeps for it between calls (the engine
//! adds it at open; the room finds it with [`Core::mindbody`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::connect::ConnectJob;
use super::webhooks::ceiling::note_ceiling;
use super::webhooks::receiving::{INBOX_CAPACITY, Receiving};
use super::webhooks::rejected::Rejections;
use crate::api::view::IntegrationView;
use crate::engine::host::Core;
use crate::engine::states::RoomState;
use crate::secret::Secret;
use crate::store::{Store, StoreError};

pub(crate) struct MindbodyState {
    /// The sign-ins under way, by integration key (`mindbody`, `mindbody@5567`): one per site.
    pub(crate) connect_jobs: Mutex<BTreeMap<String, ConnectJob>>,
    /// One token refresh at a time.
    pub(crate) refresh: tokio::sync::Mutex<()>,
    /// The webhook inbox, processor and notifier, started on first use.
    pub(crate) receiving: OnceLock<Receiving>,
    pub(crate) webhook_inbox_capacity: usize,
    /// Rejected webhook attempts: counters, the ring and the per-peer limit, loaded on first use.
    pub(crate) rejections: Mutex<Option<Arc<Rejections>>>,
    /// The subscription's signing key, unsealed once (outer None: not read yet).
    pub(crate) webhook_key: Mutex<Option<Option<Secret>>>,
    /// Where this process receives webhooks, if it does.
    pub(crate) webhook_address: Mutex<Option<String>>,
    /// This process's receiver is the bench's ceiling: verified, answered, NOT stored
    /// (see `webhooks::ceiling`).
    pub(crate) receiver_verify_only: AtomicBool,
}

impl MindbodyState {
    /// `inbox_capacity`: how many verified deliveries may wait to be stored (tests make it small).
    pub(crate) fn new(inbox_capacity: Option<usize>) -> MindbodyState {
        MindbodyState {
            connect_jobs: Mutex::new(BTreeMap::new()),
            refresh: tokio::sync::Mutex::new(()),
            receiving: OnceLock::new(),
            webhook_inbox_capacity: inbox_capacity.unwrap_or(INBOX_CAPACITY).max(1),
            rejections: Mutex::new(None),
            webhook_key: Mutex::new(None),
            webhook_address: Mutex::new(None),
            receiver_verify_only: AtomicBool::new(false),
        }
    }
}

impl RoomState for MindbodyState {
    /// Rejected webhook attempts are saved once a second; a flush saves them now.
    fn flush(&self, store: &Store) -> Result<(), StoreError> {
        let rejections = self
            .rejections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match rejections {
            Some(rejections) => rejections.save_now(store),
            None => Ok(()),
        }
    }

    /// A receiver that stores nothing is said on Mindbody's view as long as it runs.
    fn live_notes(&self, view: &mut IntegrationView) {
        if self.receiver_verify_only.load(Ordering::Relaxed) {
            note_ceiling(view);
        }
    }
}

impl Core {
    /// Mindbody's share of the state.
    pub(crate) fn mindbody(&self) -> &MindbodyState {
        self.state::<MindbodyState>()
    }
}
