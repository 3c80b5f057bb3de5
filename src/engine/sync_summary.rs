//! How a sync run shows in its integration's summary (status, last sync, last error): one rule,
//! used when a run is recorded and when a summary is repaired at start.

use chrono::{DateTime, Utc};

use crate::domain::{Status, SyncStatus};
use crate::store::{IntegrationRecord, SyncLog};

/// Folds `log` into `record`. Returns whether anything changed.
pub fn apply(record: &mut IntegrationRecord, log: &SyncLog, now: DateTime<Utc>) -> bool {
    let before = record.clone();
    match log.status {
        SyncStatus::Started => record.status = Status::Syncing,
        SyncStatus::Completed => {
            record.status = Status::Connected;
            record.last_sync_at = log.completed_at.or(Some(log.started_at));
            record.error_message = None;
        }
        SyncStatus::Failed => {
            // A run that failed because the sign-in was refused keeps the state that says so.
            if record.status != Status::NeedsReauth {
                record.status = Status::Error;
            }
            record.error_message = Some(
                log.error_details
                    .clone()
                    .unwrap_or_else(|| format!("the {} sync failed", log.sync_type)),
            );
        }
        // Neither says anything about the integration: what it was before the run stands.
        SyncStatus::Interrupted => {
            if record.status == Status::Syncing {
                record.status = status_before_the_run(record);
            }
        }
        SyncStatus::Skipped => {}
    }
    let changed = *record != before;
    if changed {
        record.updated_at = now;
    }
    changed
}

/// What a summary left at "syncing" by a run that never finished stands for: the error it
/// already carried, or a working connection.
pub fn status_before_the_run(record: &IntegrationRecord) -> Status {
    if record.error_message.is_some() {
        Status::Error
    } else {
        Status::Connected
    }
}

/// Whether the summary was written after `log` last changed: then it already says what
/// happened since (a test or a sign-in after a failed sync), and folding the older run in again
/// would bring back an error that was put right.
pub fn summary_is_newer(record: &IntegrationRecord, log: &SyncLog) -> bool {
    record.updated_at >= log.completed_at.unwrap_or(log.started_at)
}

/// A run still marked "started" when a process that owns the store finds it was cut off by a
/// crash or a kill (no other process can be running it: the finder holds the lock).
pub fn close_interrupted(mut log: SyncLog, now: DateTime<Utc>) -> (SyncLog, bool) {
    if log.status != SyncStatus::Started {
        return (log, false);
    }
    log.status = SyncStatus::Interrupted;
    log.completed_at = Some(now);
    log.error_details = Some(
        "interrupted: legion-hub stopped before this run finished; the next sync picks up from the last saved page".into(),
    );
    (log, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Provider;

    fn run(status: SyncStatus, error: Option<&str>) -> SyncLog {
        let t = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .to_utc();
        SyncLog {
            provider: Provider::Mindbody,
            site: None,
            seq: 1,
            sync_type: "sales".into(),
            status,
            records: Default::default(),
            api_calls: 1,
            unreached: 0,
            error_details: error.map(str::to_string),
            started_at: t,
            completed_at: Some(t + chrono::Duration::seconds(5)),
        }
    }

    #[test]
    fn completed_run_clears_the_error_and_sets_last_sync() {
        let now = Utc::now();
        let mut record = IntegrationRecord::new(Provider::Mindbody, Status::Error, now);
        record.error_message = Some("old".into());
        let log = run(SyncStatus::Completed, None);
        assert!(apply(&mut record, &log, now));
        assert_eq!(record.status, Status::Connected);
        assert_eq!(record.error_message, None);
        assert_eq!(record.last_sync_at, log.completed_at);
        assert!(
            !apply(&mut record, &log, now),
            "applying twice changes nothing"
        );
    }

    #[test]
    fn failed_run_keeps_last_good_sync_and_needs_reauth() {
        let now = Utc::now();
        let mut record = IntegrationRecord::new(Provider::Mindbody, Status::NeedsReauth, now);
        apply(
            &mut record,
            &run(SyncStatus::Failed, Some("invalid_grant")),
            now,
        );
        assert_eq!(record.status, Status::NeedsReauth);
        assert_eq!(record.last_sync_at, None);
        assert_eq!(record.error_message.as_deref(), Some("invalid_grant"));
    }

    #[test]
    fn interrupted_runs_are_closed_as_interrupted_and_leave_no_error_behind() {
        let (log, changed) = close_interrupted(run(SyncStatus::Started, None), Utc::now());
        assert!(changed);
        assert_eq!(log.status, SyncStatus::Interrupted);
        assert!(
            log.error_details
                .as_deref()
                .unwrap()
                .contains("interrupted")
        );
        let now = Utc::now();
        let mut record = IntegrationRecord::new(Provider::Mindbody, Status::Syncing, now);
        apply(&mut record, &log, now);
        assert_eq!(record.status, Status::Connected);
        assert!(!record.status.needs_attention());
    }

    #[test]
    fn a_summary_written_after_a_failed_run_is_newer_than_it() {
        let log = run(SyncStatus::Failed, Some("401"));
        let fixed_later = log.completed_at.unwrap() + chrono::Duration::seconds(30);
        let record = IntegrationRecord::new(Provider::Mindbody, Status::Connected, fixed_later);
        assert!(summary_is_newer(&record, &log));
        let before = IntegrationRecord::new(Provider::Mindbody, Status::Syncing, log.started_at);
        assert!(!summary_is_newer(&before, &log));
    }
}
