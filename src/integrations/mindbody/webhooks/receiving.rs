//! Receiving Mindbody's webhooks. The receiver checks the signature; an attempt that fails is
//! counted and kept in a bounded ring ([`super::rejected`]), never stored whole. A verified
//! delivery goes to the *inbox* (bounded; full: 503, Mindbody delivers it again later), where
//! the deliveries store themselves in groups by group commit (one append and one fdatasync of
//! the inbox file for every delivery that came in during the previous write, see
//! [`super::inbox`]) and only then is each answered 2xx: durable before acknowledged, without a
//! sync per delivery. The *filer* thread ([`super::filer`]) files them into the webhook trees,
//! where Mindbody's retries are told apart, and a queue of stored events is worked off by the
//! *processor* thread ([`super::processor`]), which turns sales into (provisional) transactions
//! and client events into customers, in batches, in the receiver's lulls. A *notifier*
//! coalesces changes into at most ten `WebhooksChanged` events a second, so a burst does not
//! flood the dashboards.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;

use crate::api::event::Event;
use crate::api::webhooks::{WebhookEventPage, WebhookRow, WebhookSummary};
use crate::books::AccountKey;
use crate::books::{Customer, CustomerIndex};
use crate::domain::Provider;
use crate::engine::host::{Core, EngineError};
use crate::integrations::mindbody::mapping::{customer_of, is_provisional, sale_prefix};
use crate::integrations::mindbody::webhooks::filer::{self, Filer};
use crate::integrations::mindbody::webhooks::inbox::{Inbox, InboxHold};
use crate::integrations::mindbody::webhooks::payload::{
    CLIENT_CREATED, CLIENT_UPDATED, CONTRACT_CANCELLED, CONTRACT_CREATED, CONTRACT_UPDATED,
    Delivery, SALE_CREATED,
};
use crate::integrations::mindbody::webhooks::processor::{self, InFlight, Wake};
use crate::integrations::mindbody::webhooks::rejected::{Rejections, Verdict};
use crate::integrations::mindbody::webhooks::signature::{self, SignatureError};
use crate::secret::Secret;
use crate::store::rejections::RejectionReason;
use crate::store::webhooks::{LogEntry, WebhookEvent, WebhookState};

/// How many stored events one processing round takes in a lull.
pub(super) const PROCESS_BATCH: usize = 256;
/// How many verified deliveries may wait for the write running; past that the receiver answers
/// 503 and Mindbody delivers again later. The next write takes them all at once, so a full
/// inbox means the disk is slower than the deliveries, not that one write is late.
pub const INBOX_CAPACITY: usize = 1024;
/// What a 503 asks Mindbody (or a proxy) to wait before trying again.
pub const BUSY_RETRY_AFTER: Duration = Duration::from_secs(5);
/// How long a delivery waits to be stored before it is answered 503 (Mindbody waits about 10 s
/// and then delivers it again). A store that hangs (sled on a full or failing disk) must not
/// hang the receiver.
const STORE_PATIENCE: Duration = Duration::from_secs(5);
/// Dashboards hear about webhook changes at most this often.
const NOTIFY_EVERY: Duration = Duration::from_millis(100);

/// Why a delivery was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Signature(SignatureError),
    #[error(
        "no webhook subscription's signing key is saved: run `legion-hub webhooks subscribe --url URL`"
    )]
    NoKey,
    /// Could not be stored (disk full, ...): Mindbody will retry.
    #[error("{0}")]
    Store(String),
    /// This peer had too many attempts rejected lately: answered 429, counted, not kept.
    #[error("too many rejected attempts from this address; try again in {} s", retry_after.as_secs())]
    Throttled { retry_after: Duration },
    /// The inbox is full (the disk is slower than the deliveries): answered 503, not stored.
    #[error("the webhook inbox is full; deliver it again later")]
    Busy,
}

impl Refusal {
    /// How long the sender should wait before trying again, when it should.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Refusal::Throttled { retry_after } => Some(*retry_after),
            Refusal::Busy | Refusal::Store(_) => Some(BUSY_RETRY_AFTER),
            Refusal::Signature(_) | Refusal::NoKey => None,
        }
    }

    fn reason(&self) -> RejectionReason {
        match self {
            Refusal::Signature(SignatureError::Missing) => RejectionReason::NoSignature,
            Refusal::Signature(SignatureError::Malformed) => RejectionReason::MalformedSignature,
            Refusal::Signature(SignatureError::Mismatch) => RejectionReason::BadSignature,
            _ => RejectionReason::NoKey,
        }
    }
}

