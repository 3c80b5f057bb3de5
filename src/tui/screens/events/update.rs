//! The webhook events screen (`4`): what Mindbody delivered, newest first, with the counts
//! (received, processed, failed, pending, duplicates, rejected) above; `r` processes the failed
//! ones again. It follows the engine's `WebhooksChanged` events, so a sale shows here, in the
//! transactions and in today's sales within a moment of its delivery.

use crate::api::Event;
use crate::api::{WebhookRow, WebhookSummary};
use crate::tui::action::{Action, Request};
use crate::tui::app::Screen;
use crate::tui::overlay::{Overlay, Popup};
use crate::tui::paged::Paged;
use crate::tui::screens::context::{Context, Outbox};

use super::EventsScreen;

impl EventsScreen {
    /// The first show loads the counts; the rows follow from [`EventsScreen::requests`].
    pub fn on_show(&mut self, out: &mut Outbox) {
        if self.list.key.is_none() {
            self.list.reset(Some(()));
            out.request(Request::LoadWebhookSummary);
        }
    }

    /// Takes the screen's actions while it is on show; hands back the rest.
    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        match action {
            Action::RetryWebhooks => out.request(Request::RetryWebhooks),
            Action::Open => {
                if let Some(row) = self.list.row(self.list.selected) {
                    out.open(Overlay::Popup(Popup {
                        title: format!(" {} {} ", row.kind, row.event_type),
                        body: describe(row),
                        scroll: 0,
                    }));
                }
            }
            Action::Back => out.show(Screen::Hub),
            action => return move_in(&mut self.list, action, Self::rows(cx)),
        }
        None
    }

    pub fn events_loaded(&mut self, page: crate::api::WebhookEventPage) {
        self.list.loaded(page.total, page.offset, page.rows)
    }

    pub fn summary_loaded(&mut self, summary: WebhookSummary) {
        self.summary = Some(summary);
    }

    /// A delivery changes the counts and the list.
    pub fn on_event(&mut self, event: &Event) {
        if let Event::WebhooksChanged(summary) = event {
            self.summary = Some(summary.clone());
            self.list.invalidate();
        }
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
