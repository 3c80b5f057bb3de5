//! The books: the records the integrations feed (transactions, customers, financial classes and
//! the category → class mapping), how their amounts are written by currency, and what the books
//! answer (`queries`). Reconciliation, categorization, reports and forecasts come here. The books
//! use the store and `text`; never an integration or a front end.

pub mod access;
pub mod account_key;
pub mod answers;
pub mod bank;
pub mod calendar;
pub mod categorize;
pub mod category;
pub mod currency;
pub mod customer;
pub mod forecast;
pub mod ledger;
pub mod mask;
pub mod payment;
pub mod queries;
pub mod reconcile;
pub mod reports;
pub mod transaction;

pub use account_key::AccountKey;
pub use category::Category;
pub use customer::{Customer, CustomerIndex, Match};
pub use transaction::{Settlement, Transaction, Upserted};
