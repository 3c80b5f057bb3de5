//! The dashboard's state and the one function that changes it. Keys, mouse and engine events
//! arrive as [`Action`]s; [`App::update`] folds them in; [`App::requests`] says what to fetch
//! from the engine next; drawing (in `views`) only reads the state.

use chrono::{DateTime, FixedOffset};
use ratatui::crossterm::event::Event as TermEvent;
use ratatui::layout::Rect;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::action::{Action, PagedList, Request};
use super::chat::Chat;
use super::layout;
use super::palette::{self, PaletteCommand};
use super::theme::Theme;
use crate::api::Provider;
use crate::api::{Event, IntegrationView};
use crate::api::{SyncLog, SyncLogPage};
use crate::present;

/// The two screens: the integrations hub and the Gemini chat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Screen {
    #[default]
    Hub,
    Chat,
    /// The synced transactions, newest first.
    Transactions,
    /// Webhook deliveries, newest first.
    Events,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Integrations,
    Detail,
    History,
}

impl Pane {
    fn next(self) -> Pane {
        match self {
            Pane::Integrations => Pane::Detail,
            Pane::Detail => Pane::History,
            Pane::History => Pane::Integrations,
        }
    }

    fn prev(self) -> Pane {
        self.next().next()
    }
}

/// What sits on top of the panes, taking the keys.
#[derive(Debug, Clone, Default)]
pub enum Overlay {
    #[default]
    None,
    /// `/`: typing a filter for the integrations table (applied as you type).
    Filter(Input),
    /// `:`: a command line with suggestions.
    Palette(Input),
    /// The keys, scrolled this many lines (for small terminals).
    Help(u16),
    /// A read-only text: `:status`, or the details of a sync run.
    Popup(Popup),
    /// `c`: the selected integration's settings.
    Form(Box<super::form::Form>),
    /// `o`: a sign-in under way.
    Connect(Box<super::screens::hub::ConnectView>),
    /// `m`: revenue categories and the financial classes they map to.
    Mapping(Box<super::screens::transactions::MappingView>),
    /// `x` and other keys that cannot be undone: the question first.
    Confirm(Box<super::confirm::Confirm>),
    /// The demo's first screen: the three things to try. It takes no keys of its own: the
    /// first key closes it and does what it always does.
    Welcome,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Popup {
    pub title: String,
    pub body: String,
    pub scroll: u16,
}

/// The sync-history pane: the selected integration's runs, newest first.
pub type History = super::paged::Paged<Provider, SyncLog>;

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

pub struct App {
    pub integrations: Vec<IntegrationView>,
    /// The applied filter (while typing, the overlay's text).
    pub filter: String,
    /// Index into the filtered list.
    pub selected: usize,
    pub focus: Pane,
    pub overlay: Overlay,
    pub history: History,
    pub detail_scroll: u16,
    pub size: Rect,
    /// The current time in the viewer's zone, set before each frame.
    pub now: DateTime<FixedOffset>,
    pub theme: Theme,
    /// Shown at the right of the title line (e.g. "demo · /tmp/legion-hub-demo-x1").
    pub badge: Option<String>,
    pub notice: Option<Notice>,
    pub should_quit: bool,
    pub screen: Screen,
    pub chat: Chat,
    /// The transactions screen's window; its key is the filter in force.
    pub transactions: super::paged::Paged<String, crate::api::Transaction>,
    pub todays_sales: Option<crate::api::TodaysSales>,
    /// Names of the customers of the transactions on screen.
    pub transaction_names: std::collections::BTreeMap<String, String>,
    /// The events screen's window, and the counts above it.
    pub events: super::screens::events::Events,
    pub webhook_summary: Option<crate::api::WebhookSummary>,
    pub(super) reload_today: bool,
    reload_integrations: bool,
    /// Requests made by actions, sent with the next [`App::requests`].
    pub(super) queue: Vec<Request>,
    /// Text to put on the clipboard after the next frame.
    pub(super) clipboard: Option<String>,
}

impl App {
    pub fn new(theme: Theme, size: Rect, now: DateTime<FixedOffset>) -> App {
        App {
            integrations: Vec::new(),
            filter: String::new(),
            selected: 0,
            focus: Pane::Integrations,
            overlay: Overlay::None,
            history: History::default(),
            detail_scroll: 0,
            size,
            now,
            theme,
            badge: None,
            notice: None,
            should_quit: false,
            screen: Screen::Hub,
            chat: Chat::new(crate::api::Alias::Fast),
            transactions: Default::default(),
            todays_sales: None,
            transaction_names: Default::default(),
            events: Default::default(),
            webhook_summary: None,
            reload_today: true,
            reload_integrations: true,
            queue: Vec::new(),
            clipboard: None,
        }
    }

