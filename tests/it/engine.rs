//! The engine over a real store: summaries follow the sync history, events are emitted, a run cut
//! off by a crash is closed and the summary repaired at the next start, and the demo seeds.

use crate::support::{open_engine, run};
use legion_hub::demo;
use legion_hub::domain::{Provider, Status, SyncStatus};
use legion_hub::engine::Event;

#[tokio::test]
async fn a_failed_then_completed_sync_moves_the_status_and_emits_events() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    let mut events = engine.subscribe();

    let failed = engine
        .record_sync(run(
            Provider::Mindbody,
            SyncStatus::Failed,
            5,
            Some("503 from Mindbody"),
        ))
        .await
        .unwrap();
    assert_eq!(failed.seq, 1);
    let views = engine.integrations().await.unwrap();
    let mindbody = views
        .iter()
        .find(|v| v.provider == Provider::Mindbody)
        .unwrap();
    assert_eq!(mindbody.status, Status::Error);
    assert_eq!(mindbody.error_message.as_deref(), Some("503 from Mindbody"));
    assert!(
        mindbody
            .advice(legion_hub::domain::FrontEnd::CommandLine)
            .is_some()
    );
    assert!(mindbody.needs_attention());

    assert!(matches!(events.recv().await.unwrap(), Event::SyncLogChanged(l) if l.seq == 1));
    assert!(matches!(
        events.recv().await.unwrap(),
        Event::IntegrationChanged(v) if v.status == Status::Error
    ));

    let ok = engine
        .record_sync(run(Provider::Mindbody, SyncStatus::Completed, 1, None))
        .await
        .unwrap();
    let views = engine.integrations().await.unwrap();
    let mindbody = views
        .iter()
        .find(|v| v.provider == Provider::Mindbody)
        .unwrap();
    assert_eq!(mindbody.status, Status::Connected);
    assert_eq!(mindbody.error_message, None);
    assert_eq!(mindbody.last_sync_at, ok.completed_at);
}

#[tokio::test]
async fn the_catalog_has_four_integrations_two_coming_soon() {
    let dir = tempfile::tempdir().unwrap();
    let views = open_engine(dir.path()).integrations().await.unwrap();
    let names: Vec<&str> = views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["Gemini", "Mindbody", "Stripe", "GoCardless"]);
    let statuses: Vec<Status> = views.iter().map(|v| v.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Disconnected,
            Status::Disconnected,
            Status::ComingSoon,
            Status::ComingSoon
        ]
    );
}

#[tokio::test]
async fn a_run_cut_off_by_a_crash_is_closed_and_the_summary_repaired() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open_engine(dir.path());
        engine
            .record_sync(run(Provider::Mindbody, SyncStatus::Started, 1, None))
            .await
            .unwrap();
        let views = engine.integrations().await.unwrap();
        assert_eq!(views[1].status, Status::Syncing);
        // The process dies here: the run stays "started".
    }
    // Opening the store to write repairs it: no explicit call needed.
    let engine = open_engine(dir.path());
    let page = engine.sync_history(Provider::Mindbody, 0, 1).await.unwrap();
    assert_eq!(page.rows[0].status, SyncStatus::Interrupted);
    assert!(
        page.rows[0]
            .error_details
            .as_deref()
            .unwrap()
            .contains("interrupted")
    );
    // A kill is not the integration's fault: it is what it was before the run.
    let views = engine.integrations().await.unwrap();
    assert_eq!(views[1].status, Status::Connected);
    assert!(!views[1].needs_attention());
}

#[tokio::test]
async fn demo_seed_fills_history_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path());
    demo::seed(&engine).await.unwrap();
    let total = engine
        .sync_history(Provider::Mindbody, 0, 1)
        .await
        .unwrap()
        .total;
    assert!(total >= 5, "the demo shows several runs");
    demo::seed(&engine).await.unwrap();
    assert_eq!(
        engine
            .sync_history(Provider::Mindbody, 0, 1)
            .await
            .unwrap()
            .total,
        total,
        "seeding again adds nothing"
    );
    let views = engine.integrations().await.unwrap();
    assert_eq!(views[1].status, Status::Connected);
    assert!(views[1].last_sync_at.is_some());
}

