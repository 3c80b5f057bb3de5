//! The receiver's ceiling: this process's receiver verifies each delivery and answers it without
//! storing anything, so the webhooks bench can measure the real receiver against the machine's
//! limit (issue 18). `serve` turns it on only when `LEGION_HUB_RECEIVER_CEILING=verify-only`
//! (see `server::webhooks`). It breaks the promise to Mindbody (a 2xx means stored), so `serve`
//! says so at start and, while it runs, every view of Mindbody it gives (the hub, `legion-hub
//! status`) needs attention and says why.

use std::sync::atomic::Ordering;

use crate::api::view::IntegrationView;
use crate::domain::Provider;
use crate::engine::host::Core;

impl Core {
    /// From now on this process's receiver stores nothing (the bench's ceiling).
    pub fn receive_without_storing(&self) {
        self.mindbody()
            .receiver_verify_only
            .store(true, Ordering::Relaxed);
    }

    /// Whether this process's receiver is the bench's ceiling, storing nothing.
    pub fn receives_without_storing(&self) -> bool {
        self.mindbody().receiver_verify_only.load(Ordering::Relaxed)
    }
}

/// What Mindbody's view says while this process's receiver stores nothing.
pub(crate) fn note_ceiling(view: &mut IntegrationView) {
    if view.provider != Provider::Mindbody {
        return;
    }
    view.attention = Some(
        "the webhook receiver stores nothing (LEGION_HUB_RECEIVER_CEILING=verify-only)".into(),
    );
    view.warnings.push(
        "webhook deliveries are verified and answered 200 but NOT STORED: the sales Mindbody sends now never reach the books. This is a bench's ceiling; unset LEGION_HUB_RECEIVER_CEILING and restart legion-hub serve."
            .into(),
    );
}
