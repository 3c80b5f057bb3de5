//! The webhook events screen (`4`): what Mindbody delivered, newest first, with the counts
//! (received, processed, failed, pending, duplicates, rejected) above; `r` processes the failed
//! ones again. It follows the engine's `WebhooksChanged` events, so a sale shows here, in the
//! transactions and in today's sales within a moment of its delivery.

use crate::api::WebhookRow;
use crate::tui::action::{Action, Request};
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::layout;
use crate::tui::paged::Paged;

/// The events screen's window (one list, so no key).
pub type Events = Paged<(), WebhookRow>;

impl App {
    pub(crate) fn events_update(&mut self, action: Action) -> Option<Action> {
        let here = self.screen == Screen::Events && matches!(self.overlay, Overlay::None);
        match action {
            Action::ShowScreen(Screen::Events) => {
                self.screen = Screen::Events;
                if self.events.key.is_none() {
                    self.events.reset(Some(()));
                    self.queue.push(Request::LoadWebhookSummary);
                }
            }
            Action::WebhookEventsLoaded(page) => {
                self.events.loaded(page.total, page.offset, page.rows)
            }
            Action::WebhookSummaryLoaded(summary) => self.webhook_summary = Some(summary),
            Action::RetryWebhooks if here => self.queue.push(Request::RetryWebhooks),
            Action::Open if here => {
                if let Some(row) = self.events.row(self.events.selected) {
                    self.overlay = Overlay::Popup(crate::tui::app::Popup {
                        title: format!(" {} {} ", row.kind, row.event_type),
                        body: describe(row),
                        scroll: 0,
                    });
                }
            }
            Action::Back if here => self.screen = Screen::Hub,
            action if here => {
                let rows = self.event_rows();
                return move_in(&mut self.events, action, rows);
            }
            other => return Some(other),
        }
        None
    }

    /// Rows of events on screen (below the counts line).
    pub fn event_rows(&self) -> usize {
        usize::from(layout::events_area(self.size).height.saturating_sub(3))
    }

    /// What the events screen needs loaded.
    pub(crate) fn events_request(&mut self) -> Option<Request> {
        if self.screen != Screen::Events || self.events.key.is_none() {
            return None;
        }
        let rows = self.event_rows();
        self.events
            .wants_page(rows)
            .then(|| Request::LoadWebhookEvents {
                offset: self.events.top,
                limit: rows.max(1),
            })
    }
}

/// The whole of one row, for its popup.
fn describe(row: &WebhookRow) -> String {
    let mut lines = vec![
        format!(
            "When        {}",
            row.at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
        ),
        format!("Arrival     {} (#{})", row.kind, row.seq),
    ];
    if !row.event_type.is_empty() {
        lines.push(format!("Event       {}", row.event_type));
        lines.push(format!("Message id  {}", row.message_id));
    }
    if let Some(state) = row.state {
        lines.push(format!("State       {}", state.label()));
    }
    lines.push(String::new());
    lines.push(crate::text::escape_controls(&row.detail));
    lines.join("\n")
}

/// Moves in a paged list the way every list screen does (keys, pages, ends, the wheel); the
/// action back when it is not a movement.
pub(crate) fn move_in<K, T>(list: &mut Paged<K, T>, action: Action, rows: usize) -> Option<Action> {
    match action {
        Action::Move(delta) | Action::Scroll { delta, .. } => list.move_by(delta, rows),
        Action::Page(pages) => list.move_by(pages * rows as i64, rows),
        Action::Top => list.move_by(i64::MIN / 2, rows),
        Action::Bottom => list.move_by(i64::MAX / 2, rows),
        other => return Some(other),
    }
    None
}
