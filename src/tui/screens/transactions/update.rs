//! The books on the dashboard: `s` syncs the selected integration, `3` shows the synced
//! transactions (paged from the store, filtered with `/` as you type), `m` maps revenue categories to
//! financial classes, and the title line shows today's sales.

use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Category;
use crate::api::Provider;
use crate::tui::action::{Action, Request};
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::layout;

/// The mapping overlay: categories with their class; Enter edits the selected one's class.
#[derive(Debug, Clone, Default)]
pub struct MappingView {
    pub categories: Vec<Category>,
    pub selected: usize,
    /// The class being typed for the selected category.
    pub editing: Option<Input>,
}

impl App {
    pub(crate) fn books_update(&mut self, action: Action) -> Option<Action> {
        let on_transactions = self.screen == Screen::Transactions;
        match action {
            Action::SyncSelected => match self.selected_view().map(|v| v.provider) {
                Some(Provider::Mindbody) => self.queue.push(Request::SyncMindbody),
                Some(other) => self.notify(format!("{other} has nothing to sync."), false),
                None => {}
            },
            Action::ShowScreen(Screen::Transactions) => {
                self.screen = Screen::Transactions;
                if self.transactions.key.is_none() {
                    self.transactions.reset(Some(String::new()));
                }
            }
            Action::TransactionsLoaded(page) => {
                if self.transactions.key.as_deref() == Some(page.filter.as_str()) {
                    self.transaction_names = page.customers;
                    self.transactions.loaded(page.total, page.offset, page.rows);
                }
            }
            Action::TodaysSalesLoaded(sales) => self.todays_sales = Some(sales),
            Action::OpenMapping => match self.selected_view().map(|v| v.provider) {
                Some(Provider::Mindbody) => {
                    self.overlay = Overlay::Mapping(Box::default());
                    self.queue.push(Request::LoadCategories);
                }
                Some(other) => self.notify(format!("{other} has no categories to map."), false),
                None => {}
            },
            Action::CategoriesLoaded(categories) => {
                if let Overlay::Mapping(view) = &mut self.overlay {
                    view.selected = view.selected.min(categories.len().saturating_sub(1));
                    view.categories = categories;
                }
            }
            // The mapping overlay takes its own keys.
            Action::Move(delta) if matches!(self.overlay, Overlay::Mapping(_)) => {
                if let Overlay::Mapping(view) = &mut self.overlay
                    && view.editing.is_none()
                {
                    let last = view.categories.len().saturating_sub(1) as i64;
                    view.selected = (view.selected as i64 + delta).clamp(0, last.max(0)) as usize;
                }
            }
            Action::Submit | Action::Open if matches!(self.overlay, Overlay::Mapping(_)) => {
                self.submit_mapping()
            }
            Action::Edit(key) if matches!(self.overlay, Overlay::Mapping(_)) => {
                if let Overlay::Mapping(view) = &mut self.overlay
                    && let Some(input) = &mut view.editing
                {
                    input.handle_event(&ratatui::crossterm::event::Event::Key(key));
                }
            }
            Action::Back if matches!(&self.overlay, Overlay::Mapping(v) if v.editing.is_some()) => {
                if let Overlay::Mapping(view) = &mut self.overlay {
                    view.editing = None;
                }
            }
            // The transactions screen: its own filter, applied as you type (as the hub's is;
            // Enter keeps it, Esc clears it), and movement.
            Action::Edit(key) if on_transactions && matches!(self.overlay, Overlay::Filter(_)) => {
                if let Overlay::Filter(input) = &mut self.overlay {
                    input.handle_event(&ratatui::crossterm::event::Event::Key(key));
                    let filter = input.value().trim().to_string();
                    if self.transactions.key.as_deref() != Some(filter.as_str()) {
                        self.transactions.reset(Some(filter));
                    }
                }
            }
            Action::Submit if on_transactions && matches!(self.overlay, Overlay::Filter(_)) => {
                self.overlay = Overlay::None;
            }
            Action::Back if on_transactions && matches!(self.overlay, Overlay::Filter(_)) => {
                self.overlay = Overlay::None;
                self.transactions.reset(Some(String::new()));
            }
            Action::Back if on_transactions && matches!(self.overlay, Overlay::None) => {
                if self
                    .transactions
                    .key
                    .as_deref()
                    .is_some_and(|f| !f.is_empty())
                {
                    self.transactions.reset(Some(String::new()));
                } else {
                    self.screen = Screen::Hub;
                }
            }
            Action::OpenFilter if on_transactions => {
                let current = self.transactions.key.clone().unwrap_or_default();
                self.overlay = Overlay::Filter(Input::new(current));
            }
            action if on_transactions && matches!(self.overlay, Overlay::None) => {
                let rows = self.transaction_rows();
                return crate::tui::screens::events::update::move_in(
                    &mut self.transactions,
                    action,
                    rows,
                );
            }
            other => return Some(other),
        }
        None
    }

    fn submit_mapping(&mut self) {
        let Overlay::Mapping(view) = &mut self.overlay else {
            return;
        };
        let Some(category) = view.categories.get(view.selected) else {
            return;
        };
        match view.editing.take() {
            None => view.editing = Some(Input::new(category.class.clone().unwrap_or_default())),
            Some(input) => {
                let class = input.value().trim().to_string();
                self.queue.push(Request::MapCategory {
                    id: category.id,
                    class: (!class.is_empty()).then_some(class),
                });
            }
        }
    }

    /// Rows of transactions on screen.
    pub fn transaction_rows(&self) -> usize {
        usize::from(
            layout::transactions_area(self.size)
                .height
                .saturating_sub(3),
        )
    }

    /// What the transactions screen needs loaded.
    pub(crate) fn transactions_request(&mut self) -> Option<Request> {
        if self.screen != Screen::Transactions {
            return None;
        }
        let filter = self.transactions.key.clone()?;
        let rows = self.transaction_rows();
        self.transactions
            .wants_page(rows)
            .then(|| Request::LoadTransactions {
                filter,
                offset: self.transactions.top,
                limit: rows.max(1),
            })
    }
}
