//! The hub (`1`): the integrations table, the selected one's detail and its sync history; its
//! keys, what they and the engine's answers do, and how it is drawn.

pub mod detail;
pub mod history;
mod keys;
pub(crate) mod update;
pub(crate) mod view;

pub use keys::KEYS;
pub use update::ConnectView;
