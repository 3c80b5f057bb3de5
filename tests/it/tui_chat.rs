//! The chat screen and the Gemini parts of the hub: snapshots of what a person sees, and the
//! screen driven against a real engine and the Gemini sandbox.

use std::time::Duration;

use crate::support::dashboard::{self, pump, screen};
use crate::support::noon;
use chrono::Duration as Span;
use legion_hub::config::{Config, Paths, Settings};
use legion_hub::domain::{Provider, Status};
use legion_hub::engine::{Engine, EngineOptions, Event, Fact, GeminiUpdate, IntegrationView, Role};
use legion_hub::http::RetryPolicy;
use legion_hub::integrations::gemini::models::Alias;
use legion_hub::sandbox::gemini::{Failure, GeminiSandbox, SANDBOX_KEY};
use legion_hub::secret::Secret;
use legion_hub::store::{
    ChatMessage, ChatRole, Conversation, IntegrationRecord, MessageState, TokenUsage, ToolUse,
};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::{App, Screen};
use legion_hub::tui::settle_inline;
use legion_hub::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

fn gemini_view() -> IntegrationView {
    let mut record = IntegrationRecord::new(Provider::Gemini, Status::Connected, noon());
    record
        .settings
        .insert("fast_model".into(), "gemini-flash-latest".into());
    record
        .settings
        .insert("pro_model".into(), "gemini-pro-latest".into());
    record
        .settings
        .insert("default_alias".into(), "fast".into());
    IntegrationView::build(Provider::Gemini, Some(&record))
}

fn app(width: u16, height: u16) -> App {
    let mut views = dashboard::catalog();
    views[0] = gemini_view();
    dashboard::app_with(width, height, views)
}

fn message(seq: u64, role: ChatRole, text: &str, state: MessageState) -> ChatMessage {
    ChatMessage {
        conversation: 7,
        seq,
        role,
        text: text.into(),
        model: (role == ChatRole::Model).then(|| "gemini-flash-latest".into()),
        usage: (role == ChatRole::Model && state == MessageState::Complete).then_some(TokenUsage {
            prompt: 80,
            reply: 42,
            total: 122,
        }),
        state,
        created_at: noon() - Span::minutes(3),
        tools: Vec::new(),
    }
}

fn conversation(id: u64, title: &str) -> Conversation {
    Conversation {
        id,
        title: title.into(),
        model: "fast".into(),
        created_at: noon() - Span::hours(2),
        updated_at: noon() - Span::minutes(id as i64),
        messages: 4,
    }
}

fn open_chat(app: &mut App, messages: Vec<ChatMessage>) {
    app.update(Action::ShowScreen(Screen::Chat));
    app.update(Action::ConversationsLoaded(vec![
        conversation(7, "How did sales go this week?"),
        conversation(9, "Why did the Mindbody sync fail?"),
    ]));
    app.update(Action::ConversationLoaded(
        conversation(7, "How did sales go this week?"),
        messages,
    ));
}

