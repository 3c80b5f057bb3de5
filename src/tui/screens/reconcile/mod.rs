//! Reconciliation (`5`): a bank account's lines on the left, unmatched first, and on the right
//! what the selected line is taken to pay, with its reason and confidence. Enter accepts, `x`
//! rejects, `e` puts the line's group together by hand ([`group`]), `n` shows the next
//! candidate, `u` undoes a match, `A` accepts every suggestion at least as sure as the threshold
//! (`+`/`-` move it), after a question. `i` imports a bank statement into it ([`import`]).

pub(crate) mod group;
pub(crate) mod group_view;
pub mod import;
mod keys;
mod state;
pub(crate) mod update;
pub(crate) mod view;

pub use group::GroupEdit;
pub use keys::{GROUP_KEYS, IMPORT_KEYS, KEYS};
pub use state::ReconcileScreen;
