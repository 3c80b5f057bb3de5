//! The webhook events (`4`): the state, the keys, what they and the loaded pages do, and how it
//! is drawn.

mod keys;
mod state;
pub(crate) mod update;
pub(crate) mod view;

pub use keys::KEYS;
pub use state::{Events, EventsScreen};
