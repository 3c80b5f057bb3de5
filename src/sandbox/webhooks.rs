//! Mindbody's push side, faked: the Webhooks API (subscriptions, with the `HEAD` check of the URL
//! at creation and the `messageSignatureKey` returned only then) and the sender that posts
//! signed deliveries in the reference shape to the active subscriptions, at a chosen rate, with
//! duplicates, bad signatures and out-of-order deliveries on demand. Like Mindbody, it can
//! deactivate a subscription whose deliveries keep failing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{NaiveDateTime, Utc};
use rand::RngCore;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::mindbody::{SANDBOX_API_KEY, SANDBOX_SITE_ID};
use crate::integrations::mindbody::webhooks::signature;

/// A sale as the sender announces it (the studio has it too, so a sync finds the same one).
#[derive(Debug, Clone, PartialEq)]
pub struct SaleNotice {
    pub sale_id: i64,
    /// Studio-local, as the v6 API reports it.
    pub at: NaiveDateTime,
    pub client_id: String,
    pub total: Decimal,
    pub item_id: i64,
    pub item_name: String,
}

/// How to send a burst.
#[derive(Debug, Clone, Default)]
pub struct SendPlan {
    /// Deliveries per second in all; 0 sends as fast as the receiver answers.
    pub rate: u32,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// Every n-th delivery is sent a second time (Mindbody's retry after a lost answer).
    pub duplicate_every: Option<u64>,
    /// Every n-th delivery carries a signature made with another key.
    pub bad_signature_every: Option<u64>,
    /// Deliver in a shuffled order.
    pub out_of_order: bool,
}

/// What a burst did.
#[derive(Debug, Clone, Default)]
pub struct SendReport {
    pub sent: u64,
    /// Answered 2xx: Mindbody considers these delivered.
    pub acknowledged: Vec<String>,
    pub rejected: u64,
    /// No answer, or a 5xx.
    pub failed: u64,
    /// Time to the answer of each delivery that got one.
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
struct StoredSubscription {
    value: Value,
    key: String,
    failures: u64,
}

struct WebhooksState {
    subscriptions: Mutex<HashMap<String, StoredSubscription>>,
    http: reqwest::Client,
    next_message: AtomicU64,
    /// Consecutive failed deliveries after which a subscription is deactivated.
    failure_limit: AtomicU64,
    /// Deliveries answered 2xx since the sandbox started, counted as each answer comes: a test
    /// that must act mid-burst watches this (the hub's own counts lag behind by its filing).
    acknowledged: AtomicU64,
}

/// A running Webhooks API fake and sender. Stops when dropped.
pub struct WebhooksSandbox {
    addr: SocketAddr,
    state: Arc<WebhooksState>,
    stop: CancellationToken,
}

impl Drop for WebhooksSandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl WebhooksSandbox {
    pub async fn start() -> std::io::Result<WebhooksSandbox> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(WebhooksState {
            subscriptions: Mutex::new(HashMap::new()),
            http: crate::http::client(),
            next_message: AtomicU64::new(1),
            failure_limit: AtomicU64::new(u64::MAX),
            acknowledged: AtomicU64::new(0),
        });
        let app = Router::new()
            .route(
                "/push/api/v1/subscriptions",
                get(list_subscriptions).post(create_subscription),
            )
            .route(
                "/push/api/v1/subscriptions/{id}",
                get(get_subscription)
                    .patch(patch_subscription)
                    .delete(delete_subscription),
            )
            .with_state(state.clone());
        let stop = super::serve(listener, app);
        Ok(WebhooksSandbox { addr, state, stop })
    }

    /// The Webhooks API base, as `LEGION_HUB_MINDBODY_WEBHOOKS_URL` takes it.
    pub fn url(&self) -> String {
        format!("http://{}/push/api/v1", self.addr)
    }

    /// Deliveries answered 2xx so far, by every burst this sandbox has sent.
    pub fn acknowledged_so_far(&self) -> u64 {
        self.state.acknowledged.load(Ordering::Relaxed)
    }

    /// After this many failed deliveries in a row a subscription is deactivated, as Mindbody does
    /// after three hours of failures.
    pub fn set_failure_limit(&self, limit: u64) {
        self.state.failure_limit.store(limit, Ordering::Relaxed);
    }

