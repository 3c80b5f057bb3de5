//! Chat with Gemini (`2`): its keys, what they and the streamed replies do, and how it is drawn.
//! The conversation's own state is `tui::chat::Chat`.

mod keys;
mod update;
pub(crate) mod view;

pub use keys::KEYS;
