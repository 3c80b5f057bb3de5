//! The providers the hub connects to. For now the catalog: what each integration is, whether it
//! can be used yet, and what to do when it is not healthy. Each provider gets a folder of its own
//! (client, oauth, sync, webhooks) as it is built; providers use the store, never the TUI.

pub mod catalog;
pub mod gemini;
pub mod mindbody;