    /// Deactivates every subscription as Mindbody would after failed deliveries.
    pub fn deactivate_all(&self) {
        let mut subs = self
            .state
            .subscriptions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for sub in subs.values_mut() {
            deactivate(sub);
        }
    }

    /// Active subscriptions: (url, signing key).
    fn targets(&self) -> Vec<(String, String)> {
        self.state
            .subscriptions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|s| s.value["status"] == "Active")
            .map(|s| {
                (
                    s.value["webhookUrl"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    s.key.clone(),
                )
            })
            .collect()
    }

    /// A fresh message id, unique within this sandbox.
    pub fn message_id(&self) -> String {
        let n = self.state.next_message.fetch_add(1, Ordering::Relaxed);
        format!("SBX{n:010}")
    }

    /// A delivery's raw body: `event` with its `eventData`, under a fresh message id.
    fn delivery(&self, event: &str, data: Value) -> Vec<u8> {
        let body = json!({
            "messageId": self.message_id(),
            "eventId": event,
            "eventSchemaVersion": 1,
            "eventInstanceOriginationDateTime": Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "eventData": data
        });
        serde_json::to_vec(&body).expect("json")
    }

    /// The raw body of a `clientSale.created` delivery for `sale`, at site `-99`.
    pub fn sale_body(&self, sale: &SaleNotice) -> Vec<u8> {
        self.sale_body_at(SANDBOX_SITE_ID, sale)
    }

