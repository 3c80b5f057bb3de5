//! Mindbody's webhooks: the signature on each delivery, what a delivery says and what it becomes
//! in the books, receiving them (the inbox, the filer, the processor, the rejected attempts), and the
//! Webhooks API that manages the hub's subscription.

pub(crate) mod ceiling;
mod filer;
mod idle_priority;
pub mod inbox;
pub mod payload;
mod processor;
pub mod receiving;
pub mod rejected;
pub(crate) mod shown;
pub mod signature;
pub mod subscribing;
pub mod subscriptions;

pub use payload::{Delivery, DeliveryError};
pub use subscriptions::{Subscription, SubscriptionStatus, WebhooksClient, WebhooksError};

pub const DEFAULT_WEBHOOKS_URL: &str = "https://mb-api.mindbodyonline.com/push/api/v1";

/// The events the hub subscribes to unless told otherwise: sales, clients, and the changes of
/// members' contracts (which make the hub read their autopays again).
pub const DEFAULT_EVENTS: [&str; 6] = [
    "clientSale.created",
    "client.created",
    "client.updated",
    "clientContract.created",
    "clientContract.updated",
    "clientContract.cancelled",
];

/// The header a delivery's signature comes in.
pub const SIGNATURE_HEADER: &str = "X-Mindbody-Signature";