/// The running parts of the receiving side, started on first use.
pub(crate) struct Receiving {
    inbox: Arc<Inbox>,
    /// Deliveries between their arrival and their answer: processing waits while there are.
    in_flight: Arc<InFlight>,
    work: Arc<Wake>,
    dirty: Arc<Notify>,
    /// Deliveries answered 503 because the inbox was full, since this process started.
    inbox_full: AtomicU64,
}

impl Core {
    /// Checks, stores and queues one delivery from `peer` (who sent it, as far as the receiver
    /// can tell). Ok means it is on disk (or was already): answer 2xx. The signature is checked
    /// before anything is parsed; an attempt that fails it is only counted and kept in the ring.
    pub async fn receive_webhook(
        &self,
        signature_header: Option<&str>,
        body: &[u8],
        peer: Option<IpAddr>,
    ) -> Result<(), Refusal> {
        self.check_webhook(signature_header, body, peer)?;
        self.to_inbox(incoming_event(body)).await
    }

    /// Only the signature check of [`Core::receive_webhook`] (and the counting of an attempt
    /// that fails it): Ok says the delivery is Mindbody's, nothing is stored.
    pub fn check_webhook(
        &self,
        signature_header: Option<&str>,
        body: &[u8],
        peer: Option<IpAddr>,
    ) -> Result<(), Refusal> {
        let checked = match self
            .webhook_key()
            .map_err(|e| Refusal::Store(e.to_string()))?
        {
            None => Err(Refusal::NoKey),
            Some(key) => {
                signature::verify(key.expose(), signature_header, body).map_err(Refusal::Signature)
            }
        };
        if let Err(refusal) = checked {
            let rejections = self
                .rejections()
                .map_err(|e| Refusal::Store(e.to_string()))?;
            let core = self.clone();
            rejections.start_saving(move |rejections| rejections.save_now(&core.inner.store));
            let verdict = rejections.reject(refusal.reason(), peer);
            self.receiving().dirty.notify_one();
            return match verdict {
                Verdict::Kept => Err(refusal),
                Verdict::Throttled { retry_after } => Err(Refusal::Throttled { retry_after }),
            };
        }
        Ok(())
    }

    async fn to_inbox(&self, event: WebhookEvent) -> Result<(), Refusal> {
        let stopped = || Refusal::Store("the write storing this delivery stopped".to_string());
        let receiving = self.receiving();
        let _in_flight = receiving.in_flight.enter();
        let rx = receiving.inbox.join(self, event).map_err(|_full| {
            receiving.inbox_full.fetch_add(1, Ordering::Relaxed);
            Refusal::Busy
        })?;
        match tokio::time::timeout(STORE_PATIENCE, rx).await {
            Ok(answer) => answer.map_err(|_| stopped())?.map_err(Refusal::Store),
            Err(_) => {
                let message = "storing webhook deliveries takes longer than 5 s: is the disk full or failing? Deliveries are answered 503 so Mindbody sends them again; free space and restart legion-hub serve";
                tracing::error!("{message}");
                Err(Refusal::Store(message.to_string()))
            }
        }
    }

    /// The proxies whose `X-Forwarded-For` the receiver believes (`[server] trusted_proxies`).
    pub fn trusted_proxies(&self) -> &[IpAddr] {
        &self.inner.config.server.trusted_proxies
    }

    /// The rejections' counters, ring and per-peer limit, loaded once.
    fn rejections(&self) -> Result<Arc<Rejections>, EngineError> {
        let mut slot = self
            .mindbody()
            .rejections
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(rejections) = slot.as_ref() {
            return Ok(rejections.clone());
        }
        let rejections = Arc::new(Rejections::load(&self.inner.store)?);
        *slot = Some(rejections.clone());
        Ok(rejections)
    }

    /// Stops the inbox from storing until the returned hold is dropped, as a stalled disk
    /// would: deliveries queue up, and once the queue is full they are answered 503. For tests.
    #[doc(hidden)]
    pub fn hold_webhook_inbox(&self) -> InboxHold {
        self.receiving().inbox.hold()
    }

