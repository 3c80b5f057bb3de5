//! The seven screens. Each owns its state (`HubScreen`, `ChatScreen`, `TransactionsScreen`,
//! `EventsScreen`, `ReconcileScreen`, `ReportsScreen`, `CategorizeScreen`), its `update` (given a [`context::Context`], answering through an
//! [`context::Outbox`]), its view and its one key table (what its keys do, when, and how the
//! bottom bar and the help name them). The app routes keys to the open overlay, then to the
//! screen on show, then to its own table (quit, help, the palette, the screens 1-7); the
//! engine's events go to every screen that cares (`on_event`).

pub mod categorize;
pub mod chat;
pub mod context;
pub mod events;
pub mod hub;
pub mod reconcile;
pub mod reports;
pub mod transactions;