    /// Text the last action asked to copy; the loop sends it to the terminal (OSC 52).
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    /// Whether something on screen counts down, so the loop must wake each second.
    pub fn needs_tick(&self) -> bool {
        let now = self.now.to_utc();
        match self.screen {
            Screen::Hub => self
                .selected_view()
                .and_then(|v| v.retry_at)
                .is_some_and(|at| at > now),
            Screen::Chat => self.chat.counting_down(now),
            _ => false,
        }
    }

    /// A line in the status bar (an error and its hint are joined onto one line).
    pub(super) fn notify(&mut self, text: impl Into<String>, is_error: bool) {
        self.notice = Some(Notice {
            text: crate::text::one_line(&text.into()),
            is_error,
        });
    }

    /// The integrations the filter lets through, in catalog order.
    pub fn visible(&self) -> Vec<&IntegrationView> {
        let needle = self.filter_text().to_lowercase();
        self.integrations
            .iter()
            .filter(|v| {
                needle.is_empty()
                    || v.name.to_lowercase().contains(&needle)
                    || present::status_words(v).contains(&needle)
                    || v.error_message
                        .as_deref()
                        .is_some_and(|e| e.to_lowercase().contains(&needle))
            })
            .collect()
    }

    /// The filter in force: what is being typed, or what was applied.
    pub fn filter_text(&self) -> &str {
        match &self.overlay {
            Overlay::Filter(input) if self.screen == Screen::Hub => input.value(),
            _ => &self.filter,
        }
    }

    pub fn selected_view(&self) -> Option<&IntegrationView> {
        self.visible().get(self.selected).copied()
    }

    pub fn history_rows(&self) -> usize {
        layout::history_rows(self.size, self.detail_lines())
    }

    /// Where the hub's panes are now.
    pub fn areas(&self) -> layout::Areas {
        self.areas_with_focus(self.focus)
    }

    /// Where the hub's panes would be with `focus` on a pane (a narrow terminal shows the
    /// detail or the history).
    pub fn areas_with_focus(&self, focus: Pane) -> layout::Areas {
        layout::areas(self.size, focus, self.detail_lines())
    }

    fn detail_lines(&self) -> u16 {
        super::screens::hub::detail::wanted_lines(self, self.size)
    }

    /// What to fetch from the engine so the screen can be drawn.
    pub fn requests(&mut self) -> Vec<Request> {
        let mut out = std::mem::take(&mut self.queue);
        if std::mem::take(&mut self.reload_today) {
            out.push(Request::LoadTodaysSales);
        }
        out.extend(self.transactions_request());
        out.extend(self.events_request());
        if std::mem::take(&mut self.reload_integrations) {
            out.push(Request::LoadIntegrations);
        }
        let rows = self.history_rows();
        if let Some(provider) = self.history.key
            && self.history.wants_page(rows)
        {
            out.push(Request::LoadHistory {
                provider,
                offset: self.history.top,
                limit: rows.max(1),
            });
        }
        out
    }