    /// Makes the inbox and starts the processor and the notifier once; events left unprocessed by an
    /// earlier run are worked off at once.
    pub(crate) fn receiving(&self) -> &Receiving {
        self.mindbody().receiving.get_or_init(|| {
            let work = Arc::new(Wake::default());
            let in_flight = Arc::new(InFlight::default());
            let dirty = Arc::new(Notify::new());
            let filer = Arc::new(Filer::default());
            let inbox = Arc::new(Inbox::new(
                self.mindbody().webhook_inbox_capacity,
                filer.clone(),
            ));
            filer::start(
                self.clone(),
                filer,
                in_flight.clone(),
                work.clone(),
                dirty.clone(),
            );
            processor::start(self.clone(), work.clone(), in_flight.clone(), dirty.clone());
            tokio::spawn(self.clone().run_notifier(dirty.clone()));
            Receiving {
                inbox,
                in_flight,
                work,
                dirty,
                inbox_full: AtomicU64::new(0),
            }
        })
    }

    async fn run_notifier(self, dirty: Arc<Notify>) {
        loop {
            dirty.notified().await;
            match self.webhook_summary() {
                Ok(summary) => self.emit(Event::WebhooksChanged(summary)),
                Err(e) => tracing::warn!("webhook summary: {e}"),
            }
            tokio::time::sleep(NOTIFY_EVERY).await;
        }
    }

    /// Processes one batch of at most `limit` stored events (on the processor's thread: it
    /// writes to disk); how many it took.
    pub(super) fn process_pending(&self, limit: usize) -> Result<usize, EngineError> {
        let store = &self.inner.store;
        let events = store.pending_webhooks(limit)?;
        if events.is_empty() {
            return Ok(0);
        }
        let mut applied = Applied::default();
        let mut done = Vec::with_capacity(events.len());
        let served = self.served_sites();
        for mut event in events {
            event.attempts += 1;
            event.processed_at = Some(Utc::now());
            let routed = match &served {
                Some(sites) if !sites.contains(&event.account) => Err(not_served(&event.account)),
                _ => self.apply(&event, &mut applied),
            };
            match routed {
                Ok((state, outcome)) => {
                    event.state = state;
                    event.outcome = Some(outcome);
                    event.error = None;
                }
                Err(error) => {
                    event.state = WebhookState::Failed;
                    event.error = Some(crate::text::one_line(&error));
                }
            }
            done.push(event);
        }
        // The books first, then the events' states: a crash between them processes the batch
        // again, and every write is an upsert.
        store.upsert_sales(&applied.transactions, &applied.payments, false)?;
        store.upsert_customers(&applied.customers)?;
        store.finish_webhooks(Provider::Mindbody, &done)?;
        if !applied.transactions.is_empty() || !applied.customers.is_empty() {
            self.invalidate_transactions();
        }
        Ok(done.len())
    }

    /// The sites whose deliveries are applied: the first site and the chain's further ones.
    /// None while no site is configured: a delivery is then applied under the site it names.
    fn served_sites(&self) -> Option<Vec<String>> {
        let first = self.at_site(None).mindbody_settings().ok()?.site_id?;
        let mut sites = self.mindbody_sites().unwrap_or_default();
        sites.push(first);
        Some(sites)
    }

