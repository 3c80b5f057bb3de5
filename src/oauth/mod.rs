//! The native-app OAuth 2.0 authorization-code flow with PKCE, for any provider (Mindbody now;
//! Stripe and GoCardless later): the authorize URL with a fresh `state`, a loopback listener on
//! the redirect URI, the paste-back path for SSH sessions, and the token requests (through
//! oauth2, over the hub's own reqwest client).

pub mod browser;
pub mod callback;
pub mod client;
pub mod error;
pub mod flow;
pub mod listener;
pub mod revocation;

pub use error::OAuthError;
pub use revocation::Revocation;