    pub fn update(&mut self, action: Action) {
        if is_from_user(&action) {
            self.notice = None;
            if matches!(self.overlay, Overlay::Welcome) {
                self.overlay = Overlay::None;
            }
        }
        // An open question takes its answer before anything else.
        let Some(action) = self.confirm_update(action) else {
            self.after_update();
            return;
        };
        // Chat and Gemini take their own actions first; the rest is common to both screens.
        let Some(action) = self.chat_update(action) else {
            self.after_update();
            return;
        };
        let Some(action) = self.hub_update(action) else {
            self.after_update();
            return;
        };
        let Some(action) = self.books_update(action) else {
            self.after_update();
            return;
        };
        let Some(action) = self.events_update(action) else {
            self.after_update();
            return;
        };
        match action {
            Action::Quit => self.should_quit = true,
            Action::ToggleHelp => {
                self.overlay = match self.overlay {
                    Overlay::Help(_) => Overlay::None,
                    _ => Overlay::Help(0),
                }
            }
            Action::Back => self.back(),
            Action::OpenFilter => {
                self.overlay = Overlay::Filter(Input::new(self.filter.clone()));
            }
            Action::OpenPalette => self.overlay = Overlay::Palette(Input::default()),
            Action::Edit(key) => self.edit(key),
            Action::Submit => self.submit(),
            Action::Complete => {
                if let Overlay::Palette(input) = &mut self.overlay
                    && let Some(first) = palette::suggestions(input.value()).first()
                {
                    *input = Input::new(first.name.to_string());
                }
            }
            Action::Move(delta) => self.move_in(self.focus, delta),
            Action::Page(pages) => {
                let rows = self.page_rows() as i64;
                self.move_in(self.focus, pages * rows.max(1));
            }
            Action::Top => self.move_in(self.focus, i64::MIN / 2),
            Action::Bottom => self.move_in(self.focus, i64::MAX / 2),
            Action::NextPane => self.focus = self.focus.next(),
            Action::PrevPane => self.focus = self.focus.prev(),
            Action::Open => self.open(),
            Action::Click { column, row } => self.click(column, row),
            Action::Scroll { column, row, delta } => self.scroll_at(column, row, delta),
            Action::Resize { width, height } => {
                self.size = Rect::new(0, 0, width, height);
                let rows = self.history_rows();
                self.history.scroll_to_selected(rows);
            }
            Action::Engine(event) => self.engine_event(*event),
            Action::Reload => {
                self.reload_integrations = true;
                self.history.invalidate();
            }
            Action::IntegrationsLoaded(views) => {
                let keep = self.selected_view().map(|v| v.provider);
                self.integrations = views;
                self.reselect(keep);
            }
            Action::HistoryLoaded(page) => self.history_loaded(page),
            Action::RequestFailed(message) => self.notify(message, true),
            Action::PageFailed(list, message) => {
                match list {
                    PagedList::History => self.history.failed(),
                    PagedList::Transactions => self.transactions.failed(),
                    PagedList::WebhookEvents => self.events.failed(),
                }
                self.notify(message, true);
            }
            Action::Notice(message) => self.notify(message, false),
            // Handled by chat_update / gemini_update above.
            _ => {}
        }
        self.after_update();
    }

    fn after_update(&mut self) {
        self.follow_selection();
        self.fit_chat_to_screen();
    }

    fn back(&mut self) {
        match std::mem::take(&mut self.overlay) {
            Overlay::Filter(_) => {
                self.filter.clear();
                self.reselect(None);
            }
            Overlay::None if self.focus != Pane::Integrations => self.focus = Pane::Integrations,
            Overlay::None if !self.filter.is_empty() => {
                let keep = self.selected_view().map(|v| v.provider);
                self.filter.clear();
                self.reselect(keep);
            }
            _ => {}
        }
    }

    fn edit(&mut self, key: ratatui::crossterm::event::KeyEvent) {
        let keep = self.selected_view().map(|v| v.provider);
        match &mut self.overlay {
            Overlay::Filter(input) | Overlay::Palette(input) => {
                input.handle_event(&TermEvent::Key(key));
            }
            _ => return,
        }
        if matches!(self.overlay, Overlay::Filter(_)) {
            self.reselect(keep);
        }
    }