    /// What one event does to the books (added to `applied`), and what to say about it.
    fn apply(
        &self,
        event: &WebhookEvent,
        applied: &mut Applied,
    ) -> Result<(WebhookState, String), String> {
        let delivery = Delivery::parse(event.body.as_bytes()).map_err(|e| e.to_string())?;
        match delivery.event_id.as_str() {
            SALE_CREATED => {
                let sale = delivery.sale().map_err(|e| e.to_string())?;
                let site = event_site(event)?;
                let prefix = sale_prefix(&site, sale.sale_id);
                let known = self
                    .inner
                    .store
                    .transaction_keys_with_prefix(&prefix)
                    .map_err(|e| e.to_string())?;
                if known.iter().any(|k| !is_provisional(k)) {
                    return Ok((
                        WebhookState::Processed,
                        format!("sale {} already in the books from a sync", sale.sale_id),
                    ));
                }
                let transactions = sale.transactions(&site, event.received_at);
                let outcome = format!(
                    "sale {}: {} item{}, {} (provisional until the next sync)",
                    sale.sale_id,
                    transactions.len(),
                    if transactions.len() == 1 { "" } else { "s" },
                    crate::format::money_in(
                        sale.total_amount_paid,
                        transactions.first().map_or("", |t| t.currency.as_str())
                    )
                );
                applied.transactions.extend(transactions);
                applied.payments.push(sale.payments(&site));
                Ok((WebhookState::Processed, outcome))
            }
            CLIENT_CREATED | CLIENT_UPDATED => {
                let change = delivery.client().map_err(|e| e.to_string())?;
                let stamp = delivery.originated_local();
                let (index, existing) = applied.customers_context(self)?;
                let stored = index
                    .linked(&change.client_id)
                    .and_then(|key| existing.get(key));
                // Mindbody delivers out of order (and retries for hours): a change older than
                // the copy in the books is kept in the log, not applied.
                if let Some(stored) = stored.filter(|s| s.newer_than(stamp)) {
                    return Ok((WebhookState::Processed, stale(stored, stamp)));
                }
                let client = change.onto(stored, stamp);
                let customer = Customer {
                    modified_by: Some(format!("{} {}", delivery.event_id, delivery.message_id)),
                    ..crate::books::ledger::matched(
                        customer_of(&event_site(event)?, &client),
                        index,
                        existing,
                    )
                };
                index.add(&customer);
                existing.insert(customer.key.clone(), customer.clone());
                let outcome = format!(
                    "customer {} {} saved",
                    customer.first_name, customer.last_name
                );
                applied.customers.push(customer);
                Ok((WebhookState::Processed, outcome))
            }
            CONTRACT_CREATED | CONTRACT_UPDATED | CONTRACT_CANCELLED => {
                let change = delivery.contract().map_err(|e| e.to_string())?;
                let client = change
                    .client_id
                    .filter(|c| !c.trim().is_empty())
                    .ok_or("the event names no client")?;
                let client = crate::text::one_line_within(&client, 40);
                self.note_contract_changed(&event_site(event)?, &client)
                    .map_err(|e| e.to_string())?;
                Ok((
                    WebhookState::Processed,
                    format!("client {client}'s contracts will be read again"),
                ))
            }
            other => Ok((
                WebhookState::Ignored,
                format!("kept; legion-hub does not act on {other} events"),
            )),
        }
    }

    /// Puts failed events back on the queue.
    pub fn retry_webhook_events(&self) -> Result<usize, EngineError> {
        let n = self
            .inner
            .store
            .requeue_failed_webhooks(Provider::Mindbody)?;
        if n > 0 {
            let receiving = self.receiving();
            receiving.work.notify();
            receiving.dirty.notify_one();
        }
        Ok(n)
    }

    pub fn webhook_summary(&self) -> Result<WebhookSummary, EngineError> {
        let mut counts = self.inner.store.webhook_counts(Provider::Mindbody)?;
        // Answered and on disk, not filed into the trees yet: waiting as much as the queued.
        let unfiled = self.inner.store.webhook_deliveries_unfiled()?;
        let rejections = Box::new(self.rejections()?.summary());
        counts.rejected = rejections.total;
        Ok(WebhookSummary {
            rejections,
            inbox_full: self
                .mindbody()
                .receiving
                .get()
                .map_or(0, |r| r.inbox_full.load(Ordering::Relaxed)),
            pending: counts
                .received
                .saturating_sub(counts.processed + counts.failed + counts.ignored)
                + unfiled,
            counts,
            subscription: self.stored_subscription()?,
            listening_on: self
                .mindbody()
                .webhook_address
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        })
    }

    pub fn webhook_events(
        &self,
        offset: u64,
        limit: usize,
    ) -> Result<WebhookEventPage, EngineError> {
        let store = &self.inner.store;
        let (total, entries) = store.webhook_log_page(offset, limit)?;
        let mut rows = Vec::with_capacity(entries.len());
        for (seq, entry) in entries {
            rows.push(match entry {
                LogEntry::Received { key } => match store.webhook_event(&key)? {
                    Some(event) => row_of(seq, "received", event.received_at, &event),
                    None => continue,
                },
                LogEntry::Duplicate { key, at } => match store.webhook_event(&key)? {
                    Some(event) => WebhookRow {
                        detail: "already received: stored and processed once".into(),
                        state: None,
                        ..row_of(seq, "duplicate", at, &event)
                    },
                    None => continue,
                },
                // Moved out when the database is opened; shown cut as the ring keeps it.
                LogEntry::Rejected(rejection) => WebhookRow {
                    seq,
                    at: rejection.at,
                    kind: "rejected".into(),
                    event_type: String::new(),
                    message_id: String::new(),
                    state: None,
                    detail: crate::text::one_line(
                        &rejection.reason.chars().take(200).collect::<String>(),
                    ),
                },
            });
        }
        Ok(WebhookEventPage {
            total,
            offset,
            rows,
        })
    }