#[test]
fn chat_with_markdown_reply_and_a_cancelled_one() {
    let mut app = app(120, 32);
    open_chat(
        &mut app,
        vec![
            message(
                1,
                ChatRole::User,
                "How did sales go this week?",
                MessageState::Complete,
            ),
            message(
                2,
                ChatRole::Model,
                "**Sales were up 12%.**\n\n- Memberships: 41\n- Class packs: 17\n\n`mindbody:sale:100458` was the largest.",
                MessageState::Complete,
            ),
            message(3, ChatRole::User, "And refunds?", MessageState::Complete),
            message(
                4,
                ChatRole::Model,
                "Refunds were two, both",
                MessageState::Cancelled,
            ),
        ],
    );
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn chat_streaming_and_failed_replies_at_80x24() {
    let mut app = app(80, 24);
    open_chat(
        &mut app,
        vec![
            message(
                1,
                ChatRole::User,
                "hello\x1b[31m red?",
                MessageState::Complete,
            ),
            message(
                2,
                ChatRole::Model,
                "",
                MessageState::Failed {
                    error: "Gemini is overloaded (HTTP 503). Google's side is busy.".into(),
                },
            ),
            message(3, ChatRole::User, "try again", MessageState::Complete),
            message(4, ChatRole::Model, "Working on", MessageState::Streaming),
        ],
    );
    let shown = screen(&app);
    assert!(
        !shown.contains('\x1b'),
        "control characters never reach the terminal"
    );
    insta::assert_snapshot!(shown);
}

#[test]
fn an_empty_chat_explains_itself() {
    let mut app = app(120, 24);
    app.update(Action::ShowScreen(Screen::Chat));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn gemini_detail_with_a_legacy_key_an_offer_and_a_countdown() {
    let mut app = app(120, 30);
    let mut view = gemini_view();
    view.status = Status::Error;
    view.error_message =
        Some("Gemini no longer offers the model of fast → gemini-2.0-flash-exp".into());
    view.facts = vec![
        Fact {
            label: "Key from".into(),
            value: "GOOGLE_GEMINI_API_KEY (the legacy name)".into(),
        },
        Fact {
            label: "Last test".into(),
            value: "failed".into(),
        },
    ];
    view.warnings = vec!["The Gemini key comes from GOOGLE_GEMINI_API_KEY, the legacy name: save it once with `legion-hub gemini configure --api-key-stdin`.".into()];
    view.offer =
        Some("fast: gemini-2.0-flash-exp is not offered any more; use gemini-flash-latest".into());
    view.retry_at = Some(noon() + Span::seconds(26));
    view.hint = Some("Press a to use the replacement shown.".into());
    app.update(Action::Engine(Box::new(Event::IntegrationChanged(view))));
    assert!(
        app.needs_tick(),
        "the countdown wakes the dashboard each second"
    );
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn gemini_settings_form_masks_the_key() {
    let mut app = app(100, 24);
    app.update(Action::ConfigureSelected);
    app.update(Action::GeminiModelsLoaded(Ok(vec![
        "gemini-3.8-flash".into(),
        "gemini-flash-latest".into(),
        "gemini-pro-latest".into(),
    ])));
    // No key saved yet: the form opens on the key field.
    for c in "AIzaSECRET".chars() {
        app.update(Action::Edit(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    let shown = screen(&app);
    assert!(!shown.contains("AIzaSECRET"), "the key is never drawn");
    insta::assert_snapshot!(shown);
}

/// Saves the Gemini sandbox's key, as `c` on Gemini would.
async fn save_sandbox_key(engine: &Engine) {
    engine
        .configure_gemini(GeminiUpdate {
            api_key: Some(Secret::new(SANDBOX_KEY)),
            ..Default::default()
        })
        .await
        .unwrap();
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::ChatKey(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

#[tokio::test]
async fn the_chat_screen_streams_cancels_and_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    sandbox.set_chunk_delay(Duration::from_millis(40));
    let mut config = Config::default();
    config.gemini.base_url = Some(sandbox.base_url());
    let settings = Settings {
        paths: Paths::in_dir(dir.path()),
        config,
    };
    {
        let engine = Engine::open(&settings, Role::Dashboard).unwrap();
        save_sandbox_key(&engine).await;
        let mut events = engine.subscribe();
        let mut app = crate::support::dashboard::loaded(&engine, 120, 40).await;
        app.update(Action::ShowScreen(Screen::Chat));
        settle_inline(&engine, &mut app).await;
        assert_eq!(app.chat.alias, Alias::Fast);

        typed(&mut app, "First question");
        app.update(Action::ChatSend);
        settle_inline(&engine, &mut app).await;
        pump(&mut app, &engine, &mut events, |a| {
            a.chat.messages.len() == 2 && !a.chat.busy()
        })
        .await;
        assert_eq!(app.chat.messages[1].state, MessageState::Complete);
        assert!(screen(&app).contains("You asked: First question"));

        typed(&mut app, "Second, to be stopped");
        app.update(Action::ChatSend);
        settle_inline(&engine, &mut app).await;
        pump(&mut app, &engine, &mut events, |a| {
            a.chat.streaming.is_some() && a.chat.messages.last().is_some_and(|m| !m.text.is_empty())
        })
        .await;
        app.update(Action::ChatCancel);
        settle_inline(&engine, &mut app).await;
        pump(&mut app, &engine, &mut events, |a| !a.chat.busy()).await;
        assert_eq!(app.chat.messages[3].state, MessageState::Cancelled);
        assert!(screen(&app).contains("stopped: this reply is partial"));

        app.update(Action::ChatCopy);
        assert!(app.take_clipboard().unwrap().starts_with("**You asked:**"));
    }
    // After a restart the conversation opens where it was left.
    let engine = Engine::open(&settings, Role::Dashboard).unwrap();
    let mut app = crate::support::dashboard::loaded(&engine, 120, 40).await;
    app.update(Action::ShowScreen(Screen::Chat));
    settle_inline(&engine, &mut app).await;
    assert_eq!(app.chat.conversations.len(), 1);
    assert_eq!(app.chat.messages.len(), 4);
    assert_eq!(app.chat.messages[3].state, MessageState::Cancelled);
}

#[tokio::test]
async fn a_quota_wait_counts_down_in_the_reply_and_ends_in_the_detail_panes_words() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let mut config = Config::default();
    config.gemini.base_url = Some(sandbox.base_url());
    let settings = Settings {
        paths: Paths::in_dir(dir.path()),
        config,
    };
    let options = EngineOptions {
        gemini_retry: RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_secs(30),
        },
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&settings, Role::Dashboard, options).unwrap();
    save_sandbox_key(&engine).await;
    let mut events = engine.subscribe();
    // The countdown is counted from the clock, so this app lives in the present.
    let mut app = App::new(
        Theme::new(false),
        Rect::new(0, 0, 120, 40),
        chrono::Local::now().fixed_offset(),
    );
    settle_inline(&engine, &mut app).await;
    app.update(Action::ShowScreen(Screen::Chat));
    settle_inline(&engine, &mut app).await;

    // Google says 429 with a short retryDelay, twice: the reply waits once, then gives up.
    for _ in 0..2 {
        sandbox.inject(Failure::RateLimited {
            retry_delay_secs: 1,
        });
    }
    typed(&mut app, "How did sales go?");
    app.update(Action::ChatSend);
    settle_inline(&engine, &mut app).await;
    pump(&mut app, &engine, &mut events, |a| {
        screen(a).contains("quota used up, retrying in") || !a.chat.busy()
    })
    .await;
    let waiting = screen(&app);
    assert!(
        waiting.contains("quota used up, retrying in") && waiting.contains("s · Esc stops"),
        "the wait shows in the reply:\n{waiting}"
    );
    assert!(app.needs_tick(), "the countdown wakes the dashboard");
    pump(&mut app, &engine, &mut events, |a| !a.chat.busy()).await;
    let MessageState::Failed { error } = &app.chat.messages[1].state else {
        panic!("the reply failed: {:?}", app.chat.messages[1]);
    };
    assert!(
        !error.contains("You exceeded"),
        "not Google's text: {error}"
    );
    assert!(!app.needs_tick(), "no countdown left on screen");
    let ended = screen(&app);
    assert!(!ended.contains("retrying"), "{ended}");
    assert!(
        ended.contains("✖ Gemini's quota is used up (HTTP 429)."),
        "{ended}"
    );

    // The detail pane says the same of the same error, met by a connection test.
    for _ in 0..2 {
        sandbox.inject(Failure::RateLimited {
            retry_delay_secs: 1,
        });
    }
    engine.test_gemini().await.unwrap();
    let views = engine.integrations().await.unwrap();
    let detail = views
        .iter()
        .find(|v| v.provider == Provider::Gemini)
        .unwrap();
    assert_eq!(
        format!(
            "{}. {}",
            detail.error_message.as_deref().unwrap_or_default(),
            detail.hint.as_deref().unwrap_or_default()
        ),
        *error
    );

    // Esc stops a reply while it waits.
    sandbox.inject(Failure::RateLimited {
        retry_delay_secs: 30,
    });
    typed(&mut app, "And now?");
    app.update(Action::ChatSend);
    settle_inline(&engine, &mut app).await;
    pump(&mut app, &engine, &mut events, |a| {
        screen(a).contains("quota used up, retrying in")
    })
    .await;
    app.update(Action::ChatCancel);
    settle_inline(&engine, &mut app).await;
    pump(&mut app, &engine, &mut events, |a| !a.chat.busy()).await;
    assert_eq!(app.chat.messages[3].state, MessageState::Cancelled);
    assert!(!app.needs_tick());
}

fn key(app: &mut App, code: KeyCode) {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    if let Some(action) =
        legion_hub::tui::keymap::action_for(app, ratatui::crossterm::event::Event::Key(key))
    {
        app.update(action);
    }
}

#[test]
fn a_replys_tool_calls_show_collapsed_and_enter_opens_the_marked_one() {
    let mut app = app(100, 30);
    let mut reply = message(
        2,
        ChatRole::Model,
        "November by class: Retail 39.65, Class revenue 193.25.",
        MessageState::Complete,
    );
    reply.tools = vec![
        ToolUse {
            name: "sales_summary".into(),
            arguments: "2026-11-01..2026-11-30 by class".into(),
            result: "4 groups; USD 237.34 in 7 sales".into(),
        },
        ToolUse {
            name: "integration_status".into(),
            arguments: String::new(),
            result: "Gemini connected, Mindbody connected".into(),
        },
    ];
    open_chat(
        &mut app,
        vec![
            message(
                1,
                ChatRole::User,
                "How much did we sell in November by class?",
                MessageState::Complete,
            ),
            reply,
        ],
    );
    let shown = screen(&app);
    assert!(
        shown.contains("⚙ sales_summary 2026-11-01..2026-11-30 by class ▸"),
        "{shown}"
    );
    assert!(shown.contains("⚙ integration_status ▸"), "{shown}");
    assert!(!shown.contains("answered:"), "{shown}");
    // From the input box Enter sends; in the messages it opens the marked (lowest) call.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let shown = screen(&app);
    assert!(shown.contains("⚙ integration_status ▾"), "{shown}");
    assert!(
        shown.contains("answered: Gemini connected, Mindbody connected"),
        "{shown}"
    );
    assert!(shown.contains("arguments: none"), "{shown}");
    assert!(
        shown.contains("⚙ sales_summary 2026-11-01..2026-11-30 by class ▸"),
        "{shown}"
    );
    key(&mut app, KeyCode::Enter);
    assert!(!screen(&app).contains("answered:"));
}
