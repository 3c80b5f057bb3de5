//! The dashboard's screens, drawn into ratatui's TestBackend and compared with insta snapshots.

use crate::support::dashboard::{app_with as app, screen};
use crate::support::{noon, run, runs};
use chrono::Duration;
use legion_hub::domain::{Provider, Status, SyncStatus};
use legion_hub::engine::IntegrationView;
use legion_hub::store::{IntegrationRecord, SyncLogPage};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::App;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn catalog(records: &[IntegrationRecord]) -> Vec<IntegrationView> {
    Provider::ALL
        .into_iter()
        .map(|p| IntegrationView::build(p, records.iter().find(|r| r.provider == p)))
        .collect()
}

fn mindbody_in_error() -> IntegrationRecord {
    let mut record = IntegrationRecord::new(Provider::Mindbody, Status::Error, noon());
    record.last_sync_at = Some(noon() - Duration::minutes(95));
    record.error_message =
        Some("Mindbody rejected the request: 401 Unauthorized (Code: DeniedAccess)".into());
    record.settings.insert("site_id".into(), "-99".into());
    record
}

fn load_history(app: &mut App, provider: Provider, logs: Vec<legion_hub::store::SyncLog>) {
    let total = logs.len() as u64;
    let rows = logs
        .into_iter()
        .rev()
        .enumerate()
        .map(|(i, mut log)| {
            log.seq = total - i as u64;
            log
        })
        .collect();
    app.update(Action::HistoryLoaded(SyncLogPage {
        provider,
        site: None,
        total,
        offset: 0,
        rows,
    }));
}

