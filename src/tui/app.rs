//! The dashboard's state and the one function that changes it. Keys, mouse and engine events
//! arrive as [`Action`]s; [`App::update`] routes each to whoever it is for: the open overlay
//! first, then the screen on show, then the app's own (quit, help, the palette, the screens);
//! answers to requests go to the screen that asked, and the engine's events to every screen
//! that cares. [`App::requests`] says what to fetch next; drawing (in `views`) only reads.

use chrono::{DateTime, FixedOffset};
use ratatui::crossterm::event::Event as TermEvent;
use ratatui::layout::Rect;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::action::{Action, PagedList, Request};
use super::overlay::swallow_pointer;
use super::palette::{self, PaletteCommand};
use super::screens::categorize::CategorizeScreen;
use super::screens::chat::ChatScreen;
use super::screens::context::{Context, Covered, Outbox};
use super::screens::events::EventsScreen;
use super::screens::hub::HubScreen;
use super::screens::reconcile::ReconcileScreen;
use super::screens::reports::ReportsScreen;
use super::screens::transactions::TransactionsScreen;
use super::theme::Theme;
use crate::present;

pub use super::overlay::{Overlay, Popup};
pub use super::screens::hub::{History, Pane};

/// The seven screens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Screen {
    /// The integrations hub.
    #[default]
    Hub,
    /// The Gemini chat.
    Chat,
    /// The synced transactions, newest first.
    Transactions,
    /// Webhook deliveries, newest first.
    Events,
    /// Bank lines beside the sales they pay.
    Reconcile,
    /// Revenue by service type over twelve months, and the month against the ones before.
    Reports,
    /// Suggested classes for what has none, to accept or not.
    Categorize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

pub struct App {
    pub size: Rect,
    /// The current time in the viewer's zone, set before each frame.
    pub now: DateTime<FixedOffset>,
    pub theme: Theme,
    /// Shown at the right of the title line (e.g. "demo · /tmp/legion-hub-demo-x1").
    pub badge: Option<String>,
    pub notice: Option<Notice>,
    pub should_quit: bool,
    /// The screen on show.
    pub screen: Screen,
    pub overlay: Overlay,
    pub hub: HubScreen,
    pub chat: ChatScreen,
    pub transactions: TransactionsScreen,
    pub events: EventsScreen,
    pub reconcile: ReconcileScreen,
    pub reports: ReportsScreen,
    pub categorize: CategorizeScreen,
    /// Requests made by actions, sent with the next [`App::requests`].
    pub(super) queue: Vec<Request>,
    /// Text to put on the clipboard after the next frame.
    pub(super) clipboard: Option<String>,
}

impl App {
    pub fn new(theme: Theme, size: Rect, now: DateTime<FixedOffset>) -> App {
        App {
            size,
            now,
            theme,
            badge: None,
            notice: None,
            should_quit: false,
            screen: Screen::Hub,
            overlay: Overlay::None,
            hub: HubScreen::default(),
            chat: ChatScreen::new(crate::api::Alias::Fast),
            transactions: TransactionsScreen::default(),
            events: EventsScreen::default(),
            reconcile: ReconcileScreen::default(),
            reports: ReportsScreen::default(),
            categorize: CategorizeScreen::default(),
            queue: Vec::new(),
            clipboard: None,
        }
    }

    /// What the screens are given: the size, the time, the theme, and what covers them.
    pub fn context(&self) -> Context {
        let covered = match self.overlay {
            Overlay::None => Covered::No,
            Overlay::Filter(_) => Covered::ByFilter,
            _ => Covered::Yes,
        };
        Context {
            size: self.size,
            now: self.now,
            theme: self.theme,
            covered,
        }
    }

    /// Text the last action asked to copy; the loop sends it to the terminal (OSC 52).
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    /// Whether something on screen counts down, so the loop must wake each second.
    pub fn needs_tick(&self) -> bool {
        let cx = self.context();
        match self.screen {
            Screen::Hub => self.hub.counting_down(&cx),
            Screen::Chat => self.chat.counting_down(cx.now.to_utc()),
            _ => false,
        }
    }

