//! Chat with Gemini (`2`): its state (the conversations, the open one rendered ahead, the
//! input box), its keys, what they and the streamed replies do, and how it is drawn.

mod keys;
mod state;
mod update;
pub(crate) mod view;

pub use keys::KEYS;
pub use state::{ChatFocus, ChatScreen, RetryWait, gemini_settings};
