//! Reconciliation (`5`): a bank account's lines on the left, unmatched first, and on the right
//! what the selected line is taken to pay, with its reason and confidence. Enter accepts, `x`
//! rejects, `e` shows the next candidate, `u` undoes a match, `A` accepts every suggestion at
//! least as sure as the threshold (`+`/`-` move it), after a question. `i` imports a bank
//! statement into it ([`import`]).

pub mod import;
mod keys;
mod state;
pub(crate) mod update;
pub(crate) mod view;

pub use keys::{IMPORT_KEYS, KEYS};
pub use state::ReconcileScreen;
