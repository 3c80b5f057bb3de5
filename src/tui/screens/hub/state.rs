//! The hub's state: the integrations and the bank accounts' standing, the filter over them, the selected one, the pane with the
//! focus, and the selected one's sync history (a window of it) and detail scroll.

use crate::api::Provider;
use crate::api::mirror::MirrorStatus;
use crate::api::{BankStandingView, IntegrationView, SyncLog};
use crate::domain::IntegrationId;
use crate::present;
use crate::tui::action::Request;
use crate::tui::layout;
use crate::tui::screens::context::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Integrations,
    Detail,
    History,
}

impl Pane {
    pub(crate) fn next(self) -> Pane {
        match self {
            Pane::Integrations => Pane::Detail,
            Pane::Detail => Pane::History,
            Pane::History => Pane::Integrations,
        }
    }

    pub(crate) fn prev(self) -> Pane {
        self.next().next()
    }
}

/// The sync-history pane: the selected integration's runs, newest first.
pub type History = crate::tui::paged::Paged<IntegrationId, SyncLog>;

pub struct HubScreen {
    pub integrations: Vec<IntegrationView>,
    /// The filter in force (while `/` is open, what is typed so far).
    pub filter: String,
    /// Index into the filtered list.
    pub selected: usize,
    pub focus: Pane,
    pub history: History,
    pub detail_scroll: u16,
    pub(crate) reload_integrations: bool,
    /// Each bank account's standing, drawn under the integrations (not selectable).
    pub banks: Vec<BankStandingView>,
    pub(crate) reload_banks: bool,
    /// The Postgres mirror's standing, drawn under the integrations when one is set up.
    pub mirror: Option<MirrorStatus>,
    pub(crate) reload_mirror: bool,
}

impl Default for HubScreen {
    fn default() -> Self {
        HubScreen {
            integrations: Vec::new(),
            filter: String::new(),
            selected: 0,
            focus: Pane::Integrations,
            history: History::default(),
            detail_scroll: 0,
            reload_integrations: true,
            banks: Vec::new(),
            reload_banks: true,
            mirror: None,
            reload_mirror: true,
        }
    }
}

impl HubScreen {
    /// The integrations the filter lets through, in catalog order.
    pub fn visible(&self) -> Vec<&IntegrationView> {
        let needle = self.filter.to_lowercase();
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

    pub fn selected_view(&self) -> Option<&IntegrationView> {
        self.visible().get(self.selected).copied()
    }

    pub fn history_rows(&self, cx: &Context) -> usize {
        layout::history_rows(cx.size, self.detail_lines(cx), self.lines_under_table())
    }

    /// Where the hub's panes are now.
    pub fn areas(&self, cx: &Context) -> layout::Areas {
        self.areas_with_focus(cx, self.focus)
    }

    /// Where the hub's panes would be with `focus` on a pane (a narrow terminal shows the
    /// detail or the history).
    pub fn areas_with_focus(&self, cx: &Context, focus: Pane) -> layout::Areas {
        layout::areas(
            cx.size,
            focus,
            self.detail_lines(cx),
            self.lines_under_table(),
        )
    }

    /// The lines drawn under the integrations: the mirror's, when one is set up, and the bank
    /// accounts' (a few at most).
    pub fn lines_under_table(&self) -> usize {
        let mirror = self.mirror.as_ref().is_some_and(|m| m.configured);
        usize::from(mirror) + self.banks.len().min(layout::MOST_BANK_LINES)
    }

    fn detail_lines(&self, cx: &Context) -> u16 {
        super::detail::wanted_lines(self, cx)
    }

    /// Whether the selected integration counts down to a retry, so the loop must wake.
    pub fn counting_down(&self, cx: &Context) -> bool {
        let now = cx.now.to_utc();
        self.selected_view()
            .and_then(|v| v.retry_at)
            .is_some_and(|at| at > now)
    }

    /// What the hub needs loaded: the integrations once, the history rows on screen.
    pub fn requests(&mut self, cx: &Context) -> Vec<Request> {
        let mut out = Vec::new();
        if std::mem::take(&mut self.reload_integrations) {
            out.push(Request::LoadIntegrations);
        }
        if std::mem::take(&mut self.reload_banks) {
            out.push(Request::LoadBankStanding);
        }
        if std::mem::take(&mut self.reload_mirror) {
            out.push(Request::LoadMirrorStatus);
        }
        let rows = self.history_rows(cx);
        if let Some(integration) = self.history.key.clone()
            && self.history.wants_page(rows)
        {
            out.push(Request::LoadHistory {
                integration,
                offset: self.history.top,
                limit: rows.max(1),
            });
        }
        out
    }

    /// Keeps the selection on `integration` when it is still visible, else in range.
    pub(crate) fn reselect(&mut self, integration: Option<IntegrationId>) {
        let visible = self.visible();
        self.selected = integration
            .and_then(|id| visible.iter().position(|v| v.id() == id))
            .unwrap_or(self.selected)
            .min(visible.len().saturating_sub(1));
    }

    /// The history pane follows the selected integration.
    pub(crate) fn follow_selection(&mut self) {
        let integration = self.selected_id();
        if integration != self.history.key {
            self.history.reset(integration);
            self.detail_scroll = 0;
        }
    }

    pub(crate) fn selected_provider(&self) -> Option<Provider> {
        self.selected_view().map(|v| v.provider)
    }

    /// The selected integration (a chain's further Mindbody sites are rows of their own).
    pub(crate) fn selected_id(&self) -> Option<IntegrationId> {
        self.selected_view().map(IntegrationView::id)
    }

    /// `request` for the selected row's site, when that is a further site of a chain.
    pub(crate) fn at_selected_site(&self, request: Request) -> Request {
        request.at_site(self.selected_view().and_then(|v| v.site.clone()))
    }
}