#[tokio::test]
async fn a_run_left_syncing_by_a_killed_process_is_never_shown_as_running() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open_engine(dir.path());
        engine
            .record_sync(run(Provider::Mindbody, SyncStatus::Completed, 10, None))
            .await
            .unwrap();
        engine
            .record_sync(run(Provider::Mindbody, SyncStatus::Started, 1, None))
            .await
            .unwrap();
        // kill -9 here: the run and the summary both say "syncing".
    }
    let settings = crate::support::settings_in(dir.path());
    // The glance only reads, yet holds the store: nobody can be syncing.
    {
        let glance =
            legion_hub::engine::Engine::open(&settings, legion_hub::engine::Role::Status).unwrap();
        let views = glance.integrations().await.unwrap();
        assert_eq!(views[1].status, Status::Connected, "{:?}", views[1]);
        assert!(!views[1].needs_attention());
    }
    // A command opens it to write: the run is closed as interrupted for good.
    let command =
        legion_hub::engine::Engine::open(&settings, legion_hub::engine::Role::Command).unwrap();
    let page = command
        .sync_history(Provider::Mindbody, 0, 1)
        .await
        .unwrap();
    assert_eq!(page.rows[0].status, SyncStatus::Interrupted);
    assert_eq!(
        command.integrations().await.unwrap()[1].status,
        Status::Connected
    );
}

/// A hub syncing every minute whose last good sync ended `ago` before now.
async fn last_good_sync(ago: chrono::Duration) -> (tempfile::TempDir, legion_hub::engine::Engine) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::support::settings_in(dir.path());
    settings.config.mindbody.sync_every = Some("1m".into());
    let engine =
        legion_hub::engine::Engine::open(&settings, legion_hub::engine::Role::Command).unwrap();
    let mut log = run(Provider::Mindbody, SyncStatus::Completed, 0, None);
    log.completed_at = Some(chrono::Utc::now() - ago);
    log.started_at = log.completed_at.unwrap() - chrono::Duration::seconds(4);
    engine.record_sync(log).await.unwrap();
    (dir, engine)
}

#[tokio::test]
async fn a_scheduled_sync_overdue_by_more_than_its_interval_needs_attention() {
    let (_dir, engine) = last_good_sync(chrono::Duration::seconds(70)).await;
    let views = engine.integrations().await.unwrap();
    assert!(!views[1].needs_attention(), "a little late is not overdue");

    let (_dir, engine) = last_good_sync(chrono::Duration::minutes(3)).await;
    let views = engine.integrations().await.unwrap();
    assert_eq!(views[1].status, Status::Connected);
    assert!(views[1].needs_attention());
    let reason = views[1].attention.as_deref().unwrap();
    assert!(
        reason.contains("overdue") && reason.contains("3 min ago"),
        "{reason}"
    );
    let table = legion_hub::present::status_table(
        &views,
        chrono::Utc::now(),
        legion_hub::domain::FrontEnd::CommandLine,
    );
    assert!(table.contains("overdue"), "{table}");
    let json = serde_json::to_value(&views[1]).unwrap();
    assert!(json["attention"].as_str().unwrap().contains("overdue"));
}

