//! The books' records that providers feed: transactions, customers, financial classes and the
//! category → class mapping. Plain serde types; the store keeps them, the engine fills them.
//! And how their amounts are written, by currency.

pub mod account_key;
pub mod category;
pub mod currency;
pub mod customer;
pub mod transaction;

pub use account_key::AccountKey;
pub use category::Category;
pub use customer::{Customer, CustomerIndex, Match};
pub use transaction::{Settlement, Transaction, Upserted};
