//! Gemini: the one client that talks to the Generative Language API, how the API key is found,
//! the `fast` / `pro` model aliases, the test that sets the integration's status, the engine's
//! Gemini operations and the chat. Nothing else in the hub builds a Gemini request.

pub mod batch_reply;
pub mod books_tools;
pub mod categorize;
pub mod chat;
pub mod client;
pub mod error;
pub mod explain;
pub(crate) mod extras;
pub mod grounded;
pub mod key;
pub mod models;
pub mod operations;
pub mod report;
pub mod sse;
pub mod structured;
pub mod test;
pub mod tools;
pub mod types;

pub use client::GeminiClient;
pub use error::GeminiError;

/// The API as Google serves it; `[gemini] base_url` or `LEGION_HUB_GEMINI_BASE_URL` move it.
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta";
pub const BASE_URL_ENV: &str = "LEGION_HUB_GEMINI_BASE_URL";
