//! The four screens. Each declares its one key table here (what its keys do, when, and how the
//! bottom bar and the help name them); the app routes keys to the open overlay, then to the
//! screen on show, then to its own table (quit, help, the palette, the screens 1-4).

pub mod chat;
pub mod events;
pub mod hub;
pub mod transactions;
