//! The books on the dashboard: `3` shows the synced transactions (paged from the store,
//! filtered with `/` as you type), and the category mapping overlay (`m` on the hub) maps revenue
//! categories to financial classes. Today's sales, on the title line, follow the syncs and the
//! webhooks.

use ratatui::crossterm::event::Event as TermEvent;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Category;
use crate::api::{Event, SyncStatus};
use crate::tui::action::{Action, Request};
use crate::tui::app::Screen;
use crate::tui::overlay::{Overlay, Step};
use crate::tui::screens::context::{Context, Outbox};
use crate::tui::screens::events::update::move_in;

use super::TransactionsScreen;

/// The mapping overlay: categories with their class; Enter edits the selected one's class.
#[derive(Debug, Clone, Default)]
pub struct MappingView {
    pub categories: Vec<Category>,
    pub selected: usize,
    /// The class being typed for the selected category.
    pub editing: Option<Input>,
}

impl TransactionsScreen {
    /// The first show opens the whole list; the rows follow from the requests.
    pub fn on_show(&mut self) {
        if self.list.key.is_none() {
            self.list.reset(Some(String::new()));
        }
    }

    /// Takes the screen's actions while it is on show; hands back the rest.
    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        match action {
            Action::OpenFilter => {
                let current = self.list.key.clone().unwrap_or_default();
                out.open(Overlay::Filter(Input::new(current)));
            }
            // Esc clears the filter first, then goes back to the hub.
            Action::Back => {
                if self.list.key.as_deref().is_some_and(|f| !f.is_empty()) {
                    self.list.reset(Some(String::new()));
                } else {
                    out.show(Screen::Hub);
                }
            }
            action => return move_in(&mut self.list, action, Self::rows(cx)),
        }
        None
    }

    /// What is typed in `/` so far: the list is read again for it as you type.
    pub fn filter_typed(&mut self, text: &str) {
        let filter = text.trim().to_string();
        if self.list.key.as_deref() != Some(filter.as_str()) {
            self.list.reset(Some(filter));
        }
    }

    /// Esc in `/`: the whole list again.
    pub fn filter_cleared(&mut self) {
        self.list.reset(Some(String::new()));
    }

    pub fn transactions_loaded(&mut self, page: crate::api::TransactionPage) {
        if self.list.key.as_deref() == Some(page.filter.as_str()) {
            self.names = page.customers;
            self.list.loaded(page.total, page.offset, page.rows);
        }
    }

    pub fn todays_sales_loaded(&mut self, sales: crate::api::TodaysSales) {
        self.todays_sales = Some(sales);
    }

    /// A finished run or a delivery changes today's sales and the transactions on screen.
    pub fn on_event(&mut self, event: &Event) {
        let changed = match event {
            Event::SyncLogChanged(log) => log.status != SyncStatus::Started,
            Event::WebhooksChanged(_) => true,
            _ => false,
        };
        if changed {
            self.reload_today = true;
            self.list.invalidate();
        }
    }
}

impl MappingView {
    /// Move, set a class (Enter, then Enter to save), cancel the class (Esc) or close (Esc,
    /// `q`); None when the action is not the overlay's.
    pub(crate) fn update(&mut self, action: &Action, out: &mut Outbox) -> Option<Step> {
        match *action {
            Action::Move(delta) => {
                if self.editing.is_none() {
                    let last = self.categories.len().saturating_sub(1) as i64;
                    self.selected = (self.selected as i64 + delta).clamp(0, last.max(0)) as usize;
                }
            }
            Action::Submit | Action::Open => self.submit(out),
            Action::Edit(key) => {
                if let Some(input) = &mut self.editing {
                    input.handle_event(&TermEvent::Key(key));
                }
            }
            Action::Back if self.editing.is_some() => self.editing = None,
            Action::Back => return Some(Step::Close),
            _ => return None,
        }
        Some(Step::Stay)
    }

    fn submit(&mut self, out: &mut Outbox) {
        let Some(category) = self.categories.get(self.selected) else {
            return;
        };
        match self.editing.take() {
            None => self.editing = Some(Input::new(category.class.clone().unwrap_or_default())),
            Some(input) => {
                let class = input.value().trim().to_string();
                out.request(Request::MapCategory {
                    id: category.id,
                    class: (!class.is_empty()).then_some(class),
                });
            }
        }
    }

    pub(crate) fn categories_loaded(&mut self, categories: Vec<Category>) {
        self.selected = self.selected.min(categories.len().saturating_sub(1));
        self.categories = categories;
    }
}
