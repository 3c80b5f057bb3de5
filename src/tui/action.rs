//! Everything that can change the dashboard's state: keys and mouse turned into intents, engine
//! events, and the answers to the requests the app made.

use ratatui::crossterm::event::KeyEvent;

use super::app::Screen;
use super::screens::reconcile::import::job::{ImportAnswer, ImportJob};
use crate::api::{ChatMessage, Conversation, SyncLogPage};
use crate::api::{Event, GeminiUpdate, IntegrationView, MindbodyUpdate};

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Esc: close what is open, or step back to the integrations table.
    Back,
    OpenFilter,
    OpenPalette,
    /// A key for the open text field (filter or command palette).
    Edit(KeyEvent),
    /// Enter in the open text field.
    Submit,
    /// `y` to the question before a destructive key (every other key cancels it).
    Confirm,
    /// Tab in the command palette.
    Complete,
    /// Move the selection (or scroll) in the focused pane by this many rows.
    Move(i64),
    /// By a page of the focused pane; the sign is the direction.
    Page(i64),
    Top,
    Bottom,
    NextPane,
    PrevPane,
    /// Enter: open the selected thing.
    Open,
    Click {
        column: u16,
        row: u16,
    },
    Scroll {
        column: u16,
        row: u16,
        delta: i64,
    },
    Resize {
        width: u16,
        height: u16,
    },
    Engine(Box<Event>),
    /// The event stream fell behind: read everything again.
    Reload,
    /// A second passed while a countdown is on screen.
    Tick,
    ShowScreen(Screen),
    // The chat screen.
    ChatKey(KeyEvent),
    ChatNewline,
    ChatSend,
    /// Stop the reply that is arriving.
    ChatCancel,
    ChatNew,
    ChatToggleAlias,
    /// Copy the last reply to the clipboard (OSC 52, so it works over SSH).
    ChatCopy,
    /// Open or close the tool call at hand in the chat's messages.
    ChatToggleTool,
    ChatFocusNext,
    // The selected integration on the hub screen.
    TestSelected,
    ConfigureSelected,
    /// Sign in (OAuth): opens the sign-in overlay.
    ConnectSelected,
    DisconnectSelected,
    /// Accept the fix on offer (replacement models).
    AcceptOffer,
    /// Copy the sign-in address (OSC 52).
    CopyUrl,
    /// `s`: sync the selected integration now.
    SyncSelected,
    /// `m`: the category → class mapping.
    OpenMapping,
    /// The engine refused a pasted address; why.
    PasteRejected(String),
    /// A sign-in could not even start (settings missing, one already running).
    ConnectFailed(String),
    FormNext,
    FormPrev,
    /// Left/Right on a choice in the form.
    FormCycle(i64),
    // Answers to requests.
    IntegrationsLoaded(Vec<IntegrationView>),
    BankStandingLoaded(Vec<crate::api::BankStandingView>),
    MirrorStatusLoaded(crate::api::mirror::MirrorStatus),
    HistoryLoaded(SyncLogPage),
    ConversationsLoaded(Vec<Conversation>),
    ConversationLoaded(Conversation, Vec<ChatMessage>),
    GeminiModelsLoaded(Result<Vec<String>, String>),
    TransactionsLoaded(crate::api::TransactionPage),
    TodaysSalesLoaded(crate::api::TodaysSales),
    BudgetWarningsLoaded(Vec<crate::api::budget::BudgetWarning>),
    CategoriesLoaded(Vec<crate::api::Category>),
    WebhookEventsLoaded(crate::api::WebhookEventPage),
    WebhookSummaryLoaded(crate::api::WebhookSummary),
    /// `r` on the events screen: process the failed deliveries again.
    RetryWebhooks,
    // The Reconcile screen.
    /// `x`: the candidate on show is not what the line pays.
    ReconcileReject,
    /// `e`: the selected line's next candidate.
    ReconcileNextCandidate,
    /// `u`: undo the selected line's match (after a question).
    ReconcileUndo,
    /// `A`: accept every suggestion at least as sure as the threshold (after a question).
    ReconcileAcceptAll,
    /// `+`/`-`: move the threshold by this many percent.
    ReconcileThreshold(i64),
    /// `i`: the overlay that imports a bank statement.
    ReconcileImport,
    /// What became of an import the overlay asked for.
    BankImport(Box<ImportAnswer>),
    ReconcileLoaded(Box<Result<crate::api::reconcile::ReconcileView, String>>),
    /// A decision was saved or refused: read the account again, and say this (is it an error).
    ReconcileChanged(Option<(String, bool)>),
    /// Something worth a line in the status bar.
    Notice(String),
    /// The engine would not take the question (no key, say).
    ChatSendFailed(String),
    RequestFailed(String),
    /// A page of one of the long lists could not be loaded: which list, and why.
    PageFailed(PagedList, String),
    // The Reports screen.
    /// `←→`: the month before or after the one on show.
    ReportsMonth(i64),
    /// `t`: back to this month.
    ReportsThisMonth,
    /// `g`: the next grouping (class, category, payment method, location).
    ReportsGrouping,
    ReportsLoaded(Box<Result<crate::api::reports::RevenueOverview, String>>),
    /// `d` on the cash flow: the next horizon (30, 60, 90 days).
    ReportsHorizon,
    /// `r` on the cash flow: read the members' contracts (asked first the first time).
    ReportsReadContracts,
    /// `i` on the revenue overview: Gemini's explanation of the month on show (the kept one, or
    /// asked now); `I` asks anew.
    ReportsExplain {
        again: bool,
    },
    /// An explanation arrived (or why not).
    MonthExplained(Box<Result<crate::integrations::gemini::explain::Explained, String>>),
    CashFlowLoaded(Box<Result<crate::api::cashflow::CashFlow, String>>),
    ContractsPlanLoaded(Box<Result<crate::api::cashflow::ContractsPlan, String>>),
    /// A read of the contracts ended.
    ContractsRead(Box<Result<crate::api::cashflow::ContractsReport, String>>),
    /// The transactions behind a cell.
    ReportsCellLoaded(Box<Result<crate::api::reports::RevenueCell, String>>),
    /// `e` on the budget: the selected class's budget, in a box.
    ReportsEditBudget,
    /// `a` on the budget: a budget for a class the month does not list.
    ReportsAddBudget,
    /// `x` on the budget: clear the selected class's budget for the month.
    ReportsClearBudget,
    BudgetLoaded(Box<Result<crate::api::budget::BudgetView, String>>),
    ProjectionLoaded(Box<Result<crate::api::projection::Projection, String>>),
    /// A budget typed in the box was saved, or why not.
    BudgetSaved(Box<Result<crate::api::Budget, String>>),
    /// What `x` cleared, in words, or why not.
    BudgetCleared(Result<String, String>),
    // The Categorize screen.
    /// `r`: accept the selected suggestion and make a rule of it.
    CategorizeRule,
    /// `←→`: another of the studio's classes for the selected suggestion.
    CategorizeClass(i64),
    /// `x`: the suggestion is wrong.
    CategorizeReject,
    /// `u`: take an acceptance or a rejection back.
    CategorizeUndo,
    /// `A`: accept every open suggestion at least as sure as the threshold (after a question).
    CategorizeAcceptAll,
    /// `+`/`-`: move the threshold by this many percent.
    CategorizeThreshold(i64),
    /// `s`: suggest classes (a dry run first, and a question before Gemini is asked).
    CategorizeRun,
    CategorizeLoaded(Box<Result<crate::api::categorize::CategorizeView, String>>),
    /// What a run would ask of Gemini.
    CategorizePlanned(Box<Result<crate::api::categorize::RunReport, String>>),
    /// What a run did.
    CategorizeRan(Box<Result<crate::api::categorize::RunReport, String>>),
    /// A decision was saved or refused: read the suggestions again, and say this (is it an error).
    CategorizeChanged(Option<(String, bool)>),
    /// `e` on the Reconcile screen: put the selected line's group together by hand.
    ReconcileEditGroup,
    /// Space in the group overlay: tick or untick the choice under the cursor.
    ReconcileGroupToggle,
    GroupChoicesLoaded(Box<Result<crate::api::reconcile::GroupChoices, String>>),
    /// The engine's view of a group put together by hand (the group asked about, the answer).
    GroupEvaluated(
        Box<(
            crate::api::reconcile::CandidateRef,
            Result<crate::api::reconcile::CandidateView, String>,
        )>,
    ),
}