    /// The raw body of a `clientSale.created` delivery for `sale`, made at site `site`.
    pub fn sale_body_at(&self, site: &str, sale: &SaleNotice) -> Vec<u8> {
        let at_utc = sale
            .at
            .and_local_timezone(chrono::Local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(Utc::now);
        let total: f64 = sale.total.try_into().unwrap_or_default();
        self.delivery(
            "clientSale.created",
            json!({
                "siteId": site_id(site),
                "saleId": sale.sale_id,
                "purchasingClientId": sale.client_id,
                "payments": [{"paymentId": sale.sale_id, "paymentMethodId": 1, "paymentMethodName": "Cash", "paymentAmountPaid": total, "paymentLastFour": null, "paymentNotes": null}],
                "saleDateTime": at_utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "soldById": 100000002,
                "soldByName": "Front Desk",
                "locationId": 1,
                "totalAmountPaid": total,
                "items": [{"itemId": sale.item_id, "type": "Service", "name": sale.item_name, "amountPaid": total, "amountDiscounted": 0.0, "quantity": 1, "recipientClientId": sale.client_id, "paymentReferenceId": sale.sale_id}]
            }),
        )
    }

    /// The raw body of a `client.created` or `client.updated` delivery, at site `-99`.
    pub fn client_body(
        &self,
        event: &str,
        id: &str,
        first: &str,
        last: &str,
        email: &str,
    ) -> Vec<u8> {
        self.client_body_at(SANDBOX_SITE_ID, event, id, first, last, email)
    }

    /// The raw body of a `client.created` or `client.updated` delivery of site `site`.
    pub fn client_body_at(
        &self,
        site: &str,
        event: &str,
        id: &str,
        first: &str,
        last: &str,
        email: &str,
    ) -> Vec<u8> {
        self.delivery(
            event,
            json!({"siteId": site_id(site), "clientId": id, "clientUniqueId": id.parse::<i64>().unwrap_or_default(), "firstName": first, "lastName": last, "email": email, "mobilePhone": null, "status": "Active"}),
        )
    }

    /// The raw body of a `clientContract.created`, `.updated` or `.cancelled` delivery for a
    /// member's contract (`studio/contracts.rs`), at site `-99`.
    pub fn contract_body(
        &self,
        event: &str,
        contract: &super::studio::contracts::Membership,
    ) -> Vec<u8> {
        self.contract_body_at(SANDBOX_SITE_ID, event, contract)
    }

    /// The raw body of a contract delivery of site `site`.
    pub fn contract_body_at(
        &self,
        site: &str,
        event: &str,
        contract: &super::studio::contracts::Membership,
    ) -> Vec<u8> {
        let stamp = |d: chrono::NaiveDateTime| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        self.delivery(
            event,
            json!({
                "siteId": site_id(site),
                "agreementDateTime": stamp(contract.agreement.and_time(chrono::NaiveTime::MIN)),
                "clientId": contract.client_id,
                "clientUniqueId": contract.client_id.parse::<i64>().unwrap_or_default(),
                "contractSoldByStaffId": 100000002,
                "contractOriginationLocation": 1,
                "contractId": contract.contract_id,
                "contractName": contract.name,
                "clientContractId": contract.client_contract_id,
                "contractStartDate": stamp(contract.agreement.and_time(chrono::NaiveTime::MIN)),
                "contractEndDate": contract.terminated_at.map(stamp),
                "isAutoRenewing": contract.terminated_at.is_none()
            }),
        )
    }

    /// Delivers `bodies` to every active subscription as the plan says; returns what happened.
    pub async fn send(&self, bodies: Vec<Vec<u8>>, plan: &SendPlan) -> SendReport {
        let mut deliveries: Vec<(String, Vec<u8>, String, String)> = Vec::new();
        for (url, key) in self.targets() {
            for (n, body) in bodies.iter().enumerate() {
                let n = n as u64 + 1;
                let signed_with = if plan
                    .bad_signature_every
                    .is_some_and(|k| n.is_multiple_of(k))
                {
                    "not-the-subscription-key".to_string()
                } else {
                    key.clone()
                };
                let id = message_id_of(body);
                let header = signature::sign(&signed_with, body);
                deliveries.push((url.clone(), body.clone(), header.clone(), id.clone()));
                if plan.duplicate_every.is_some_and(|k| n.is_multiple_of(k)) {
                    deliveries.push((url.clone(), body.clone(), header, id));
                }
            }
        }
        if plan.out_of_order {
            shuffle(&mut deliveries);
        }
        let started = Instant::now();
        let concurrency = plan.concurrency.max(1);
        let interval = (plan.rate > 0).then(|| Duration::from_secs_f64(1.0 / plan.rate as f64));
        let queue = Arc::new(Mutex::new(deliveries.into_iter().enumerate()));
        let report = Arc::new(Mutex::new(SendReport::default()));
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let (queue, report, state) = (queue.clone(), report.clone(), self.state.clone());
            workers.push(tokio::spawn(async move {
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((i, (url, body, header, id))) = next else {
                        break;
                    };
                    if let Some(every) = interval {
                        let due = started + every * i as u32;
                        tokio::time::sleep_until(due.into()).await;
                    }
                    let sent_at = Instant::now();
                    let outcome = state
                        .http
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .header("X-Mindbody-Signature", header)
                        .body(body)
                        .send()
                        .await;
                    let took = sent_at.elapsed();
                    let mut report = report.lock().unwrap_or_else(|e| e.into_inner());
                    report.sent += 1;
                    match outcome.map(|r| r.status()) {
                        Ok(status) if status.is_success() => {
                            report.acknowledged.push(id);
                            report.latencies.push(took);
                            state.delivered(&url, true);
                        }
                        Ok(status) if status.is_client_error() => {
                            report.rejected += 1;
                            report.latencies.push(took);
                        }
                        _ => {
                            report.failed += 1;
                            state.delivered(&url, false);
                        }
                    }
                }
            }));
        }
        for worker in workers {
            let _ = worker.await;
        }
        let mut report = report.lock().unwrap_or_else(|e| e.into_inner()).clone();
        report.elapsed = started.elapsed();
        report
    }
}

impl WebhooksState {
    /// Counts failures per subscription URL; too many in a row deactivate it.
    fn delivered(&self, url: &str, ok: bool) {
        if ok {
            self.acknowledged.fetch_add(1, Ordering::Relaxed);
        }
        let limit = self.failure_limit.load(Ordering::Relaxed);
        let mut subs = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        for sub in subs.values_mut().filter(|s| s.value["webhookUrl"] == url) {
            sub.failures = if ok { 0 } else { sub.failures + 1 };
            if sub.failures >= limit {
                deactivate(sub);
            }
        }
    }
}

