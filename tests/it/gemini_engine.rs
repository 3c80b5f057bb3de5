//! Gemini through the engine, against the sandbox: the test sets the status, retired models get
//! a replacement, chat streams, persists across a restart, and cancels mid-stream.

use std::time::Duration;

use legion_hub::config::{Config, Paths, Settings};
use legion_hub::domain::Status;
use legion_hub::engine::{Engine, EngineOptions, Event, GeminiUpdate, Role};
use legion_hub::integrations::gemini::client::RetryPolicy;
use legion_hub::integrations::gemini::models::Alias;
use legion_hub::sandbox::gemini::{Failure, GeminiSandbox, SANDBOX_KEY};
use legion_hub::secret::Secret;
use legion_hub::store::{ChatRole, MessageState};
use tokio::sync::broadcast;

fn engine(dir: &std::path::Path, sandbox: &GeminiSandbox) -> Engine {
    let mut config = Config::default();
    config.gemini.base_url = Some(sandbox.base_url());
    let settings = Settings {
        paths: Paths::in_dir(dir),
        config,
    };
    let options = EngineOptions {
        gemini_retry: RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_secs(1),
        },
        ..EngineOptions::default()
    };
    Engine::open_with(&settings, Role::Dashboard, options).unwrap()
}

fn key(k: &str) -> GeminiUpdate {
    GeminiUpdate {
        api_key: Some(Secret::new(k)),
        ..GeminiUpdate::default()
    }
}

async fn gemini_view(engine: &Engine) -> legion_hub::engine::IntegrationView {
    engine.integrations().await.unwrap().remove(0)
}

async fn next_finished(events: &mut broadcast::Receiver<Event>) -> legion_hub::store::ChatMessage {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Ok(Event::ChatFinished(message))) => return message,
            Ok(Ok(_)) => continue,
            other => panic!("no ChatFinished: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_good_key_connects_and_fills_the_aliases_from_the_live_list() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox);
    let report = engine.configure_gemini(key(SANDBOX_KEY)).await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.models, 7);
    let view = gemini_view(&engine).await;
    assert_eq!(view.status, Status::Connected);
    assert_eq!(
        view.settings.get("fast_model").unwrap(),
        "gemini-flash-latest"
    );
    assert_eq!(view.settings.get("pro_model").unwrap(), "gemini-pro-latest");
    assert!(view.has_credentials);
    let key_from = view.facts.iter().find(|f| f.label == "Key from").unwrap();
    assert!(key_from.value.contains("saved, sealed"));
    let json = serde_json::to_string(&view).unwrap();
    assert!(
        !json.contains(SANDBOX_KEY),
        "the view never carries the key"
    );
}

#[tokio::test]
async fn a_bad_key_is_an_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox);
    let report = engine
        .configure_gemini(key("AIza-not-valid"))
        .await
        .unwrap();
    assert!(!report.ok);
    let view = gemini_view(&engine).await;
    assert_eq!(view.status, Status::Error);
    assert!(
        view.error_message
            .as_deref()
            .unwrap()
            .contains("API_KEY_INVALID")
    );
    let cli = view
        .advice(legion_hub::domain::FrontEnd::CommandLine)
        .unwrap();
    assert!(cli.contains("gemini configure"), "{cli}");
    let dashboard = view
        .advice(legion_hub::domain::FrontEnd::Dashboard)
        .unwrap();
    assert!(dashboard.contains("Press c on Gemini"), "{dashboard}");
    assert!(view.needs_attention());
}

#[tokio::test]
async fn a_retired_model_is_offered_its_replacement_and_one_call_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox);
    let update = GeminiUpdate {
        api_key: Some(Secret::new(SANDBOX_KEY)),
        fast: Some("gemini-2.0-flash-exp".into()),
        pro: Some("gemini-1.5-pro-latest".into()),
        ..GeminiUpdate::default()
    };
    let report = engine.configure_gemini(update).await.unwrap();
    assert!(!report.ok);
    let offer = report.replacement_offer().unwrap();
    assert!(
        offer.contains("gemini-2.0-flash-exp is not offered any more; use gemini-flash-latest"),
        "{offer}"
    );
    assert!(offer.contains("use gemini-pro-latest"), "{offer}");
    let view = gemini_view(&engine).await;
    assert_eq!(view.status, Status::Error);
    assert_eq!(view.offer.as_deref(), Some(offer.as_str()));

    let report = engine.accept_gemini_replacements().await.unwrap();
    assert!(report.ok, "{report:?}");
    let settings = engine.gemini_settings().await.unwrap();
    assert_eq!(settings.model(Alias::Fast), Some("gemini-flash-latest"));
    assert_eq!(gemini_view(&engine).await.status, Status::Connected);
}