/// The lists read a page at a time from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagedList {
    History,
    Transactions,
    WebhookEvents,
}

/// What the app asks the engine for; the loop runs these and answers with an [`Action`].
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    LoadIntegrations,
    /// A Mindbody request for a further site of a chain (the selected row's).
    AtSite {
        site: String,
        request: Box<Request>,
    },
    LoadHistory {
        integration: crate::domain::IntegrationId,
        offset: u64,
        limit: usize,
    },
    LoadConversations,
    LoadConversation(u64),
    SendChat {
        conversation: Option<u64>,
        text: String,
        model: String,
    },
    CancelChat(u64),
    TestGemini,
    AcceptGemini,
    ConfigureGemini(GeminiUpdate),
    LoadGeminiModels,
    TestMindbody,
    ConfigureMindbody(MindbodyUpdate),
    ConnectMindbody,
    PasteRedirect(String),
    CancelConnect,
    DisconnectMindbody,
    SyncMindbody,
    LoadTransactions {
        filter: String,
        offset: u64,
        limit: usize,
    },
    LoadTodaysSales,
    /// This month's classes projected under budget (a projection: in the background).
    LoadBudgetWarnings,
    LoadBankStanding,
    LoadMirrorStatus,
    LoadCategories,
    MapCategory {
        id: i64,
        class: Option<String>,
    },
    LoadWebhookEvents {
        offset: u64,
        limit: usize,
    },
    LoadWebhookSummary,
    RetryWebhooks,
    /// Activate (or reactivate) the webhook subscription at Mindbody.
    ActivateWebhooks,
    /// The account's lines reconciled (the only account's when None).
    LoadReconcile(Option<String>),
    AcceptMatch {
        account: Option<String>,
        line: String,
        candidate: crate::api::reconcile::CandidateRef,
    },
    /// A group put together by hand (`e`): its fee is what the bank kept.
    AcceptGroup {
        account: Option<String>,
        line: String,
        group: crate::api::reconcile::CandidateRef,
    },
    RejectMatch {
        line: String,
        candidate: crate::api::reconcile::CandidateRef,
    },
    UndoMatch(String),
    /// Accept every suggestion of the account at least this sure (percent).
    AcceptAbove {
        account: Option<String>,
        percent: u8,
    },
    /// Read a bank statement file and import it (off the frame loop: reading takes a while).
    ImportBank(Box<ImportJob>),
    /// Twelve months of revenue ending at `month`, by a grouping, from the daily totals.
    LoadRevenueOverview {
        month: chrono::NaiveDate,
        by: crate::api::reports::Grouping,
    },
    /// The transactions behind one group's month.
    LoadRevenueCell {
        month: chrono::NaiveDate,
        group: crate::api::reports::GroupRef,
        currency: String,
    },
    /// Autopays expected over the next days beside what arrived over as many before.
    LoadCashFlow(u32),
    /// What reading the members' contracts would cost now.
    LoadContractsPlan,
    /// Read the members' contracts (the first full read only when agreed to).
    RefreshContracts {
        first_read_agreed: bool,
    },
    /// The month holding `day` explained by Gemini: the kept answer, or asked now (`again`).
    ExplainMonth {
        day: chrono::NaiveDate,
        again: bool,
    },
    /// A month's budgets beside its actual and projection, by class. Not local: the projection's
    /// first reading of the day walks eight weeks of sales (hundreds of ms on a busy studio).
    LoadBudget(chrono::NaiveDate),
    /// This month's projection and the next three's (not local, as above).
    LoadProjection,
    SetBudget {
        month: chrono::NaiveDate,
        class: String,
        amount: rust_decimal::Decimal,
    },
    ClearBudget {
        month: chrono::NaiveDate,
        class: String,
    },
    /// The suggestions, the classes and the rules.
    LoadCategorize,
    DecideSuggestion {
        subject: crate::api::categorize::Subject,
        decide: crate::api::categorize::Decide,
    },
    /// Accept every open suggestion at least this sure (percent).
    AcceptSuggestionsAbove(u8),
    /// A dry run: what a run would ask of Gemini, and what it would cost.
    PlanCategorize,
    /// The run itself (Gemini included, when anything is left for it).
    RunCategorize,
    /// What an open bank line could pay, for the group overlay.
    LoadGroupChoices {
        account: Option<String>,
        line: String,
    },
    /// A group put together by hand, worked out against its line.
    EvaluateGroup {
        account: Option<String>,
        line: String,
        group: crate::api::reconcile::CandidateRef,
    },
}

