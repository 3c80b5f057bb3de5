//! The Mindbody sign-in from the dashboard: the overlay as a person sees it, and the whole flow
//! driven through the app against the sandbox (paste-back, a forged address refused, cancel).

use std::sync::{Arc, Mutex};

use crate::support::dashboard::{self, pump, screen, typed};
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::domain::{Provider, Status};
use legion_hub::engine::{Engine, EngineOptions, Event, Role};
use legion_hub::oauth::browser::BrowserOpener;
use legion_hub::oauth::flow::SignIn;
use legion_hub::sandbox::mindbody::*;
use legion_hub::tui::action::Action;
use legion_hub::tui::app::{App, Overlay};
use legion_hub::tui::{keymap, settle_inline};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A dashboard of `width` x `height` with Mindbody's sign-in started (nothing waiting yet).
fn signing_in(width: u16, height: u16) -> App {
    let mut app = dashboard::app(width, height);
    app.update(Action::Move(1));
    app.update(Action::ConnectSelected);
    app
}

#[test]
fn the_sign_in_overlay_shows_the_address_the_ssh_hint_and_a_refused_paste() {
    let mut app = signing_in(100, 30);
    app.update(Action::Engine(Box::new(Event::ConnectWaiting {
        provider: Provider::Mindbody,
        site: None,
        sign_in: SignIn {
            url: "https://signin.mindbodyonline.com/connect/authorize?response_type=code&client_id=legion&state=STATE&code_challenge=CHALLENGE&code_challenge_method=S256&subscriberId=-99".into(),
            browser_opened: false,
            listening_port: Some(3000),
            listener_error: None,
        },
    })));
    typed(&mut app, "http://localhost:3000/wrong");
    app.update(Action::PasteRejected(
        "that address is not the redirect address: expected http://localhost:3000/api/integrations/mindbody/callback, got http://localhost:3000/wrong".into(),
    ));
    insta::assert_snapshot!(screen(&app));
    app.update(Action::CopyUrl);
    assert!(
        app.take_clipboard()
            .unwrap()
            .starts_with("https://signin.mindbodyonline.com/")
    );
}

/// Records the address instead of opening anything: tests never launch a browser.
#[derive(Default)]
struct NoBrowser(Mutex<Vec<String>>);

impl BrowserOpener for NoBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(url.to_string());
        Err("no browser in tests".into())
    }
}

#[tokio::test]
async fn connecting_from_the_dashboard_by_pasting_the_address_back() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = MindbodySandbox::start().await.unwrap();
    sandbox.set_auto_approve(true);
    let config = Config {
        mindbody: sandbox.endpoints(),
        ..Config::default()
    };
    let settings = Settings {
        paths: Paths::in_dir(dir.path()),
        config,
    };
    let options = EngineOptions {
        browser: Some(Arc::new(NoBrowser::default())),
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&settings, Role::Dashboard, options).unwrap();
    // The hub's registered redirect, on a free port (the sandbox sends codes nowhere else).
    engine
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(
            &legion_hub::demo::free_redirect_uri(),
        ))
        .await
        .unwrap();
    let mut events = engine.subscribe();
    let mut app = crate::support::dashboard::loaded(&engine, 120, 40).await;
    app.update(Action::Move(1));
    app.update(Action::ConnectSelected);
    settle_inline(&engine, &mut app).await;
    pump(
        &mut app,
        &engine,
        &mut events,
        |a| matches!(&a.overlay, Overlay::Connect(v) if v.sign_in.is_some()),
    )
    .await;
    let Overlay::Connect(view) = &app.overlay else {
        unreachable!()
    };
    let url = view.sign_in.as_ref().unwrap().url.clone();
    assert!(screen(&app).contains("Or paste the whole address"));

    let target = legion_hub::http::client_without_redirects()
        .get(&url)
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    typed(&mut app, &target.replace("state=", "state=x"));
    app.update(Action::Submit);
    settle_inline(&engine, &mut app).await;
    let Overlay::Connect(view) = &app.overlay else {
        panic!("the overlay stays open")
    };
    assert!(
        view.error
            .as_deref()
            .unwrap()
            .contains("state does not match")
    );

    typed(&mut app, &target);
    app.update(Action::Submit);
    settle_inline(&engine, &mut app).await;
    pump(&mut app, &engine, &mut events, |a| {
        matches!(a.overlay, Overlay::None)
    })
    .await;
    pump(&mut app, &engine, &mut events, |a| {
        a.hub.integrations[1].status == Status::Connected
    })
    .await;
    // Connected, and the first sync has started on its own.
    let notice = &app.notice.as_ref().unwrap().text;
    assert!(notice.contains("Syncing Mindbody"), "{notice}");
}

fn press(app: &mut App, c: char) {
    let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    if let Some(action) = keymap::action_for(app, ratatui::crossterm::event::Event::Key(key)) {
        app.update(action);
    }
}