    fn submit(&mut self) {
        match std::mem::take(&mut self.overlay) {
            Overlay::Filter(input) => self.filter = input.value().trim().to_string(),
            Overlay::Palette(input) => self.run_command(input.value()),
            other => self.overlay = other,
        }
    }

    fn run_command(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let Some(command) = palette::find(word) else {
            self.notice = Some(Notice {
                text: format!("Unknown command :{word}. Type : and Tab to see the commands."),
                is_error: true,
            });
            return;
        };
        match command {
            PaletteCommand::Quit => self.should_quit = true,
            PaletteCommand::Help => self.overlay = Overlay::Help(0),
            PaletteCommand::Status => {
                self.overlay = Overlay::Popup(Popup {
                    title: "Status".into(),
                    body: present::status_table(
                        &self.integrations,
                        self.now.to_utc(),
                        crate::api::FrontEnd::Dashboard,
                    ),
                    scroll: 0,
                })
            }
            PaletteCommand::Filter => {
                let keep = self.selected_view().map(|v| v.provider);
                self.filter = rest.trim().to_string();
                self.reselect(keep);
            }
            PaletteCommand::History => {
                self.screen = Screen::Hub;
                self.focus = Pane::History;
            }
            PaletteCommand::Chat => self.update(Action::ShowScreen(Screen::Chat)),
            PaletteCommand::Hub => self.screen = Screen::Hub,
        }
    }

    fn open(&mut self) {
        match self.focus {
            Pane::Integrations => self.focus = Pane::Detail,
            Pane::Detail => self.focus = Pane::History,
            Pane::History => {
                if let Some(run) = self.history.row(self.history.selected) {
                    self.overlay = Overlay::Popup(Popup {
                        title: format!("{} {} sync #{}", run.provider, run.sync_type, run.seq),
                        body: super::screens::hub::history::run_details(run, self.now),
                        scroll: 0,
                    });
                }
            }
        }
    }

    fn page_rows(&self) -> usize {
        match self.focus {
            Pane::History => self.history_rows(),
            _ => 5,
        }
    }