fn deactivate(sub: &mut StoredSubscription) {
    sub.value["status"] = json!("DeactivatedTooManyFailedMessageDeliveryAttempts");
    sub.value["statusChangeMessage"] =
        json!("Deliveries failed for 3 hours; reactivate the subscription once the URL works.");
    sub.value["statusChangeDate"] = json!(Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
}

/// A site id as deliveries carry it, a number; one that is not a number (a test's hostile
/// delivery) goes as the text it is.
fn site_id(site: &str) -> Value {
    site.trim()
        .parse::<i64>()
        .map_or_else(|_| json!(site), |id| json!(id))
}

fn message_id_of(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["messageId"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn shuffle<T>(items: &mut [T]) {
    let mut rng = rand::thread_rng();
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

fn push_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"errorInformation": [{"errorCode": status.as_u16(), "errorMessage": message, "errorType": "sandbox"}], "isSuccess": false})),
    )
        .into_response()
}

/// The refusal to send when the `API-Key` header is wrong.
fn unauthorized(headers: &HeaderMap) -> Option<Response> {
    match headers.get("API-Key").and_then(|v| v.to_str().ok()) {
        Some(key) if key == SANDBOX_API_KEY => None,
        _ => Some(push_error(StatusCode::UNAUTHORIZED, "Invalid API key.")),
    }
}

async fn create_subscription(
    State(state): State<Arc<WebhooksState>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = unauthorized(&headers) {
        return refused;
    }
    let Some(url) = body["webhookUrl"].as_str().map(str::to_string) else {
        return push_error(StatusCode::BAD_REQUEST, "webhookUrl is required.");
    };
    // Mindbody checks the URL before it accepts the subscription.
    let check = state.http.head(&url).send().await;
    if !matches!(&check, Ok(r) if r.status() == StatusCode::OK) {
        return push_error(
            StatusCode::BAD_REQUEST,
            &format!("The webhook URL {url} did not answer HEAD with 200."),
        );
    }
    let id = format!("{:032x}", rand::thread_rng().next_u64() as u128 * 7919);
    let mut key_bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key_bytes);
    let key = crate::encoding::base64(&key_bytes);
    let now = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let value = json!({
        "subscriptionId": id,
        "status": "PendingActivation",
        "subscriptionCreationDateTime": now,
        "statusChangeDate": now,
        "statusChangeMessage": null,
        "statusChangeUser": "Sandbox",
        "eventIds": body["eventIds"],
        "eventSchemaVersion": 1,
        "referenceId": body["referenceId"],
        "webhookUrl": url,
    });
    state
        .subscriptions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            id,
            StoredSubscription {
                value: value.clone(),
                key: key.clone(),
                failures: 0,
            },
        );
    let mut reply = value;
    reply["messageSignatureKey"] = json!(key);
    Json(reply).into_response()
}

async fn list_subscriptions(
    State(state): State<Arc<WebhooksState>>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = unauthorized(&headers) {
        return refused;
    }
    let items: Vec<Value> = state
        .subscriptions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .map(|s| s.value.clone())
        .collect();
    Json(json!({ "items": items })).into_response()
}

async fn get_subscription(
    State(state): State<Arc<WebhooksState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = unauthorized(&headers) {
        return refused;
    }
    match state
        .subscriptions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
    {
        Some(sub) => Json(sub.value.clone()).into_response(),
        None => push_error(StatusCode::NOT_FOUND, "Subscription not found."),
    }
}

async fn patch_subscription(
    State(state): State<Arc<WebhooksState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = unauthorized(&headers) {
        return refused;
    }
    let mut subs = state
        .subscriptions
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let Some(sub) = subs.get_mut(&id) else {
        return push_error(StatusCode::NOT_FOUND, "Subscription not found.");
    };
    for field in ["status", "webhookUrl", "eventIds", "referenceId"] {
        if !body[field].is_null() {
            sub.value[field] = body[field].clone();
        }
    }
    if !body["status"].is_null() {
        sub.failures = 0;
        sub.value["statusChangeDate"] = json!(Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
        sub.value["statusChangeMessage"] = Value::Null;
    }
    Json(sub.value.clone()).into_response()
}

async fn delete_subscription(
    State(state): State<Arc<WebhooksState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = unauthorized(&headers) {
        return refused;
    }
    match state
        .subscriptions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id)
    {
        Some(sub) => Json(json!({
            "subscriptionId": id,
            "referenceId": sub.value["referenceId"],
            "deactivationDateTime": Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "message": "Subscription deactivated successfully."
        }))
        .into_response(),
        None => push_error(StatusCode::NOT_FOUND, "Subscription not found."),
    }
}
