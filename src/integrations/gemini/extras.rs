//! What Gemini adds to its view in the hub: where the key comes from, the last test, warnings and
//! the offer to take a replacement model. Made of the hub's facts alone (the live store or the
//! status snapshot), so the status glance can make it too; the catalog names [`gemini_extras`]
//! as Gemini's. A leaf: nothing here does the engine's work.

use super::key::{self, KeySource};
use super::report::TestReport;
use crate::api::view::Fact;
use crate::config::Config;
use crate::domain::{NextStep, Status};
use crate::engine::view::Extras;
use crate::store::IntegrationRecord;
use crate::store::snapshot::HubFacts;

/// Where the last test's report is kept in `meta`.
pub(crate) const LAST_TEST: &str = "gemini.last_test";

/// Where the key would come from, without opening the sealed one: the status glance must
/// not need the master key.
fn key_source(record: Option<&IntegrationRecord>) -> Option<KeySource> {
    if record.is_some_and(|r| r.credentials.is_some()) {
        return Some(KeySource::Store);
    }
    key::resolve(None, key::process_env).map(|(_, source)| source)
}

/// The detail pane's Gemini lines: where the key comes from, the last test, warnings. Made
/// of the hub's facts alone, so the status glance can make it from its snapshot.
pub(crate) fn gemini_extras(
    hub: &dyn HubFacts,
    _config: &Config,
    record: Option<&IntegrationRecord>,
) -> Extras {
    let mut extras = Extras::default();
    let source = key_source(record);
    extras.facts.push(Fact {
        label: "Key from".into(),
        value: source.map_or("no key yet", |s| s.describe()).into(),
    });
    if let Some(warning) = source.and_then(KeySource::warning) {
        extras.warnings.push(warning);
    }
    let last: Option<TestReport> = hub.meta_json(LAST_TEST).ok().flatten();
    if let Some(report) = &last {
        let value = match (report.ok, report.latency_ms) {
            (true, Some(ms)) => format!("ok: {} models, {} ms", report.models, ms),
            (false, _) => "failed".to_string(),
            (true, None) => "ok".to_string(),
        };
        extras.facts.push(Fact {
            label: "Last test".into(),
            value,
        });
        extras.retry_at = report
            .retry_after_secs
            .map(|secs| report.at + chrono::Duration::seconds(secs as i64));
        extras.offer = report.replacement_offer();
    }
    let status = record.map(|r| r.status).unwrap_or(Status::Disconnected);
    match (status, &source, &last) {
        (Status::Disconnected, Some(source), _) => {
            extras.hint = Some(format!("A key is available from {}.", source.describe()));
            extras.next_step = Some(NextStep::TestGemini);
        }
        (Status::Error, _, Some(report)) => {
            extras.hint = report.hint.clone();
            extras.next_step = report.step;
        }
        _ => {}
    }
    extras
}
