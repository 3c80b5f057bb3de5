//! Reconciliation: Mindbody's sales matched to the bank lines that paid them.
//!
//! Mindbody's API has no payout, batch or fee data, so every match is inferred and offered as a
//! suggestion with a score and a reason in words; nothing is applied unseen. The model is the
//! bookkeeper's clearing account:
//! - [`clearing`] groups the settled card and ACH payments into *expected deposits*, one per
//!   merchant account and settlement day, and the cash and cheques into an *undeposited* pile;
//! - [`fees`] learns each merchant account's fee (a rate plus a fixed amount per payment) from the
//!   deposits themselves, or from the matches the user accepted;
//! - [`card`], [`cash`] and [`debits`] find the candidates for one bank line, each bounded by a
//!   date window and a budget, so no statement can make the search hang;
//! - [`suggest`] ranks them, gives each line its best candidate that no better line claimed, and
//!   says how sure it is;
//! - [`groups`] offers a line the batches and cash days it could pay, for a person to put its
//!   group together, and works out and checks the group they chose.
//!
//! [`service`] runs it in the engine over the store and saves the decisions; [`edit`] takes a
//! group a person put together ([`groups`] works it out); [`month`] closes a month; [`upkeep`]
//! keeps each account's [`standing`] (what the status glance shows) true.
//!
//! Everything else here is pure: the inputs are plain values, so it is measured and tested without a
//! store. Uses `books::calendar` and `books::currency`; nothing else.

pub mod card;
pub mod cash;
pub mod clearing;
pub mod debits;
pub mod edit;
pub mod fees;
pub mod groups;
pub mod inputs;
pub mod matched;
pub mod month;
pub mod naming;
pub mod service;
pub mod standing;
pub mod suggest;
pub mod upkeep;

pub use inputs::{BankEntry, CardPayment, CashTaking};
pub use suggest::{Candidate, Paid, Suggestion, Suggestions, suggest};
#[cfg(test)]
mod tests;
