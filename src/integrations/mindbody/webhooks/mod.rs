//! Mindbody's webhooks: the signature on each delivery, what a delivery says and what it becomes
//! in the books, receiving them (the inbox, the processor, the rejected attempts), and the
//! Webhooks API that manages the hub's subscription.

pub mod payload;
pub mod receiving;
pub mod rejected;
pub(crate) mod shown;
pub mod signature;
pub mod subscribing;
pub mod subscriptions;

pub use payload::{Delivery, DeliveryError};
pub use subscriptions::{Subscription, SubscriptionStatus, WebhooksClient, WebhooksError};

pub const DEFAULT_WEBHOOKS_URL: &str = "https://mb-api.mindbodyonline.com/push/api/v1";

/// The events the hub subscribes to unless told otherwise.
pub const DEFAULT_EVENTS: [&str; 3] = ["clientSale.created", "client.created", "client.updated"];

/// The header a delivery's signature comes in.
pub const SIGNATURE_HEADER: &str = "X-Mindbody-Signature";
