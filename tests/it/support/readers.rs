//! Each input the outside world hands the hub, read the way the hub reads it, with the
//! properties that must hold whatever the bytes are. Shared by `tests/it/hostile.rs` (proptest and
//! the kept corpus, in every `cargo test`) and the coverage-guided targets in `fuzz/`, so both
//! check the same thing. A reader panics only when a property is broken.
#![allow(dead_code)]

use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use legion_hub::integrations::mindbody::types::{
    CategoriesPage, ClientsPage, SalesPage, TransactionsPage,
};
use legion_hub::integrations::mindbody::webhooks::Delivery;
use legion_hub::integrations::mindbody::webhooks::signature::{sign, verify};

/// The signing key the readers check signatures with (not a real one).
pub const KEY: &str = "dGVzdC1zaWduYXR1cmUta2V5LW5vdC1yZWFsLTAwMDA=";

/// The redirect URI and state the pasted-address reader expects.
pub const REDIRECT: &str = "http://localhost:3000/api/integrations/mindbody/callback";
pub const STATE: &str = "s";

/// A webhook body as the processor reads it: the envelope, then its sale (as transactions, and
/// the day's sum of them) or its client.
pub fn webhook_body(body: &[u8]) {
    let Ok(delivery) = Delivery::parse(body) else {
        return;
    };
    if let Ok(sale) = delivery.sale() {
        let site =
            legion_hub::books::AccountKey::new(legion_hub::domain::Provider::Mindbody, "-99")
                .expect("a site id");
        let txs = sale.transactions(&site, chrono::Utc::now());
        assert_eq!(txs.len(), sale.items.len(), "one transaction per item");
        let total: rust_decimal::Decimal = txs.iter().map(|t| t.amount).sum();
        let currency = txs.first().map_or("USD", |t| t.currency.as_str());
        let _ = legion_hub::format::money(total, currency);
        let _ = legion_hub::format::money(sale.total_amount_paid, currency);
    }
    let _ = delivery.client();
}

/// A signature header against a body: checking never panics, and only the true one passes.
pub fn webhook_signature(header: &str, body: &[u8]) {
    let truth = sign(KEY, body);
    match verify(KEY, Some(header), body) {
        Ok(()) => assert_eq!(header.trim(), truth, "only the true signature verifies"),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    assert!(verify(KEY, Some(&truth), body).is_ok());
}

/// Bytes as every Mindbody page the sync reads, and the sales as the books' transactions.
pub fn mindbody_page(bytes: &[u8]) {
    if let Ok(page) = serde_json::from_slice::<SalesPage>(bytes) {
        let site =
            legion_hub::books::AccountKey::new(legion_hub::domain::Provider::Mindbody, "-99")
                .expect("a site id");
        for sale in &page.sales {
            let txs = legion_hub::integrations::mindbody::mapping::transactions_of(
                &site,
                sale,
                &Default::default(),
                chrono::Utc::now(),
            );
            let total: rust_decimal::Decimal = txs.iter().map(|t| t.amount).sum();
            for tx in &txs {
                let _ = legion_hub::format::money(tx.amount, &tx.currency);
            }
            let _ = legion_hub::format::money(total, "USD");
        }
    }
    let _ = serde_json::from_slice::<ClientsPage>(bytes);
    let _ = serde_json::from_slice::<TransactionsPage>(bytes);
    let _ = serde_json::from_slice::<CategoriesPage>(bytes);
}

/// A Gemini SSE body arriving in pieces of the given sizes (cycled): every chunk is read or
/// refused with a message.
pub fn gemini_stream(bytes: &[u8], cuts: &[usize]) {
    let mut pieces = Vec::new();
    let mut at = 0;
    for cut in cuts.iter().map(|c| (*c).max(1)).cycle() {
        if at >= bytes.len() {
            break;
        }
        let end = (at + cut).min(bytes.len());
        pieces.push(Ok::<_, std::io::Error>(Bytes::copy_from_slice(
            &bytes[at..end],
        )));
        at = end;
    }
    let chunks = legion_hub::integrations::gemini::sse::chunks(futures_util::stream::iter(pieces))
        .collect::<Vec<_>>()
        // Every piece is already here: the stream never waits.
        .now_or_never()
        .expect("a stream of pieces already in memory is read without waiting");
    for chunk in chunks {
        match chunk {
            Ok(chunk) => {
                let _ = chunk.text();
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

/// An address pasted back after signing in: a code, or an error that says what is wrong.
pub fn pasted_address(text: &str) {
    let redirect = url::Url::parse(REDIRECT).expect("the redirect is a URL");
    match legion_hub::oauth::callback::read_callback(text, &redirect, STATE) {
        Ok(code) => assert!(!code.is_empty()),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// A config file: read, or refused with its name; what it sets is usable (the durations and
/// dates it feeds do not overflow).
pub fn config_file(text: &str) {
    let path = std::path::Path::new("/etc/legion-hub/config.toml");
    match legion_hub::config::Config::parse(path, text) {
        Ok(config) => {
            let mindbody = &config.mindbody;
            let now = chrono::Utc::now();
            let _ = now - mindbody.lookback() - mindbody.first_sync() - mindbody.refresh_margin();
            let _ = now + mindbody.lookback_every() + mindbody.catch_up_every();
            let _ = mindbody.sync_every().map(|every| now + every);
            let _ = std::time::Instant::now() + mindbody.connect_timeout();
            let _ = config.server.webhook_addr();
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains("config.toml"), "{message}");
        }
    }
}

/// Any bytes, offered to every reader whatever they are meant to be.
pub fn anything(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    webhook_body(bytes);
    mindbody_page(bytes);
    gemini_stream(bytes, &[bytes.len().max(1)]);
    gemini_stream(bytes, &[1, 7, 64]);
    pasted_address(&text);
    config_file(&text);
}