    /// The sealed signing key of the subscription, read once and kept.
    fn webhook_key(&self) -> Result<Option<Secret>, EngineError> {
        let mut cached = self
            .mindbody()
            .webhook_key
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        let key = self
            .mindbody_secret(crate::integrations::mindbody::webhooks::subscribing::SIGNATURE_KEY)?;
        *cached = Some(key.clone());
        Ok(key)
    }

    /// Forgets the cached key (a subscription was made or deleted).
    pub(crate) fn reload_webhook_key(&self) {
        *self
            .mindbody()
            .webhook_key
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Says where the receiver listens (shown in the hub and the events pane).
    pub fn set_webhook_address(&self, address: Option<String>) {
        *self
            .mindbody()
            .webhook_address
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = address;
        self.receiving().dirty.notify_one();
    }
}

/// What the log says of a client event older than the books' copy.
fn stale(stored: &Customer, stamp: Option<chrono::NaiveDateTime>) -> String {
    let when = |t: Option<chrono::NaiveDateTime>| {
        t.map_or("unstamped".to_string(), |t| t.format("%F %T").to_string())
    };
    format!(
        "customer {} kept as it is: this change ({}) is older than the one in the books ({}, from {})",
        stored.full_name(),
        when(stamp),
        when(stored.modified_at),
        stored.modified_by.as_deref().unwrap_or("an earlier run")
    )
}

fn row_of(seq: u64, kind: &str, at: chrono::DateTime<Utc>, event: &WebhookEvent) -> WebhookRow {
    WebhookRow {
        seq,
        at,
        kind: kind.into(),
        event_type: event.event_type.clone(),
        message_id: event.message_id.clone(),
        state: Some(event.state),
        detail: event
            .error
            .clone()
            .or_else(|| event.outcome.clone())
            .unwrap_or_default(),
    }
}

/// Why a delivery of a site the hub does not serve is kept but not applied (a chain's site
/// not added yet, or a subscription shared with studios that are not this hub's).
fn not_served(site: &str) -> String {
    format!(
        "Mindbody site {site} is not one of this hub's sites: kept, not applied; to take it into the books, add the site (`legion-hub mindbody add-site {site}`) and retry the failed deliveries (`legion-hub webhooks retry`)"
    )
}

/// The site an event's records belong to (the one it was stored under).
fn event_site(event: &WebhookEvent) -> Result<AccountKey, String> {
    AccountKey::new(event.provider, &event.account).map_err(|e| e.to_string())
}

/// A verified body as a stored event. One that is not even an envelope is kept too (keyed by
/// its hash, so a retry of it is still a duplicate) and fails in processing, visibly. Its
/// account is the site the event names; one that names none is given the configured site when
/// it is stored ([`with_site`]).
fn incoming_event(body: &[u8]) -> WebhookEvent {
    let (message_id, event_type, site) = match Delivery::parse(body) {
        Ok(delivery) => {
            let site = delivery
                .site_id()
                .filter(|site| AccountKey::new(Provider::Mindbody, site).is_ok());
            (delivery.message_id, delivery.event_id, site)
        }
        Err(_) => (body_digest(body), "unreadable".to_string(), None),
    };
    WebhookEvent::received(
        Provider::Mindbody,
        site.unwrap_or_default(),
        crate::text::one_line(&message_id),
        crate::text::one_line(&event_type),
        String::from_utf8_lossy(body).into_owned(),
    )
}

fn body_digest(body: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    format!("sha256-{}", crate::encoding::base64_url(&digest[..12]))
}

/// What a batch of events adds to the books.
#[derive(Default)]
struct Applied {
    transactions: Vec<crate::books::Transaction>,
    payments: Vec<crate::books::payment::SalePayments>,
    customers: Vec<Customer>,
    /// Loaded the first time a client event needs it.
    customer_index: Option<(CustomerIndex, HashMap<String, Customer>)>,
}

impl Applied {
    fn customers_context(
        &mut self,
        core: &Core,
    ) -> Result<(&mut CustomerIndex, &mut HashMap<String, Customer>), String> {
        if self.customer_index.is_none() {
            let existing: HashMap<String, Customer> = core
                .inner
                .store
                .customers()
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|c| (c.key.clone(), c))
                .collect();
            self.customer_index = Some((CustomerIndex::new(existing.values()), existing));
        }
        let (index, existing) = self.customer_index.as_mut().expect("just loaded");
        Ok((index, existing))
    }
}