    fn move_in(&mut self, pane: Pane, delta: i64) {
        if let Overlay::Help(scroll) = &mut self.overlay {
            let most = super::keymap::help().len() as i64;
            *scroll = (*scroll as i64 + delta).clamp(0, most) as u16;
            return;
        }
        if let Overlay::Popup(popup) = &mut self.overlay {
            let lines = popup.body.lines().count() as i64;
            popup.scroll = (popup.scroll as i64 + delta).clamp(0, lines.max(0)) as u16;
            return;
        }
        match pane {
            Pane::Integrations => {
                let last = self.visible().len().saturating_sub(1) as i64;
                self.selected =
                    (self.selected as i64).saturating_add(delta).clamp(0, last) as usize;
            }
            Pane::Detail => {
                let max = super::screens::hub::detail::max_scroll(self) as i64;
                self.detail_scroll = (self.detail_scroll as i64)
                    .saturating_add(delta)
                    .clamp(0, max) as u16;
            }
            Pane::History => {
                let rows = self.history_rows();
                self.history.move_by(delta, rows);
            }
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        let areas = self.areas();
        if layout::contains(areas.table, column, row) {
            self.focus = Pane::Integrations;
            if let Some(i) = layout::table_row_at(areas.table, column, row)
                && i < self.visible().len()
            {
                self.selected = i;
            }
        } else if let Some(history) = areas.history.filter(|a| layout::contains(*a, column, row)) {
            self.focus = Pane::History;
            if let Some(i) = layout::table_row_at(history, column, row) {
                let target = self.history.top + i as u64;
                if target < self.history.total {
                    self.history.selected = target;
                }
            }
        } else if areas
            .detail
            .is_some_and(|a| layout::contains(a, column, row))
        {
            self.focus = Pane::Detail;
        }
    }

    fn scroll_at(&mut self, column: u16, row: u16, delta: i64) {
        if !matches!(self.overlay, Overlay::None | Overlay::Popup(_)) {
            return;
        }
        let areas = self.areas();
        let pane = if layout::contains(areas.table, column, row) {
            Pane::Integrations
        } else if areas
            .history
            .is_some_and(|a| layout::contains(a, column, row))
        {
            Pane::History
        } else {
            Pane::Detail
        };
        self.move_in(pane, delta);
    }

    fn engine_event(&mut self, event: Event) {
        // A finished run changes today's sales and the transactions on screen.
        if let Event::SyncLogChanged(log) = &event
            && log.status != crate::api::SyncStatus::Started
        {
            self.reload_today = true;
            self.transactions.invalidate();
        }
        match event {
            Event::IntegrationChanged(view) => {
                let keep = self.selected_view().map(|v| v.provider);
                match self
                    .integrations
                    .iter_mut()
                    .find(|v| v.provider == view.provider)
                {
                    Some(slot) => *slot = view,
                    None => self.integrations.push(view),
                }
                self.reselect(keep);
            }
            Event::SyncLogChanged(log) if Some(log.provider) == self.history.key => {
                let history = &mut self.history;
                if log.seq > history.total {
                    // New runs arrive at the top; keep the reader's place if they scrolled away.
                    let added = log.seq - history.total;
                    history.total = log.seq;
                    if history.selected > 0 || history.top > 0 {
                        history.selected += added;
                        history.top += added;
                    }
                }
                history.invalidate();
            }
            Event::SyncLogChanged(_) => {}
            // A delivery changes the counts, the events, today's sales and the transactions.
            Event::WebhooksChanged(summary) => {
                self.webhook_summary = Some(summary);
                self.events.invalidate();
                self.transactions.invalidate();
                self.reload_today = true;
            }
            other => self.chat_or_gemini_event(other),
        }
    }

    fn history_loaded(&mut self, page: SyncLogPage) {
        if Some(page.provider) != self.history.key {
            return; // an answer for a pane the user has already left
        }
        self.history.loaded(page.total, page.offset, page.rows);
    }

    /// Keeps the selection on `provider` when it is still visible, else in range.
    fn reselect(&mut self, provider: Option<Provider>) {
        let visible = self.visible();
        self.selected = provider
            .and_then(|p| visible.iter().position(|v| v.provider == p))
            .unwrap_or(self.selected)
            .min(visible.len().saturating_sub(1));
    }

    /// The history pane follows the selected integration.
    fn follow_selection(&mut self) {
        let provider = self.selected_view().map(|v| v.provider);
        if provider != self.history.key {
            self.history.reset(provider);
            self.detail_scroll = 0;
        }
    }
}

/// Actions that come from the user's hands (they clear the last notice and the welcome). The
/// answers to requests do not: a webhook sale reloading today's sales must not wipe what a
/// disconnect just said.
fn is_from_user(action: &Action) -> bool {
    !matches!(
        action,
        Action::Engine(_)
            | Action::Reload
            | Action::Tick
            | Action::ConversationsLoaded(_)
            | Action::ConversationLoaded(..)
            | Action::GeminiModelsLoaded(_)
            | Action::Notice(_)
            | Action::ChatSendFailed(_)
            | Action::PasteRejected(_)
            | Action::ConnectFailed(_)
            | Action::IntegrationsLoaded(_)
            | Action::HistoryLoaded(_)
            | Action::TransactionsLoaded(_)
            | Action::TodaysSalesLoaded(_)
            | Action::CategoriesLoaded(_)
            | Action::WebhookEventsLoaded(_)
            | Action::WebhookSummaryLoaded(_)
            | Action::RequestFailed(_)
            | Action::PageFailed(..)
            | Action::Resize { .. }
    )
}
