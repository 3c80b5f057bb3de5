//! Shared by the benches: data directories with a given amount of sync history.
#![allow(dead_code)]

use std::path::Path;

use chrono::{Duration, Utc};
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::engine::{Engine, Role};
use legion_hub::store::{RecordCounts, SyncLog};

pub fn settings_in(dir: &Path) -> Settings {
    Settings {
        paths: Paths::in_dir(dir),
        config: Config::default(),
    }
}

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
