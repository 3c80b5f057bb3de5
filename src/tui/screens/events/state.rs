//! The events screen's state: a window of the deliveries and the counts above them.

use crate::api::{WebhookRow, WebhookSummary};
use crate::tui::action::Request;
use crate::tui::layout;
use crate::tui::paged::Paged;
use crate::tui::screens::context::Context;

/// The deliveries' window (one list, so no key).
pub type Events = Paged<(), WebhookRow>;

#[derive(Default)]
pub struct EventsScreen {
    pub list: Events,
    pub summary: Option<WebhookSummary>,
}

impl EventsScreen {
    /// Rows of events on screen (below the counts line).
    pub fn rows(cx: &Context) -> usize {
        usize::from(layout::events_area(cx.size).height.saturating_sub(3))
    }

    /// What the screen needs loaded while it is on show.
    pub fn requests(&mut self, cx: &Context, on_show: bool) -> Option<Request> {
        if !on_show || self.list.key.is_none() {
            return None;
        }
        let rows = Self::rows(cx);
        self.list
            .wants_page(rows)
            .then(|| Request::LoadWebhookEvents {
                offset: self.list.top,
                limit: rows.max(1),
            })
    }
}
