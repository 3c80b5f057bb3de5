//! What the hub does with an action while it is on show: the selected integration's keys (test
//! `t`, configure `c`, connect `o`, disconnect `x`, accept `a`, sync `s`, map categories `m`),
//! moving between and within the panes, the mouse; and what the engine says back.

use crate::api::Event;
use crate::api::IntegrationView;
use crate::api::Provider;
use crate::api::SyncLogPage;
use crate::tui::action::{Action, Request};
use crate::tui::confirm::Confirm;
use crate::tui::layout;
use crate::tui::overlay::{Overlay, Popup};
use crate::tui::screens::context::{Context, Outbox};
use tui_input::Input;

use super::sign_in::ConnectView;
use super::{HubScreen, Pane};

impl HubScreen {
    /// Takes the hub's actions; hands back the rest.
    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        let passed = self.take(action, cx, out);
        self.follow_selection();
        passed
    }

    fn take(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        let selected = self.selected_provider();
        let named = self
            .selected_view()
            .map_or_else(String::new, |v| v.name.clone());
        match action {
            Action::TestSelected => match selected {
                Some(Provider::Gemini) => out.start(Request::TestGemini, "Testing Gemini…"),
                Some(Provider::Mindbody) => out.start(
                    self.at_selected_site(Request::TestMindbody),
                    &format!("Testing {named}…"),
                ),
                Some(other) => out.notify(format!("{other} has no connection test yet."), false),
                None => {}
            },
            Action::ConfigureSelected => match selected {
                Some(Provider::Gemini) => {
                    out.open(Overlay::Form(Box::new(self.gemini_form())));
                    out.request(Request::LoadGeminiModels);
                }
                Some(Provider::Mindbody) if self.selected_view().is_some_and(|v| v.site.is_some()) => {
                    out.notify(
                        format!("{named} shares the first Mindbody site's settings: press c on Mindbody."),
                        false,
                    )
                }
                Some(Provider::Mindbody) => {
                    out.open(Overlay::Form(Box::new(self.mindbody_form())));
                }
                Some(other) => out.notify(format!("{other} has nothing to configure yet."), false),
                None => {}
            },
            Action::ConnectSelected => match selected {
                Some(Provider::Mindbody) => {
                    let site = self.selected_view().and_then(|v| v.site.clone());
                    out.open(Overlay::Connect(Box::new(ConnectView::new(
                        Provider::Mindbody,
                        site,
                    ))));
                    out.request(self.at_selected_site(Request::ConnectMindbody));
                }
                Some(Provider::Gemini) => {
                    out.notify("Gemini signs in with an API key: press c to set it.", false)
                }
                Some(other) => out.notify(format!("{other} cannot be connected yet."), false),
                None => {}
            },
            Action::DisconnectSelected => match selected {
                // Signed out already: nothing to forget, nothing to ask.
                Some(Provider::Mindbody)
                    if self
                        .selected_view()
                        .is_some_and(|v| v.status == crate::api::Status::Disconnected) =>
                {
                    out.notify(format!("{named} is not signed in: nothing to disconnect."), false)
                }
                Some(Provider::Mindbody) => out.open(Overlay::Confirm(Box::new(
                    Confirm::disconnect_mindbody(self.selected_view().and_then(|v| v.site.clone())),
                ))),
                Some(other) => out.notify(format!("{other} has no sign-in to disconnect."), false),
                None => {}
            },
            Action::AcceptOffer => {
                let offer = self.selected_view().and_then(|v| v.offer.clone());
                match (selected, offer) {
                    (Some(Provider::Gemini), Some(_)) => out.start(
                        Request::AcceptGemini,
                        "Switching to the replacement models and testing…",
                    ),
                    (Some(Provider::Mindbody), Some(_)) => out.start(
                        Request::ActivateWebhooks,
                        "Asking Mindbody to activate the webhook subscription…",
                    ),
                    _ => out.notify("Nothing on offer to accept here.", false),
                }
            }
            Action::SyncSelected => match selected {
                Some(Provider::Mindbody) => out.request(self.at_selected_site(Request::SyncMindbody)),
                Some(other) => out.notify(format!("{other} has nothing to sync."), false),
                None => {}
            },
            Action::OpenMapping => match selected {
                Some(Provider::Mindbody) => {
                    out.open(Overlay::Mapping(Box::default()));
                    out.request(Request::LoadCategories);
                }
                Some(other) => out.notify(format!("{other} has no categories to map."), false),
                None => {}
            },
            Action::OpenFilter => out.open(Overlay::Filter(Input::new(self.filter.clone()))),
            Action::Back => self.back(),
            Action::Move(delta) => self.move_in(cx, self.focus, delta),
            Action::Page(pages) => {
                let rows = self.page_rows(cx) as i64;
                self.move_in(cx, self.focus, pages * rows.max(1));
            }
            Action::Top => self.move_in(cx, self.focus, i64::MIN / 2),
            Action::Bottom => self.move_in(cx, self.focus, i64::MAX / 2),
            Action::NextPane => self.focus = self.focus.next(),
            Action::PrevPane => self.focus = self.focus.prev(),
            Action::Open => self.open(cx, out),
            Action::Click { column, row } => self.click(cx, column, row),
            Action::Scroll { column, row, delta } => self.scroll_at(cx, column, row, delta),
            other => return Some(other),
        }
        None
    }

    /// Esc with nothing open: back to the integrations table, then clear the filter.
    fn back(&mut self) {
        if self.focus != Pane::Integrations {
            self.focus = Pane::Integrations;
        } else if !self.filter.is_empty() {
            let keep = self.selected_id();
            self.filter.clear();
            self.reselect(keep);
        }
    }

    /// What is typed in `/` so far: the table narrows as you type.
    pub fn filter_typed(&mut self, text: &str) {
        let keep = self.selected_id();
        self.filter = text.to_string();
        self.reselect(keep);
        self.follow_selection();
    }

    /// Enter in `/`: the filter stays.
    pub fn filter_kept(&mut self, text: &str) {
        self.filter = text.trim().to_string();
        self.follow_selection();
    }

    /// Esc in `/`: no filter.
    pub fn filter_cleared(&mut self) {
        self.filter.clear();
        self.reselect(None);
        self.follow_selection();
    }

    /// `:filter text`: applied at once, the selection kept when it still shows.
    pub fn set_filter(&mut self, text: &str) {
        let keep = self.selected_id();
        self.filter = text.trim().to_string();
        self.reselect(keep);
        self.follow_selection();
    }

    fn open(&mut self, cx: &Context, out: &mut Outbox) {
        match self.focus {
            Pane::Integrations => self.focus = Pane::Detail,
            Pane::Detail => self.focus = Pane::History,
            Pane::History => {
                if let Some(run) = self.history.row(self.history.selected) {
                    out.open(Overlay::Popup(Popup {
                        title: format!("{} {} sync #{}", run.provider, run.sync_type, run.seq),
                        body: super::history::run_details(run, cx.now),
                        scroll: 0,
                    }));
                }
            }
        }
    }

    /// `:history`: the focus on the sync history.
    pub fn focus_history(&mut self) {
        self.focus = Pane::History;
    }

    /// Rows in a page of the focused pane (the help and popups page by it too).
    pub fn page_rows(&self, cx: &Context) -> usize {
        match self.focus {
            Pane::History => self.history_rows(cx),
            _ => 5,
        }
    }

    fn move_in(&mut self, cx: &Context, pane: Pane, delta: i64) {
        match pane {
            Pane::Integrations => {
                let last = self.visible().len().saturating_sub(1) as i64;
                self.selected =
                    (self.selected as i64).saturating_add(delta).clamp(0, last) as usize;
            }
            Pane::Detail => {
                let max = super::detail::max_scroll(self, cx) as i64;
                self.detail_scroll = (self.detail_scroll as i64)
                    .saturating_add(delta)
                    .clamp(0, max) as u16;
            }
            Pane::History => {
                let rows = self.history_rows(cx);
                self.history.move_by(delta, rows);
            }
        }
    }

    fn click(&mut self, cx: &Context, column: u16, row: u16) {
        let areas = self.areas(cx);
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

    fn scroll_at(&mut self, cx: &Context, column: u16, row: u16, delta: i64) {
        let areas = self.areas(cx);
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
        self.move_in(cx, pane, delta);
    }

    /// The terminal changed size: the history keeps its selected row in view.
    pub fn on_resize(&mut self, cx: &Context) {
        let rows = self.history_rows(cx);
        self.history.scroll_to_selected(rows);
    }

    /// The event stream fell behind: read the integrations and the history again.
    pub fn reload(&mut self) {
        self.reload_integrations = true;
        self.history.invalidate();
    }

    pub fn integrations_loaded(&mut self, views: Vec<IntegrationView>) {
        let keep = self.selected_id();
        self.integrations = views;
        self.reselect(keep);
        self.follow_selection();
    }

    pub fn history_loaded(&mut self, page: SyncLogPage) {
        let page_of = crate::domain::IntegrationId {
            provider: page.provider,
            site: page.site.clone(),
        };
        if Some(page_of) != self.history.key {
            return; // an answer for a pane the user has already left
        }
        self.history.loaded(page.total, page.offset, page.rows);
    }

    /// What the engine says that the hub shows: an integration changed, a run started or
    /// ended, a test or a job finished, a sign-in ended.
    pub fn on_event(&mut self, event: &Event, out: &mut Outbox) {
        match event {
            Event::BankStandingChanged(banks) => self.banks = banks.clone(),
            Event::MirrorChanged(status) => self.mirror = Some(status.clone()),
            Event::IntegrationChanged(view) => {
                let keep = self.selected_id();
                match self.integrations.iter_mut().find(|v| v.id() == view.id()) {
                    Some(slot) => *slot = view.clone(),
                    None => self.integrations.push(view.clone()),
                }
                self.reselect(keep);
            }
            Event::SyncLogChanged(log) if Some(log.integration()) == self.history.key => {
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
            Event::GeminiTested(report) => {
                let text = match (report.ok, &report.error) {
                    (true, _) => format!(
                        "Gemini connected: {} models, listed in {} ms.",
                        report.models,
                        report.latency_ms.unwrap_or(0)
                    ),
                    (false, Some(error)) => format!("Gemini: {error}"),
                    (false, None) => "Gemini needs attention.".to_string(),
                };
                out.notify(text, !report.ok);
            }
            Event::JobFailed {
                provider,
                error,
                step,
            } => out.notify(said_here(&format!("{provider}: {error}"), *step), true),
            Event::ConnectFinished {
                provider,
                site,
                error,
                cancelled,
                step,
            } => {
                let id = crate::domain::IntegrationId {
                    provider: *provider,
                    site: site.clone(),
                };
                match error {
                    None => {
                        // Connected: the first sync starts at once, so sales begin to arrive.
                        if *provider == Provider::Mindbody {
                            out.request(Request::SyncMindbody.at_site(site.clone()));
                        }
                        out.notify(format!("{id} connected; syncing."), false)
                    }
                    Some(_) if *cancelled => out.notify("Sign-in cancelled.", false),
                    Some(error) => out.notify(
                        said_here(&format!("{id} was not connected: {error}"), *step),
                        true,
                    ),
                }
            }
            _ => {}
        }
        self.follow_selection();
    }
}

/// An error that came as an event, with the step that mends it said as the dashboard says it.
fn said_here(error: &str, step: Option<crate::api::NextStep>) -> String {
    crate::api::advice(Some(error), step, crate::api::FrontEnd::Dashboard).unwrap_or_default()
}