fn key(code: KeyCode) -> Action {
    Action::Edit(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn empty_hub() {
    let mut app = app(120, 30, catalog(&[]));
    load_history(&mut app, Provider::Gemini, vec![]);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn one_integration_in_error_with_history() {
    let mut app = app(120, 30, catalog(&[mindbody_in_error()]));
    app.update(Action::Move(1));
    let mut logs = runs(Provider::Mindbody, 6);
    logs.push(run(
        Provider::Mindbody,
        SyncStatus::Failed,
        0,
        Some("Mindbody rejected the request: 401 Unauthorized (Code: DeniedAccess)"),
    ));
    load_history(&mut app, Provider::Mindbody, logs);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_overlay() {
    let mut app = app(120, 30, catalog(&[]));
    app.update(Action::ToggleHelp);
    let shown = screen(&app);
    // Every screen key is there, 1 (back to the hub) too.
    assert!(shown.lines().any(|l| l.contains(" 1  2  3  4 ")), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn filter_active() {
    let mut app = app(120, 30, catalog(&[mindbody_in_error()]));
    app.update(Action::OpenFilter);
    for c in "soon".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn filter_matching_nothing() {
    let mut app = app(120, 30, catalog(&[]));
    app.update(Action::OpenFilter);
    for c in "paypal".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(Action::Submit);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn command_palette() {
    let mut app = app(120, 30, catalog(&[]));
    app.update(Action::OpenPalette);
    app.update(key(KeyCode::Char('s')));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn status_popup() {
    let mut app = app(120, 30, catalog(&[mindbody_in_error()]));
    app.update(Action::OpenPalette);
    for c in "status".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(Action::Submit);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn small_terminal_60x20() {
    let mut app = app(60, 20, catalog(&[mindbody_in_error()]));
    app.update(Action::Move(1));
    load_history(&mut app, Provider::Mindbody, runs(Provider::Mindbody, 3));
    insta::assert_snapshot!("small_60x20_detail", screen(&app));
    app.update(Action::NextPane);
    app.update(Action::NextPane);
    insta::assert_snapshot!("small_60x20_history", screen(&app));
}

#[test]
fn large_terminal_200x50() {
    let mut app = app(200, 50, catalog(&[mindbody_in_error()]));
    app.update(Action::Move(1));
    load_history(&mut app, Provider::Mindbody, runs(Provider::Mindbody, 60));
    app.update(Action::NextPane);
    app.update(Action::NextPane);
    app.update(Action::Move(3));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn run_details_popup() {
    let mut app = app(120, 30, catalog(&[mindbody_in_error()]));
    app.update(Action::Move(1));
    load_history(
        &mut app,
        Provider::Mindbody,
        vec![run(
            Provider::Mindbody,
            SyncStatus::Failed,
            3,
            Some("Mindbody answered 503 three times\x1b[2J; gave up"),
        )],
    );
    app.update(Action::NextPane);
    app.update(Action::NextPane);
    app.update(Action::Open);
    let screen = screen(&app);
    assert!(
        !screen.contains('\x1b'),
        "control characters never reach the terminal"
    );
    insta::assert_snapshot!(screen);
}

/// The events screen with deliveries and a flood of forgeries: the rejections line says how
/// fast they come, how many the ring keeps of how many, and the latest.
fn events_app(width: u16, height: u16) -> App {
    use legion_hub::engine::{RejectionSummary, WebhookEventPage, WebhookRow, WebhookSummary};
    use legion_hub::store::rejections::{RejectedAttempt, RejectionReason};
    use legion_hub::store::webhooks::{WebhookCounts, WebhookState};
    use legion_hub::tui::app::Screen;
    let mut app = app(width, height, catalog(&[]));
    app.update(Action::ShowScreen(Screen::Events));
    app.update(Action::WebhookSummaryLoaded(WebhookSummary {
        counts: WebhookCounts {
            received: 3,
            duplicates: 1,
            rejected: 2_664,
            processed: 2,
            failed: 1,
            ..WebhookCounts::default()
        },
        pending: 0,
        subscription: None,
        listening_on: Some("http://127.0.0.1:8787/webhooks/mindbody".into()),
        inbox_full: 0,
        rejections: Box::new(RejectionSummary {
            total: 2_664,
            by_reason: vec![("signature does not match the body".into(), 2_664)],
            throttled: 1_664,
            last_at: Some(noon() - Duration::minutes(3)),
            kept: 1_000,
            capacity: 1_000,
            last_minute: 312,
            last_hour: 2_664,
            recent: vec![RejectedAttempt::new(
                noon() - Duration::minutes(3),
                RejectionReason::BadSignature,
                Some("203.0.113.9"),
            )],
        }),
    }));
    let row = |seq: u64, minutes: i64, kind: &str, event: &str, state, detail: &str| WebhookRow {
        seq,
        at: noon() - Duration::minutes(minutes),
        kind: kind.into(),
        event_type: event.into(),
        message_id: format!("m{seq}"),
        state,
        detail: detail.into(),
    };
    app.update(Action::WebhookEventsLoaded(WebhookEventPage {
        total: 4,
        offset: 0,
        rows: vec![
            row(
                4,
                1,
                "received",
                "clientSale.created",
                Some(WebhookState::Processed),
                "sale 900000004: 1 item, 25.00 USD (provisional until the next sync)",
            ),
            row(
                3,
                2,
                "duplicate",
                "clientSale.created",
                None,
                "already received: stored and processed once",
            ),
            row(
                2,
                4,
                "received",
                "clientSale.created",
                Some(WebhookState::Failed),
                "the clientSale.created data could not be read (invalid type)",
            ),
            row(
                1,
                5,
                "received",
                "client.created",
                Some(WebhookState::Processed),
                "customer Ana Ruiz saved",
            ),
        ],
    }));
    app
}

#[test]
fn webhook_events_screen() {
    insta::assert_snapshot!(screen(&events_app(100, 14)));
}

#[test]
fn webhook_events_screen_at_80x24() {
    insta::assert_snapshot!(screen(&events_app(80, 24)));
}

#[test]
fn the_disconnect_question_at_80x24() {
    let mut connected = IntegrationRecord::new(Provider::Mindbody, Status::Connected, noon());
    connected.settings.insert("site_id".into(), "-99".into());
    let mut app = app(80, 24, catalog(&[connected]));
    app.update(Action::Move(1));
    app.update(Action::DisconnectSelected);
    insta::assert_snapshot!(screen(&app));
}

/// Mindbody as the demo shows it: signed out, settings saved, webhooks delivering, ten runs.
fn demos_mindbody(width: u16, height: u16) -> App {
    use legion_hub::engine::Fact;
    let mut record = IntegrationRecord::new(Provider::Mindbody, Status::Disconnected, noon());
    record.last_sync_at = Some(noon() - Duration::minutes(12));
    for (key, value) in [
        ("client_id", "legion-finance-sandbox"),
        (
            "redirect_uri",
            "http://localhost:41211/api/integrations/mindbody/callback",
        ),
        ("site_id", "-99"),
    ] {
        record.settings.insert(key.into(), value.into());
    }
    let mut views = catalog(&[record]);
    let mindbody = &mut views[1];
    // What the engine adds for a configured Mindbody that is not signed in.
    mindbody.hint = None;
    mindbody.next_step = Some(legion_hub::domain::NextStep::ConnectMindbody);
    for (label, value) in [
        ("API calls", "0 today of 1,000 included"),
        ("Schedule", "off (s syncs now; set [mindbody] sync_every)"),
        (
            "Webhooks",
            "receiving → http://127.0.0.1:46781/webhooks/mindbody",
        ),
    ] {
        mindbody.facts.push(Fact {
            label: label.into(),
            value: value.into(),
        });
    }
    let mut app = app(width, height, views);
    app.update(Action::Move(1));
    load_history(&mut app, Provider::Mindbody, runs(Provider::Mindbody, 10));
    app
}

/// The actions and the settings are on screen, not below the fold over empty history rows.
#[test]
fn the_demos_mindbody_fits_at_80x24_120x40_and_200x50() {
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
        let shown = screen(&demos_mindbody(width, height));
        assert!(shown.contains("x disconnect"), "{width}x{height}:\n{shown}");
        if width >= 100 {
            assert!(
                shown.contains("site_id = -99"),
                "{width}x{height}:\n{shown}"
            );
        }
        if (width, height) != (200, 50) {
            insta::assert_snapshot!(format!("the_demos_mindbody_at_{width}x{height}"), shown);
        }
    }
}

/// The demo opens on the three things to try; the first key closes it and does its own work.
#[test]
fn the_demos_first_screen_says_what_to_try() {
    use legion_hub::tui::app::{Overlay, Screen};
    use legion_hub::tui::keymap;
    let mut app = demos_mindbody(80, 24);
    app.update(Action::Move(-1));
    app.overlay = Overlay::Welcome;
    app.badge = Some("demo · throwaway data".into());
    let shown = screen(&app);
    for try_this in [
        "2       chat with Gemini",
        "j x o   Mindbody, signed in",
        "3       the transactions",
    ] {
        assert!(shown.contains(try_this), "{try_this}:\n{shown}");
    }
    insta::assert_snapshot!(shown);
    // What arrives on its own (today's sales, reloaded by each webhook sale) leaves it open.
    app.update(Action::TodaysSalesLoaded(legion_hub::engine::TodaysSales {
        total: rust_decimal::Decimal::new(2_500, 2),
        items: 1,
        currency: "USD".into(),
    }));
    assert!(matches!(app.overlay, Overlay::Welcome));
    let two = ratatui::crossterm::event::Event::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    ));
    let action = keymap::action_for(&app, two).unwrap();
    app.update(action);
    assert_eq!(app.screen, Screen::Chat, "2 went through to the chat");
    assert!(matches!(app.overlay, Overlay::None));
}

/// The Postgres mirror's line under the integrations: as it loads (connected, up to date), then
/// as the engine says it lost Postgres with changes waiting.
#[test]
fn the_mirror_line_under_the_integrations() {
    use legion_hub::api::Event;
    use legion_hub::api::mirror::{MirrorState, MirrorStatus};
    let mut app = app(80, 24, catalog(&[mindbody_in_error()]));
    let connected = MirrorStatus {
        configured: true,
        target: Some("db.example.com:5432/legion".into()),
        studio_id: Some("7c9e6679-7425-40de-944b-e07fc1f90ae7".into()),
        tokens: false,
        state: MirrorState {
            connected: true,
            last_sent_at: Some(noon() - Duration::minutes(2)),
            rows_sent: 1200,
            ..MirrorState::default()
        },
        rows_waiting: 0,
        oldest_waiting_at: None,
        backfill: None,
    };
    app.update(Action::MirrorStatusLoaded(connected.clone()));
    insta::assert_snapshot!("the_mirror_line_connected", screen(&app));
    let mut lost = connected;
    lost.state.connected = false;
    lost.state.last_error = Some(
        "cannot reach Postgres at db.example.com:5432/legion: connection refused\nIt is sent again when it is back.".into(),
    );
    lost.rows_waiting = 42;
    lost.oldest_waiting_at = Some(noon() - Duration::seconds(30));
    app.update(Action::Engine(Box::new(Event::MirrorChanged(lost))));
    insta::assert_snapshot!("the_mirror_line_lost", screen(&app));
    // No mirror set up: no line.
    app.update(Action::MirrorStatusLoaded(MirrorStatus::default()));
    assert!(!screen(&app).contains("Mirror"));
}