    /// What to fetch from the engine so the screens can be drawn.
    pub fn requests(&mut self) -> Vec<Request> {
        let cx = self.context();
        let mut out = std::mem::take(&mut self.queue);
        out.extend(
            self.transactions
                .requests(&cx, self.screen == Screen::Transactions),
        );
        out.extend(self.events.requests(&cx, self.screen == Screen::Events));
        out.extend(self.reconcile.requests(self.screen == Screen::Reconcile));
        out.extend(self.reports.requests(&cx, self.screen == Screen::Reports));
        out.extend(self.categorize.requests(self.screen == Screen::Categorize));
        out.extend(self.hub.requests(&cx));
        out
    }

    pub fn update(&mut self, action: Action) {
        if is_from_user(&action) {
            self.notice = None;
            if matches!(self.overlay, Overlay::Welcome) {
                self.overlay = Overlay::None;
            }
        }
        let cx = self.context();
        let mut out = Outbox::default();
        match action {
            // News from the engine: every screen that cares hears it.
            Action::Engine(event) => {
                self.overlay.on_event(&event);
                self.hub.on_event(&event, &mut out);
                self.chat.on_event(&event, &cx, &mut out);
                self.transactions.on_event(&event);
                self.events.on_event(&event);
                self.reconcile.on_event(&event);
                self.reports.on_event(&event);
                self.categorize.on_event(&event);
            }
            // Answers go to whoever asked.
            Action::IntegrationsLoaded(views) => {
                self.chat.integrations_loaded(&views);
                self.hub.integrations_loaded(views);
            }
            Action::HistoryLoaded(page) => self.hub.history_loaded(page),
            Action::BankStandingLoaded(banks) => self.hub.banks = banks,
            Action::MirrorStatusLoaded(status) => self.hub.mirror = Some(status),
            Action::TransactionsLoaded(page) => self.transactions.transactions_loaded(page),
            Action::TodaysSalesLoaded(sales) => self.transactions.todays_sales_loaded(sales),
            Action::BudgetWarningsLoaded(warnings) => self.transactions.budget_warnings = warnings,
            Action::WebhookEventsLoaded(page) => self.events.events_loaded(page),
            Action::WebhookSummaryLoaded(summary) => self.events.summary_loaded(summary),
            Action::ReconcileLoaded(answer) => self.reconcile.loaded(*answer),
            // The screen shows the imported account whether or not the overlay is still open.
            Action::BankImport(answer) => {
                self.reconcile.bank_imported(&answer);
                self.overlay.on_answer(Action::BankImport(answer), &mut out);
            }
            Action::ReconcileChanged(said) => {
                self.reconcile.changed();
                if let Some((text, is_error)) = said {
                    out.notify(text, is_error);
                }
            }
            Action::ReportsLoaded(answer) => self.reports.loaded(*answer),
            Action::ReportsCellLoaded(answer) => self.reports.cell_loaded(*answer),
            Action::CashFlowLoaded(answer) => self.reports.cash_flow_loaded(*answer),
            Action::ContractsPlanLoaded(answer) => self.reports.contracts_plan_loaded(*answer),
            Action::ContractsRead(answer) => self.reports.contracts_read(*answer, &mut out),
            Action::MonthExplained(answer) => self.reports.month_explained(*answer, &mut out),
            Action::BudgetLoaded(answer) => self.reports.budget.loaded(*answer),
            Action::ProjectionLoaded(answer) => self.reports.budget.projection_loaded(*answer),
            Action::BudgetCleared(said) => {
                // The title line's budget warning follows the budgets.
                self.transactions.reload_today = true;
                self.reports.budget.cleared(said, &mut out)
            }
            // A saved budget is read again whether or not the box is still open.
            Action::BudgetSaved(answer) => {
                if answer.is_ok() {
                    self.reports.budget.changed();
                    self.transactions.reload_today = true;
                }
                self.overlay
                    .on_answer(Action::BudgetSaved(answer), &mut out);
            }
            Action::CategorizeLoaded(answer) => self.categorize.loaded(*answer),
            Action::CategorizePlanned(plan) => self.categorize.planned(*plan, &mut out),
            Action::CategorizeRan(report) => self.categorize.ran(*report, &mut out),
            Action::CategorizeChanged(said) => {
                self.categorize.changed();
                if let Some((text, is_error)) = said {
                    out.notify(text, is_error);
                }
            }
            Action::ConversationsLoaded(list) => self.chat.conversations_loaded(list, &mut out),
            Action::ConversationLoaded(conversation, messages) => {
                self.chat.conversation_loaded(conversation, messages, &cx)
            }
            Action::ChatSendFailed(message) => self.chat.send_failed(message, &mut out),
            Action::PageFailed(list, message) => {
                match list {
                    PagedList::History => self.hub.history.failed(),
                    PagedList::Transactions => self.transactions.list.failed(),
                    PagedList::WebhookEvents => self.events.list.failed(),
                }
                out.notify(message, true);
            }
            Action::RequestFailed(message) => out.notify(message, true),
            Action::Notice(message) => out.notify(message, false),
            answer @ (Action::GeminiModelsLoaded(_)
            | Action::CategoriesLoaded(_)
            | Action::PasteRejected(_)
            | Action::ConnectFailed(_)
            | Action::GroupChoicesLoaded(_)
            | Action::GroupEvaluated(_)) => {
                self.overlay.on_answer(answer, &mut out);
            }
            Action::Resize { width, height } => {
                self.size = Rect::new(0, 0, width, height);
                self.hub.on_resize(&self.context());
            }
            Action::Reload => self.hub.reload(),
            // The user's hands: the overlay, then the screen, then the app.
            action => self.route(action, &cx, &mut out),
        }
        self.deliver(out);
        // The chat is laid out for the terminal (its size, its input box) after each action.
        self.chat.fit(&self.context());
    }

