//! The services the hub connects to, one room each: `gemini/` and `mindbody/` own their client,
//! types, connection, sync, webhooks and their share of the engine's state (the engine hosts
//! them). `catalog` says what each integration is, whether it can be used yet, and what to do when
//! it is not healthy; Stripe and GoCardless are catalog entries until they are built. Rooms here
//! use the books, oauth, the store and `text`; never a front end.

pub mod catalog;
pub mod gemini;
pub mod mindbody;