/// Every error and every state hint, as each front end says it: the command line names
/// commands and never keys, the dashboard names keys and never commands, and no sentence ends
/// twice or runs into the next.
#[test]
fn every_hint_fits_the_front_end_that_shows_it() {
    use legion_hub::domain::{FrontEnd, NextStep};
    use legion_hub::engine::{EngineError, IntegrationView};
    use legion_hub::integrations::gemini::GeminiError;
    use legion_hub::integrations::mindbody::MindbodyError;
    use legion_hub::oauth::OAuthError;

    let gemini = [
        GeminiError::NoKey,
        GeminiError::InvalidKey,
        GeminiError::PermissionDenied("denied.".into()),
        GeminiError::ModelNotFound("models/gemini-1.5-pro-latest is not found.".into()),
        GeminiError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(24)),
            message: "Quota exceeded.".into(),
        },
        GeminiError::RateLimited {
            retry_after: None,
            message: "Quota exceeded".into(),
        },
        GeminiError::Unavailable("The model is overloaded.".into()),
        GeminiError::Rejected {
            status: 400,
            message: "Invalid JSON payload.".into(),
        },
        GeminiError::Server {
            status: 500,
            message: "Internal error".into(),
        },
        GeminiError::Network {
            url: "http://127.0.0.1:1".into(),
            detail: "connection refused".into(),
        },
        GeminiError::Malformed("expected value".into()),
        GeminiError::Blocked("SAFETY".into()),
        GeminiError::StreamCut("connection reset".into()),
    ];
    let oauth = [
        OAuthError::Denied {
            error: "access_denied".into(),
            description: Some("The user said no.".into()),
        },
        OAuthError::StateMismatch,
        OAuthError::WrongRedirect {
            expected: "http://localhost:3000/cb".into(),
            got: "http://localhost:3001/cb".into(),
        },
        OAuthError::NotAUrl("hello".into()),
        OAuthError::MissingCode,
        OAuthError::PortBusy {
            host: "localhost".into(),
            port: 3000,
        },
        OAuthError::Listen {
            address: "localhost:3000".into(),
            detail: "denied".into(),
        },
        OAuthError::NotLoopback("https://example.com/cb".into()),
        OAuthError::TimedOut { minutes: 10 },
        OAuthError::InvalidGrant("The refresh token is invalid, expired or revoked.".into()),
        OAuthError::TokenRequest("invalid_client".into()),
        OAuthError::Network {
            url: "http://127.0.0.1:1/connect/token".into(),
            detail: "connection refused".into(),
        },
        OAuthError::Malformed("missing field".into()),
        OAuthError::Config("no client id".into()),
    ];
    let mindbody = ["DeniedAccess", "InvalidSiteId", "TooManyRequests", "Other"].map(|code| {
        MindbodyError::Api {
            status: 401,
            code: code.into(),
            message: "Authentication failed. The Api-Key is not valid.".into(),
        }
    });
    let mut errors: Vec<EngineError> = Vec::new();
    errors.extend(
        gemini
            .into_iter()
            .map(|error| EngineError::Gemini { error }),
    );
    errors.extend(oauth.into_iter().map(|error| EngineError::OAuth { error }));
    errors.extend(
        mindbody
            .into_iter()
            .map(|error| EngineError::Mindbody { error }),
    );
    errors.push(EngineError::Mindbody {
        error: MindbodyError::Network {
            url: "http://127.0.0.1:1".into(),
            detail: "connection refused".into(),
        },
    });
    errors.extend(NextStep::ALL.map(|step| EngineError::NotReady {
        what: "Mindbody is not set up yet".into(),
        step,
    }));
    let mut lines: Vec<(FrontEnd, String)> = Vec::new();
    for error in &errors {
        for front in [FrontEnd::CommandLine, FrontEnd::Dashboard] {
            lines.push((front, error.said(front)));
        }
    }
    for provider in Provider::ALL {
        for status in [
            Status::Connected,
            Status::Disconnected,
            Status::Error,
            Status::NeedsReauth,
            Status::Syncing,
            Status::ComingSoon,
        ] {
            let mut record =
                legion_hub::store::IntegrationRecord::new(provider, status, chrono::Utc::now());
            record.error_message = Some("something failed".into());
            let view = IntegrationView::build(provider, Some(&record));
            for front in [FrontEnd::CommandLine, FrontEnd::Dashboard] {
                lines.extend(view.advice(front).map(|a| (front, a)));
            }
        }
    }
    assert!(lines.len() > 80);
    for (front, line) in &lines {
        let names_a_key =
            line.contains("press ") || line.contains("Press ") || line.contains("(Tab");
        let names_a_command = line.contains("`legion-hub ") || line.contains("--no-browser");
        match front {
            FrontEnd::CommandLine => assert!(!names_a_key, "a key on the command line: {line}"),
            FrontEnd::Dashboard => assert!(!names_a_command, "a command in the dashboard: {line}"),
        }
        assert!(!line.contains(".."), "a sentence ends twice: {line}");
        assert!(!line.contains('\n'), "not one line: {line}");
        // "API_KEY_INVALID)The key": a sentence's end with the next word stuck to it.
        let glued = line.as_bytes().windows(3).any(|w| {
            matches!(w[0], b'.' | b')' | b';')
                && w[1].is_ascii_uppercase()
                && w[2].is_ascii_lowercase()
        });
        assert!(!glued, "sentences run together: {line}");
    }
    // A sign-in that lapsed needs attention (exit 3); one not made yet is a step first (exit 2).
    let exit_of = |step| {
        legion_hub::commands::explain(&anyhow::Error::from(EngineError::NotReady {
            what: "Mindbody".into(),
            step,
        }))
        .unwrap()
        .1
    };
    assert_eq!(exit_of(NextStep::ReconnectMindbody), 3);
    assert_eq!(exit_of(NextStep::ConnectMindbody), 2);
    assert_eq!(exit_of(NextStep::ConfigureMindbody), 2);
    // A step is always said, and said whole.
    let reauth = EngineError::OAuth {
        error: OAuthError::InvalidGrant("revoked".into()),
    };
    assert!(
        reauth
            .said(FrontEnd::CommandLine)
            .contains("legion-hub connect mindbody")
    );
    assert!(
        reauth
            .said(FrontEnd::Dashboard)
            .contains("Press o on Mindbody")
    );
}