    fn route(&mut self, action: Action, cx: &Context, out: &mut Outbox) {
        let action = match self.overlay {
            Overlay::Filter(_) => self.filter_update(action),
            Overlay::Palette(_) => self.palette_update(action),
            // Help and popups page by the hub's page, as they always have.
            Overlay::Help(_) | Overlay::Popup(_) => {
                let action = match action {
                    Action::Page(pages) => {
                        Action::Move(pages * self.hub.page_rows(cx).max(1) as i64)
                    }
                    other => other,
                };
                self.overlay.update(action, out)
            }
            _ => self.overlay.update(action, out),
        };
        let Some(action) = action else { return };
        let action = match self.screen {
            Screen::Hub => self.hub.update(action, cx, out),
            Screen::Chat => self.chat.update(action, cx, out),
            Screen::Transactions => self.transactions.update(action, cx, out),
            Screen::Events => self.events.update(action, cx, out),
            Screen::Reconcile => self.reconcile.update(action, cx, out),
            Screen::Reports => self.reports.update(action, cx, out),
            Screen::Categorize => self.categorize.update(action, cx, out),
        };
        let Some(action) = action else { return };
        match action {
            Action::Quit => self.should_quit = true,
            Action::ToggleHelp => {
                self.overlay = match self.overlay {
                    Overlay::Help(_) => Overlay::None,
                    _ => Overlay::Help(0),
                }
            }
            Action::OpenPalette => self.overlay = Overlay::Palette(Input::default()),
            Action::ShowScreen(screen) => self.show(screen, cx, out),
            // Keys with nothing to do here (and ticks with nothing counting down).
            _ => {}
        }
    }

    /// What the screens and overlays asked for, carried out.
    fn deliver(&mut self, out: Outbox) {
        self.queue.extend(out.requests);
        if let Some(notice) = out.notice {
            self.notice = Some(notice);
        }
        if let Some(overlay) = out.open {
            self.overlay = overlay;
        }
        if let Some(text) = out.clipboard {
            self.clipboard = Some(text);
        }
        if let Some(screen) = out.show {
            let cx = self.context();
            let mut more = Outbox::default();
            self.show(screen, &cx, &mut more);
            self.queue.extend(more.requests);
        }
    }

    fn show(&mut self, screen: Screen, cx: &Context, out: &mut Outbox) {
        let was_here = self.screen == screen;
        self.screen = screen;
        match screen {
            Screen::Hub => {}
            Screen::Chat => self.chat.on_show(was_here, cx, out),
            Screen::Transactions => self.transactions.on_show(),
            Screen::Events => self.events.on_show(out),
            Screen::Reconcile => self.reconcile.on_show(),
            Screen::Reports => self.reports.on_show(),
            Screen::Categorize => self.categorize.on_show(),
        }
    }