#[tokio::test]
async fn a_long_rate_limit_is_reported_with_when_to_retry() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox);
    engine.configure_gemini(key(SANDBOX_KEY)).await.unwrap();
    sandbox.inject(Failure::RateLimited {
        retry_delay_secs: 26,
    });
    let report = engine.test_gemini().await.unwrap();
    assert_eq!(report.retry_after_secs, Some(26));
    let view = gemini_view(&engine).await;
    assert_eq!(view.status, Status::Error);
    assert!(view.retry_at.is_some(), "the dashboard counts down to it");
}

#[tokio::test]
async fn chat_streams_and_is_there_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let conversation;
    {
        let engine = engine(dir.path(), &sandbox);
        engine.configure_gemini(key(SANDBOX_KEY)).await.unwrap();
        let mut events = engine.subscribe();
        conversation = engine
            .send_chat(None, "How do I reconnect Mindbody?".into(), None)
            .await
            .unwrap();
        let mut deltas = 0;
        let finished = loop {
            match tokio::time::timeout(Duration::from_secs(10), events.recv())
                .await
                .unwrap()
                .unwrap()
            {
                Event::ChatDelta { .. } => deltas += 1,
                Event::ChatFinished(message) => break message,
                _ => {}
            }
        };
        assert!(deltas > 3, "the reply arrived in pieces");
        assert_eq!(finished.state, MessageState::Complete);
        assert!(finished.text.contains("How do I reconnect Mindbody?"));
        let usage = finished.usage.unwrap();
        assert!(usage.reply > 0 && usage.total == usage.prompt + usage.reply);
        // A follow-up goes with the conversation so far.
        engine
            .send_chat(
                Some(conversation),
                "And last week?".into(),
                Some("pro".into()),
            )
            .await
            .unwrap();
        let second = next_finished(&mut events).await;
        assert!(
            second.text.contains("Messages sent with it: 3"),
            "{}",
            second.text
        );
        assert_eq!(second.model.as_deref(), Some("gemini-pro-latest"));
    }
    let engine = engine(dir.path(), &sandbox);
    let list = engine.conversations().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "How do I reconnect Mindbody?");
    let (_, messages) = engine.conversation(conversation).await.unwrap();
    let roles: Vec<ChatRole> = messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            ChatRole::User,
            ChatRole::Model,
            ChatRole::User,
            ChatRole::Model
        ]
    );
    assert!(messages.iter().all(|m| m.state == MessageState::Complete));
}

#[tokio::test]
async fn cancel_mid_stream_keeps_the_partial_reply_marked() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    sandbox.set_chunk_delay(Duration::from_millis(60));
    let engine = engine(dir.path(), &sandbox);
    engine.configure_gemini(key(SANDBOX_KEY)).await.unwrap();
    let mut events = engine.subscribe();
    let id = engine
        .send_chat(None, "Tell me everything about the books".into(), None)
        .await
        .unwrap();
    loop {
        if let Event::ChatDelta { .. } = events.recv().await.unwrap() {
            break;
        }
    }
    assert!(engine.cancel_chat(id).await.unwrap());
    let message = next_finished(&mut events).await;
    assert_eq!(message.state, MessageState::Cancelled);
    assert!(!message.text.is_empty(), "what arrived is kept");
    assert!(message.text.len() < 200, "but not the whole reply");
    let (_, saved) = engine.conversation(id).await.unwrap();
    assert_eq!(saved.last().unwrap(), &message);
    assert!(
        !engine.cancel_chat(id).await.unwrap(),
        "nothing left to cancel"
    );
}

#[tokio::test]
async fn a_stream_cut_or_a_blocked_prompt_is_kept_as_a_failed_reply() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox);
    engine.configure_gemini(key(SANDBOX_KEY)).await.unwrap();
    let mut events = engine.subscribe();
    sandbox.inject(Failure::CutStream { after_chunks: 2 });
    let id = engine
        .send_chat(
            None,
            "one two three four five six seven eight nine".into(),
            None,
        )
        .await
        .unwrap();
    let cut = next_finished(&mut events).await;
    assert!(
        matches!(&cut.state, MessageState::Failed { error } if error.contains("stopped part-way"))
    );
    assert!(!cut.text.is_empty());

    engine
        .send_chat(Some(id), "something [sandbox:blocked]".into(), None)
        .await
        .unwrap();
    let blocked = next_finished(&mut events).await;
    assert!(
        matches!(&blocked.state, MessageState::Failed { error } if error.contains("PROHIBITED_CONTENT"))
    );
}

#[tokio::test]
async fn the_system_instruction_describes_the_hub_and_carries_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = GeminiSandbox::start().await.unwrap();
    let engine = engine(dir.path(), &sandbox);
    engine.configure_gemini(key(SANDBOX_KEY)).await.unwrap();
    let views = engine.integrations().await.unwrap();
    let text = legion_hub::engine::system_instruction(&views, chrono::Utc::now());
    assert!(text.contains("Legion Finance"));
    assert!(text.contains("- Gemini: connected"));
    assert!(text.contains("- Mindbody: disconnected"));
    assert!(!text.contains(SANDBOX_KEY));
}
