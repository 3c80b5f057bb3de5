//! Data directories with a given amount of history, as a long-lived hub would have: sync runs,
//! transactions, a long conversation (the benches measure against them).

use std::path::Path;

use chrono::{Duration, Utc};
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::engine::{Engine, Role};
use legion_hub::store::{RecordCounts, SyncLog};

use super::settings_in;

/// Fills `dir` with `runs` Mindbody sync runs (in batches, as a long-lived hub would have).
pub fn data_dir_with_history(dir: &Path, runs: u64) -> Engine {
    let engine = Engine::open(&settings_in(dir), Role::Dashboard).expect("engine opens");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let start = Utc::now() - Duration::minutes(runs as i64 * 30);
    let mut made = 0;
    while made < runs {
        let batch: Vec<SyncLog> = (made..(made + 20_000).min(runs))
            .map(|i| {
                let started_at = start + Duration::minutes(i as i64 * 30);
                SyncLog {
                    provider: Provider::Mindbody,
                    site: None,
                    seq: 0,
                    sync_type: ["sales", "clients", "categories"][(i % 3) as usize].into(),
                    status: if i % 50 == 49 {
                        SyncStatus::Failed
                    } else {
                        SyncStatus::Completed
                    },
                    records: RecordCounts {
                        new: i % 40,
                        updated: i % 7,
                        unchanged: 200,
                        ..Default::default()
                    },
                    api_calls: 1 + i % 5,
                    unreached: 0,
                    error_details: (i % 50 == 49)
                        .then(|| "Mindbody answered 503 Service Unavailable".into()),
                    started_at,
                    completed_at: Some(started_at + Duration::seconds(3)),
                }
            })
            .collect();
        made += batch.len() as u64;
        runtime
            .block_on(engine.import_sync_history(Provider::Mindbody, batch))
            .expect("history imports");
    }
    engine
}

/// `n` Mindbody transactions, five minutes apart, ending now-ish, into the store.
pub fn store_transactions(store: &legion_hub::store::Store, n: i64) {
    use legion_hub::books::Transaction;
    let start = chrono::Local::now().naive_local() - Duration::minutes(5 * n);
    let rows: Vec<Transaction> = (0..n)
        .map(|i| Transaction {
            key: format!("mindbody:sale:{}:{}", 100_000 + i, 1_000_000 + i),
            date: start + Duration::minutes(5 * i),
            amount: rust_decimal::Decimal::new(2_500 + i % 10_000, 2),
            tax: rust_decimal::Decimal::ZERO,
            discount: rust_decimal::Decimal::ZERO,
            currency: "USD".into(),
            description: "Drop-in Class".into(),
            category_id: Some(22),
            class: Some("Class revenue".into()),
            customer: Some(format!("mindbody:client:{}", 100_000_000 + i % 5_000)),
            source: "mindbody".into(),
            returned: false,
            settlement: None,
            location_id: None,
            payment_method: None,
            contract: None,
            synced_at: Utc::now(),
        })
        .collect();
    for chunk in rows.chunks(10_000) {
        store.upsert_transactions(chunk, false).unwrap();
    }
}

/// A conversation of `n` messages (questions and markdown answers) into the store.
pub fn store_conversation(store: &legion_hub::store::Store, n: u64) {
    use legion_hub::store::{ChatMessage, ChatRole, MessageState, TokenUsage};
    let conversation = store
        .create_conversation("A long conversation", "gemini-3.8-flash")
        .unwrap();
    for i in 1..=n {
        let (role, text) = if i % 2 == 1 {
            (
                ChatRole::User,
                format!("Question {i}: how did sales go this week?"),
            )
        } else {
            (
                ChatRole::Model,
                format!(
                    "**Answer {i}.** Sales were up this week.\n\n- Memberships: {i}\n- Class packs: 17\n\nThe `mindbody:sale:{i}` was the largest; refunds were two, both for cancelled classes."
                ),
            )
        };
        store
            .append_message(ChatMessage {
                conversation: conversation.id,
                seq: 0,
                role,
                text,
                model: Some("gemini-3.8-flash".into()),
                usage: Some(TokenUsage {
                    prompt: 100,
                    reply: 200,
                    total: 300,
                }),
                state: MessageState::Complete,
                created_at: Utc::now(),
                tools: Vec::new(),
            })
            .unwrap();
    }
}