    /// `/` is open: what is typed filters the list on screen as you type; Enter keeps it, Esc
    /// clears it.
    fn filter_update(&mut self, action: Action) -> Option<Action> {
        let Overlay::Filter(input) = &mut self.overlay else {
            return Some(action);
        };
        match action {
            Action::Edit(key) => {
                input.handle_event(&TermEvent::Key(key));
                let text = input.value().to_string();
                match self.screen {
                    Screen::Hub => self.hub.filter_typed(&text),
                    Screen::Transactions => self.transactions.filter_typed(&text),
                    Screen::Reconcile => self.reconcile.filter_typed(&text),
                    Screen::Categorize => self.categorize.filter_typed(&text),
                    _ => {}
                }
            }
            Action::Submit => {
                let text = input.value().to_string();
                self.overlay = Overlay::None;
                if self.screen == Screen::Hub {
                    self.hub.filter_kept(&text);
                }
            }
            Action::Back => {
                self.overlay = Overlay::None;
                match self.screen {
                    Screen::Hub => self.hub.filter_cleared(),
                    Screen::Transactions => self.transactions.filter_cleared(),
                    Screen::Reconcile => self.reconcile.filter_typed(""),
                    Screen::Categorize => self.categorize.filter_typed(""),
                    _ => {}
                }
            }
            Action::Complete => {}
            other => return swallow_pointer(other),
        }
        None
    }

    /// `:` is open: a command line with suggestions (Tab takes the first).
    fn palette_update(&mut self, action: Action) -> Option<Action> {
        let Overlay::Palette(input) = &mut self.overlay else {
            return Some(action);
        };
        match action {
            Action::Edit(key) => {
                input.handle_event(&TermEvent::Key(key));
            }
            Action::Complete => {
                if let Some(first) = palette::suggestions(input.value()).first() {
                    *input = Input::new(first.name.to_string());
                }
            }
            Action::Submit => {
                let line = input.value().to_string();
                self.overlay = Overlay::None;
                self.run_command(&line);
            }
            Action::Back => self.overlay = Overlay::None,
            other => return swallow_pointer(other),
        }
        None
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
                    body: self.status_text(),
                    scroll: 0,
                })
            }
            PaletteCommand::Filter => self.hub.set_filter(rest),
            PaletteCommand::History => {
                self.screen = Screen::Hub;
                self.hub.focus_history();
            }
            PaletteCommand::Chat => self.update(Action::ShowScreen(Screen::Chat)),
            PaletteCommand::Hub => self.screen = Screen::Hub,
        }
    }
}

impl App {
    /// `:status`: the glance's table, and the bank accounts' under it when there are any.
    fn status_text(&self) -> String {
        let integrations = present::status_table(
            &self.hub.integrations,
            self.now.to_utc(),
            crate::api::FrontEnd::Dashboard,
        );
        match present::bank_table(&self.hub.banks, crate::api::FrontEnd::Dashboard) {
            banks if banks.is_empty() => integrations,
            banks => format!("{integrations}\n{banks}"),
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
            | Action::BankStandingLoaded(_)
            | Action::MirrorStatusLoaded(_)
            | Action::HistoryLoaded(_)
            | Action::TransactionsLoaded(_)
            | Action::TodaysSalesLoaded(_)
            | Action::BudgetWarningsLoaded(_)
            | Action::CategoriesLoaded(_)
            | Action::WebhookEventsLoaded(_)
            | Action::WebhookSummaryLoaded(_)
            | Action::ReconcileLoaded(_)
            | Action::ReconcileChanged(_)
            | Action::ReportsLoaded(_)
            | Action::ReportsCellLoaded(_)
            | Action::CashFlowLoaded(_)
            | Action::ContractsPlanLoaded(_)
            | Action::ContractsRead(_)
            | Action::MonthExplained(_)
            | Action::BudgetLoaded(_)
            | Action::ProjectionLoaded(_)
            | Action::BudgetSaved(_)
            | Action::BudgetCleared(_)
            | Action::CategorizeLoaded(_)
            | Action::CategorizePlanned(_)
            | Action::CategorizeRan(_)
            | Action::CategorizeChanged(_)
            | Action::BankImport(_)
            | Action::GroupChoicesLoaded(_)
            | Action::GroupEvaluated(_)
            | Action::RequestFailed(_)
            | Action::PageFailed(..)
            | Action::Resize { .. }
    )
}