impl Request {
    /// This request for a further Mindbody site of a chain, when `site` names one.
    pub fn at_site(self, site: Option<String>) -> Request {
        match site {
            None => self,
            Some(site) => Request::AtSite {
                site,
                request: Box::new(self),
            },
        }
    }

    /// Answered from the local store at once; the others wait on the network, or work for a
    /// while (matching a year of bank lines: a third of a second), and run in the background
    /// while the dashboard keeps drawing.
    pub fn is_local(&self) -> bool {
        if let Request::AtSite { request, .. } = self {
            return request.is_local();
        }
        matches!(
            self,
            Request::LoadIntegrations
                | Request::LoadHistory { .. }
                | Request::LoadConversations
                | Request::LoadConversation(_)
                | Request::CancelChat(_)
                | Request::CancelConnect
                | Request::LoadTodaysSales
                | Request::LoadBankStanding
                | Request::LoadRevenueOverview { .. }
                | Request::LoadRevenueCell { .. }
                | Request::LoadCashFlow(_)
                | Request::LoadContractsPlan
                | Request::SetBudget { .. }
                | Request::ClearBudget { .. }
                | Request::LoadCategories
                | Request::SyncMindbody
                | Request::LoadWebhookEvents { .. }
                | Request::LoadWebhookSummary
                | Request::RetryWebhooks
        )
    }
}