#[tokio::test]
async fn x_asks_first_n_keeps_the_sign_in_and_y_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = MindbodySandbox::start().await.unwrap();
    sandbox.set_auto_approve(true);
    let engine = crate::support::mindbody::open(&crate::support::mindbody::settings(
        dir.path(),
        &sandbox,
        |_| {},
    ));
    crate::support::mindbody::connect(&engine).await;
    let mut events = engine.subscribe();
    let mut app = crate::support::dashboard::loaded(&engine, 80, 24).await;
    app.update(Action::Move(1));
    assert_eq!(app.hub.integrations[1].status, Status::Connected);

    // A stray x, then n: nothing is forgotten.
    press(&mut app, 'x');
    settle_inline(&engine, &mut app).await;
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    press(&mut app, 'n');
    settle_inline(&engine, &mut app).await;
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(sandbox.live_tokens(), 2);
    assert_eq!(
        engine.integrations().await.unwrap()[1].status,
        Status::Connected
    );
    let notice = &app.notice.as_ref().unwrap().text;
    assert!(notice.contains("stays signed in"), "{notice}");

    // Any other key cancels too.
    press(&mut app, 'x');
    press(&mut app, 'j');
    settle_inline(&engine, &mut app).await;
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(sandbox.live_tokens(), 2);

    // x, then y: revoked at Mindbody and forgotten here.
    press(&mut app, 'x');
    press(&mut app, 'y');
    settle_inline(&engine, &mut app).await;
    pump(&mut app, &engine, &mut events, |a| {
        a.hub.integrations[1].status == Status::Disconnected
    })
    .await;
    assert_eq!(sandbox.live_tokens(), 0);
    let notice = app.notice.as_ref().unwrap();
    assert!(
        notice.text.contains("revoked at Mindbody"),
        "{}",
        notice.text
    );
    assert!(!notice.is_error);
    // The next webhook sale reloads today's sales; what happened stays said.
    app.update(Action::TodaysSalesLoaded(
        engine.todays_sales().await.unwrap(),
    ));
    assert!(app.notice.is_some());
    // Signed out: x has nothing to ask about.
    press(&mut app, 'x');
    assert!(matches!(app.overlay, Overlay::None));
    assert!(app.notice.as_ref().unwrap().text.contains("not signed in"));
}

/// The demo's sign-in page is served on this machine too: over SSH its port needs forwarding
/// as much as the listener's, and a listener that could not start says why in full.
#[test]
fn the_sign_in_overlay_at_120x40_wraps_the_fix_and_forwards_every_port_it_needs() {
    let mut app = signing_in(120, 40);
    let url = "http://127.0.0.1:43503/connect/authorize?response_type=code&client_id=legion-finance-sandbox&state=STATE&code_challenge=CHALLENGE&code_challenge_method=S256&subscriberId=-99";
    let busy = legion_hub::oauth::OAuthError::PortBusy {
        host: "localhost".into(),
        port: 3000,
    };
    let waiting = |listening_port, listener_error| {
        Action::Engine(Box::new(Event::ConnectWaiting {
            provider: Provider::Mindbody,
            site: None,
            sign_in: SignIn {
                url: url.into(),
                browser_opened: false,
                listening_port,
                listener_error,
            },
        }))
    };
    app.update(waiting(None, Some(busy.to_string())));
    let shown = screen(&app);
    let text = overlay_text(&shown);
    assert!(
        text.contains("set it in the settings"),
        "the whole fix:\n{shown}"
    );
    assert!(text.contains("ssh -L 43503:localhost:43503"), "{shown}");
    insta::assert_snapshot!(shown);

    app.update(waiting(Some(34103), None));
    let shown = screen(&app);
    assert!(
        overlay_text(&shown).contains("ssh -L 34103:localhost:34103 -L 43503:localhost:43503"),
        "{shown}"
    );
}

/// The overlay's lines joined into one text, so wrapped words read as one sentence.
fn overlay_text(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split('│').nth(2))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A chain's further site is a row of its own: its keys act on it (the sign-in and the first
/// sync that follows are the site's), and the history pane follows it; the first site's row
/// is left as it was.
#[tokio::test]
async fn a_further_site_s_row_signs_in_and_syncs_that_site() {
    let sandbox = MindbodySandbox::start_sites(2).await.unwrap();
    sandbox.set_auto_approve(true);
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::support::mindbody::settings(dir.path(), &sandbox, |_| {});
    let engine = crate::support::mindbody::open(&settings);
    crate::support::mindbody::connect(&engine).await;
    engine.add_mindbody_site("-98".into()).await.unwrap();
    let mut events = engine.subscribe();
    let mut app = crate::support::dashboard::loaded(&engine, 120, 40).await;
    let names: Vec<&str> = app
        .hub
        .integrations
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names[1..3], ["Mindbody", "Mindbody · site -98"]);
    app.update(Action::Move(2));
    app.update(Action::ConnectSelected);
    settle_inline(&engine, &mut app).await;
    let site_row = |a: &App| a.hub.integrations[2].clone();
    pump(&mut app, &engine, &mut events, |a| {
        site_row(a).status == Status::Connected && site_row(a).last_sync_at.is_some()
    })
    .await;
    assert_eq!(site_row(&app).site.as_deref(), Some("-98"));
    assert!(
        app.hub.integrations[1].last_sync_at.is_none(),
        "the first site did not sync"
    );
    let history = engine
        .at_site(Some("-98"))
        .sync_history(Provider::Mindbody, 0, 10)
        .await
        .unwrap();
    assert!(history.total > 0, "the sync that followed was the site's");
    settle_inline(&engine, &mut app).await;
    let shown = screen(&app);
    assert!(shown.contains("Mindbody · site -98"), "{shown}");
    assert!(
        shown.contains("Sync history · Mindbody · site -98"),
        "{shown}"
    );
}
