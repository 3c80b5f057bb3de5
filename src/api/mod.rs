//! The contract between the core and its front ends (the dashboard, the commands, another process
//! over the control socket): the handle and its calls, the events, the views and records they
//! carry, and the typed error. Everything here is serde, so a call, its reply and an error read the
//! same here and across the socket. Front ends import this module and nothing else of the core.
//!
//! The types are defined in the room that makes them (a sync log in the store, a transaction in
//! the books, a test report in `integrations/gemini`) and listed here; a type a front end needs
//! joins this list, never a front end's `use` of a room.

pub mod books;
pub mod chat;
pub(crate) mod error;
pub mod event;
pub mod key_ids;
pub mod requests;
pub mod sign_in;
pub mod view;
pub mod webhooks;

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
/// How an amount is written in its currency's minor digits (JSON carries amounts so).
pub use crate::books::currency;
pub use crate::books::{Category, Customer, Settlement, Transaction};
pub use crate::domain::{FrontEnd, NextStep, Provider, Status, SyncStatus, advice};
pub use crate::engine::handle::{Asked, Call, Engine};
pub use crate::engine::{Owner, Refusal, Role, WebhookCounts, WebhookState};
pub use crate::integrations::gemini::error::GeminiError;
pub use crate::integrations::gemini::models::{Alias, GeminiSettings};
pub use crate::integrations::gemini::report::TestReport;
pub use crate::integrations::gemini::types::Model;
pub use crate::integrations::mindbody::MindbodySettings;
pub use crate::integrations::mindbody::client::Location;
pub use crate::integrations::mindbody::webhooks::Subscription;
pub use crate::integrations::mindbody::webhooks::rejected::{PEER_LIMIT, PEER_WINDOW};
pub use crate::store::backup::BackupReport;
pub use crate::store::rejections::RejectedAttempt;
pub use crate::store::{
    ChatMessage, ChatRole, Conversation, MessageState, RecordCounts, SyncLog, SyncLogPage,
    TokenUsage,
};
