//! Helpers shared by the integration tests: temp data dirs, fixed times, seeded engines.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::domain::{Provider, SyncStatus};
use legion_hub::engine::{Engine, Role};
use legion_hub::store::{RecordCounts, SyncLog};

/// The moment every snapshot is taken at.
pub fn noon() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc()
}

pub fn settings_in(dir: &std::path::Path) -> Settings {
    Settings {
        paths: Paths::in_dir(dir),
        config: Config::default(),
    }
}

pub fn open_engine(dir: &std::path::Path) -> Engine {
    Engine::open(&settings_in(dir), Role::Dashboard).expect("engine opens")
}

pub fn run(
    provider: Provider,
    status: SyncStatus,
    minutes_ago: i64,
    error: Option<&str>,
) -> SyncLog {
    let started_at = noon() - Duration::minutes(minutes_ago);
    SyncLog {
        provider,
        seq: 0,
        sync_type: "sales".into(),
        status,
        records: RecordCounts {
            new: 3,
            updated: 1,
            unchanged: 40,
        },
        api_calls: 2,
        error_details: error.map(str::to_string),
        started_at,
        completed_at: (status != SyncStatus::Started).then(|| started_at + Duration::seconds(4)),
    }
}

/// `count` completed runs, a minute apart, the newest `count` minutes before noon... plus one.
pub fn runs(provider: Provider, count: u64) -> Vec<SyncLog> {
    (0..count)
        .map(|i| {
            let mut log = run(provider, SyncStatus::Completed, (count - i) as i64, None);
            log.records.new = i;
            log
        })
        .collect()
}
