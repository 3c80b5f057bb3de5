//! The contract between the core and its front ends (the dashboard, the commands, another process
//! over the control socket): the handle and its calls, the events, the views and records they
//! carry, and the typed error. What crosses the socket is serde, so a call, its reply and an error
//! read the same here and across it. Front ends import this module and nothing else of the core.
//!
//! The contract's own types, made only to be shown to or sent by a front end, live in the files
//! below: the events (`event`), the integration view (`view`), the requests (`requests`), the
//! books' and webhooks' pages and summaries (`books`, `webhooks`), categorization's suggestions,
//! rules and runs (`categorize`), the revenue reports, their overview and drill-down (`reports`),
//! the one-shot chat's answer
//! (`chat`), the sign-in's address and the revocation (`sign_in`), the key ids (`key_ids`) and the
//! error (`error`). The rooms fill them and import them from these files, never through this one.
//!
//! Listed here but kept in their rooms: records saved as they are (a transaction or category in
//! the books, a sale's payment or card transaction, a bank account, line or import with what an
//! import did, the bank file readers and what they read, a sync log, chat message, webhook count or rejected attempt in the store, the data
//! lock's owner, the last Gemini test report, the webhook subscription, the settings), whose serde
//! is the store's versioned format; what a provider hands over (`Model`, `Location`); what the
//! store makes and reports (`BackupReport`, `SyncLogPage`); the webhook receiver's `Refusal` (its
//! HTTP answer, never serde); and the handle itself (`Engine`, `Call`, `Asked`, `Role`), which is
//! the engine's. A type a front end needs joins this list, never a front end's `use` of a room.

pub mod bank_standing;
pub mod books;
pub mod budget;
pub mod cashflow;
pub mod categorize;
pub mod chat;
pub(crate) mod error;
pub mod event;
pub mod key_ids;
pub mod mirror;
pub mod projection;
pub mod reconcile;
pub mod reports;
pub mod requests;
pub mod sign_in;
pub mod view;
pub mod webhooks;

pub use bank_standing::BankStandingView;
pub use books::{TodaysSales, TransactionPage};
pub use chat::Answer;
pub use error::{ApiError, ErrorKind};
pub use event::Event;
pub use key_ids::KeyIds;
pub use requests::{GeminiUpdate, MindbodyUpdate, SyncKind, SyncRequest};
pub use sign_in::{Revocation, SignIn};
pub use view::{Fact, Freshness, IntegrationView};
pub use webhooks::{RejectionSummary, WebhookEventPage, WebhookRow, WebhookSummary};

pub use crate::books::account_key::visible;
pub use crate::books::bank::account::{
    Balance, BankAccount, BankImport, BankLine, BankLinePart, Gap, StatementSummary,
};
/// The file itself is read where it is too, by whichever front end imports it, with the rules
/// kept for its account beside the config file; and the import is said in the same words by
/// both front ends.
pub use crate::books::bank::file::{FileError, KeptRules, StatementFile, load_rules};
pub use crate::books::bank::import::{ImportOptions, ImportSummary, ImportedFile};
/// Reading a bank file happens where the file is (the command line), so the readers, their
/// rules and the statement they make are part of the contract: the statement crosses the socket.
pub use crate::books::bank::statement::bounds as statement_bounds;
pub use crate::books::bank::words::{guess_words, summary_headline, summary_words};
pub use crate::books::bank::{
    CsvRules, Guess, ParsedStatement, ReadError, Reading, account::account_key, read_statement,
};
/// How an amount is written in its currency's minor digits (JSON carries amounts so).
pub use crate::books::currency;
pub use crate::books::payment::{CardTransaction, MethodKind, Payment, PaymentMethod};
pub use crate::books::{Category, Customer, Settlement, Transaction};
pub use crate::domain::{FrontEnd, NextStep, Provider, Status, SyncStatus, advice};
pub use crate::engine::handle::{Asked, Call, Engine};
pub use crate::engine::{Owner, Refusal, Role, WebhookCounts, WebhookState};
pub use crate::integrations::gemini::error::GeminiError;
pub use crate::integrations::gemini::explain::Explained;
pub use crate::integrations::gemini::models::{Alias, GeminiSettings};
pub use crate::integrations::gemini::report::TestReport;
pub use crate::integrations::gemini::types::Model;
pub use crate::integrations::mindbody::MindbodySettings;
pub use crate::integrations::mindbody::client::Location;
pub use crate::integrations::mindbody::webhooks::Subscription;
pub use crate::integrations::mindbody::webhooks::rejected::{PEER_LIMIT, PEER_WINDOW};
/// The longest request line the control socket reads (a chat question, settings, a month or two
/// of bank statement): part of the contract, so a front end can tell before it sends.
pub const REQUEST_LIMIT: u64 = 4 * 1024 * 1024;
pub use crate::store::backup::BackupReport;
pub use crate::store::budgets::Budget;
pub use crate::store::expected_inflows::ExpectedInflow;
pub use crate::store::rejections::RejectedAttempt;
pub use crate::store::{
    ChatMessage, ChatRole, Conversation, MessageState, RecordCounts, SyncLog, SyncLogPage,
    TokenUsage, ToolUse,
};
