//! Mindbody: its settings, the OAuth application it is (scopes, `subscriberId`), the Public API
//! client, the sign-in and tokens (`connect`; the flow itself is the general one in `oauth/`), how
//! its records map into the books, its sync and its webhooks.

pub mod call_counters;
pub mod catch_up;
pub mod client;
pub mod connect;
pub mod contract_reads;
pub mod contracts;
pub(crate) mod extras;
pub mod locations;
pub mod mapping;
pub mod schedule;
pub mod schedule_facts;
pub mod settings;
pub(crate) mod site_list;
pub mod sites;
pub(crate) mod state;
pub mod sync;
pub mod sync_calls;
pub mod types;
pub mod webhooks;

pub use client::{MindbodyClient, MindbodyError};
pub use settings::{MindbodyEndpoints, MindbodySettings};

/// The scopes Mindbody's Public API needs, with `offline_access` for a refresh token.
pub const SCOPES: [&str; 5] = [
    "email",
    "profile",
    "openid",
    "offline_access",
    "Mindbody.Api.Public.v6",
];
/// The redirect URI the Legion Finance app already registered with Mindbody.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:3000/api/integrations/mindbody/callback";
pub const DEFAULT_AUTHORIZE_URL: &str = "https://signin.mindbodyonline.com/connect/authorize";
pub const DEFAULT_TOKEN_URL: &str = "https://signin.mindbodyonline.com/connect/token";
/// Where Mindbody's identity server revokes tokens (RFC 7009).
pub const DEFAULT_REVOCATION_URL: &str = "https://signin.mindbodyonline.com/connect/revocation";
pub const DEFAULT_API_URL: &str = "https://api.mindbodyonline.com/public/v6";
/// Credentials entries.
pub const API_KEY: &str = "api_key";
pub const CLIENT_SECRET: &str = "client_secret";
