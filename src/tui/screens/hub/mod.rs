//! The hub (`1`): the integrations table, the selected one's detail and its sync history; its
//! state, keys, what they and the engine's answers do, and how it is drawn. The settings form
//! and the sign-in overlay open from here.

pub mod detail;
pub mod history;
mod keys;
pub(crate) mod settings;
mod sign_in;
mod state;
pub(crate) mod update;
pub(crate) mod view;

pub use keys::KEYS;
pub use sign_in::ConnectView;
pub use state::{History, HubScreen, Pane};
