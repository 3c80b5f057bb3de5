//! What the hub shows about Mindbody's sync schedule (next sync, on time or delayed, overdue)
//! and the API budget: made of the record and the config alone, so the status glance can show
//! it from its snapshot. A leaf: the view's parts and the config, nothing of the engine's work.

use chrono::{DateTime, Utc};

use crate::api::view::{Fact, Freshness};
use crate::domain::Status;
use crate::store::IntegrationRecord;

/// The reason a signed-in Mindbody needs a look when its scheduled sync is overdue by more than
/// its interval (no good sync for two intervals: the schedule's runs fail, or none runs).
pub(crate) fn overdue(
    record: Option<&IntegrationRecord>,
    config: &crate::integrations::mindbody::MindbodyEndpoints,
    now: DateTime<Utc>,
) -> Option<String> {
    let record = record?;
    let every = config.sync_every()?;
    if !matches!(record.status, Status::Connected | Status::Syncing) {
        // Not signed in: no schedule runs. In error: the error already asks for a look.
        return None;
    }
    // With no good sync yet, from the sign-in (the record's last change), not from when the
    // integration was first set up.
    let since = record.last_sync_at.unwrap_or(record.updated_at);
    (now - since > every * 2).then(|| {
        format!(
            "the scheduled sync (every {}) is overdue: {}",
            config.sync_every.as_deref().unwrap_or_default(),
            match record.last_sync_at {
                Some(last) => format!(
                    "the last good one was {}",
                    crate::format::ago(Some(last), now)
                ),
                None => "none has completed yet".into(),
            }
        )
    })
}

/// Today's requests to Mindbody: answered (billed) and never delivered (not billed).
pub(crate) struct CallsToday {
    pub billed: u64,
    pub unreached: u64,
}

/// Schedule, freshness and the API budget, for Mindbody's detail pane and the status glance.
pub(crate) fn schedule_facts(
    record: Option<&IntegrationRecord>,
    config: &crate::integrations::mindbody::MindbodyEndpoints,
    calls_today: CallsToday,
    now: DateTime<Utc>,
) -> (Vec<Fact>, Option<Freshness>, Option<DateTime<Utc>>) {
    let unreached = match calls_today.unreached {
        0 => String::new(),
        1 => " · 1 attempt could not connect".into(),
        n => format!(
            " · {} attempts could not connect",
            crate::format::thousands(n)
        ),
    };
    let mut facts = vec![Fact {
        label: "API calls".into(),
        value: format!(
            "{} today of {} included{unreached}",
            crate::format::thousands(calls_today.billed),
            crate::format::thousands(config.daily_call_allowance())
        ),
    }];
    let last = record.and_then(|r| r.last_sync_at);
    let Some(every) = config.sync_every() else {
        facts.push(Fact {
            label: "Schedule".into(),
            value: "off (s syncs now; set [mindbody] sync_every)".into(),
        });
        return (facts, None, None);
    };
    let next = last
        .map(|l| l + every)
        .filter(|n| *n > now)
        .unwrap_or(now + every);
    let freshness = match last {
        Some(last) if now - last > every * 2 => Freshness::Delayed,
        None => Freshness::Delayed,
        Some(_) => Freshness::OnTime,
    };
    facts.push(Fact {
        label: "Schedule".into(),
        value: format!(
            "every {}; {}",
            config.sync_every.as_deref().unwrap_or_default(),
            match freshness {
                Freshness::OnTime => "on time",
                Freshness::Delayed => "delayed",
            }
        ),
    });
    (facts, Some(freshness), Some(next))
}
