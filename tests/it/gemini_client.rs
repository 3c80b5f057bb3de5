//! The Gemini client against the loopback sandbox, for every reply the real API can give.

use std::time::Duration;

use futures_util::StreamExt;
use legion_hub::http::client as http_client;
use legion_hub::integrations::gemini::client::RetryPolicy;
use legion_hub::integrations::gemini::types::{Content, GenerateRequest, GenerationConfig};
use legion_hub::integrations::gemini::{GeminiClient, GeminiError};
use legion_hub::sandbox::gemini::{Failure, GeminiSandbox, SANDBOX_KEY};
use legion_hub::secret::Secret;
use tokio_util::sync::CancellationToken;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
    }
}

fn client(sandbox: &GeminiSandbox, key: &str) -> GeminiClient {
    GeminiClient::new(http_client(), &sandbox.base_url(), Secret::new(key))
        .with_retry(fast_retries())
}

fn question(text: &str) -> GenerateRequest {
    GenerateRequest {
        contents: vec![Content::text(Some("user"), text)],
        system_instruction: Some(Content::text(None, "You are a test.")),
        generation_config: None,
        ..GenerateRequest::default()
    }
}

fn never() -> CancellationToken {
    CancellationToken::new()
}

#[tokio::test]
async fn lists_every_page_and_keeps_only_models_that_generate() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let models = client(&sandbox, SANDBOX_KEY)
        .list_models(&never())
        .await
        .unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id()).collect();
    assert_eq!(ids.len(), 7, "{ids:?}");
    assert!(ids.contains(&"gemini-pro-latest"), "the last page was read");
    assert!(
        !ids.contains(&"gemini-embedding-001"),
        "embedding models cannot chat"
    );
    assert!(
        sandbox.requests() >= 3,
        "three models a page: several pages"
    );
}

#[tokio::test]
async fn generate_stream_and_count_tokens() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let client = client(&sandbox, SANDBOX_KEY);
    let reply = client
        .generate(
            "gemini-3.8-flash",
            &question("How were sales today?"),
            &never(),
        )
        .await
        .unwrap();
    assert!(
        reply
            .text()
            .contains("**You asked:** How were sales today?")
    );
    assert_eq!(reply.finish_reason(), Some("STOP"));

    let stream = client
        .stream(
            "models/gemini-3.8-flash",
            &question("Stream this please"),
            &never(),
        )
        .await
        .unwrap();
    let chunks: Vec<_> = stream.collect().await;
    assert!(chunks.len() > 3, "the reply comes in pieces");
    let text: String = chunks.iter().map(|c| c.as_ref().unwrap().text()).collect();
    assert!(text.contains("Stream this please"));
    let last = chunks.last().unwrap().as_ref().unwrap();
    assert_eq!(last.finish_reason(), Some("STOP"));
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c.as_ref().unwrap().finish_reason().is_none())
    );
    let usage = last.usage_metadata.unwrap();
    // A thinking model's total counts its thoughts beside the reply, as the live capture does.
    assert!(usage.thoughts_token_count > 0);
    assert_eq!(
        usage.total_token_count,
        usage.prompt_token_count + usage.candidates_token_count + usage.thoughts_token_count
    );

    let tokens = client
        .count_tokens("gemini-3.8-flash", &question("one two three"), &never())
        .await
        .unwrap();
    assert_eq!(tokens, 3, "countTokens counts the contents");
    assert_eq!(
        client
            .get_model("gemini-3.6-flash", &never())
            .await
            .unwrap()
            .id(),
        "gemini-3.6-flash"
    );
}

#[tokio::test]
async fn a_bad_key_is_invalid_key_and_is_not_retried() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let err = client(&sandbox, "AIza-wrong")
        .list_models(&never())
        .await
        .unwrap_err();
    assert_eq!(err, GeminiError::InvalidKey);
    assert_eq!(
        err.step(),
        Some(legion_hub::domain::NextStep::ConfigureGemini)
    );
    assert_eq!(sandbox.requests(), 1);
}

#[tokio::test]
async fn rate_limits_are_waited_out_when_short_and_reported_when_long() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    sandbox.inject(Failure::RateLimited {
        retry_delay_secs: 0,
    });
    let models = client(&sandbox, SANDBOX_KEY)
        .list_models(&never())
        .await
        .unwrap();
    assert_eq!(models.len(), 7, "retried after the 429");

    sandbox.inject(Failure::RateLimited {
        retry_delay_secs: 26,
    });
    let err = client(&sandbox, SANDBOX_KEY)
        .list_models(&never())
        .await
        .unwrap_err();
    match &err {
        GeminiError::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(26)))
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    assert!(err.hint().contains("26 s"));
}

#[tokio::test]
async fn overload_and_server_errors_are_retried_then_reported() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    sandbox.inject(Failure::Overloaded);
    sandbox.inject(Failure::Status(502));
    let reply = client(&sandbox, SANDBOX_KEY)
        .generate("gemini-3.8-flash", &question("hi"), &never())
        .await;
    assert!(reply.is_ok(), "two failures, then the third try answers");

    for _ in 0..3 {
        sandbox.inject(Failure::Overloaded);
    }
    let err = client(&sandbox, SANDBOX_KEY)
        .generate("gemini-3.8-flash", &question("hi"), &never())
        .await
        .unwrap_err();
    assert!(matches!(err, GeminiError::Unavailable(m) if m.contains("high demand")));
}

#[tokio::test]
async fn permission_unknown_model_garbage_and_blocked_each_have_their_error() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let client = client(&sandbox, SANDBOX_KEY);
    sandbox.inject(Failure::PermissionDenied);
    assert!(matches!(
        client.list_models(&never()).await.unwrap_err(),
        GeminiError::PermissionDenied(m) if m.contains("disabled")
    ));
    let err = client
        .generate("gemini-2.0-flash-exp", &question("hi"), &never())
        .await
        .unwrap_err();
    assert!(matches!(&err, GeminiError::ModelNotFound(m) if m.contains("gemini-2.0-flash-exp")));
    for _ in 0..3 {
        sandbox.inject(Failure::Garbage);
    }
    assert!(matches!(
        client.list_models(&never()).await.unwrap_err(),
        GeminiError::Server { status: 502, .. }
    ));
    sandbox.inject(Failure::BlockedPrompt);
    assert_eq!(
        client
            .generate("gemini-3.8-flash", &question("hi"), &never())
            .await
            .unwrap_err(),
        GeminiError::Blocked("PROHIBITED_CONTENT".into())
    );
}

#[tokio::test]
async fn a_stream_cut_midway_keeps_what_arrived() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    sandbox.inject(Failure::CutStream { after_chunks: 2 });
    let stream = client(&sandbox, SANDBOX_KEY)
        .stream(
            "gemini-3.8-flash",
            &question("a long question with many words"),
            &never(),
        )
        .await
        .unwrap();
    let chunks: Vec<_> = stream.collect().await;
    assert_eq!(chunks.iter().filter(|c| c.is_ok()).count(), 2);
    assert!(matches!(
        chunks.last().unwrap(),
        Err(GeminiError::StreamCut(_))
    ));
}

#[tokio::test]
async fn nobody_listening_is_a_network_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = GeminiClient::new(
        http_client(),
        &format!("http://127.0.0.1:{port}/v1beta"),
        Secret::new(SANDBOX_KEY),
    )
    .with_retry(fast_retries());
    let err = client.list_models(&never()).await.unwrap_err();
    assert!(matches!(err, GeminiError::Network { .. }), "{err:?}");
    assert!(!err.to_string().contains(SANDBOX_KEY));
}

#[tokio::test]
async fn retries_stop_when_cancelled() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    sandbox.inject(Failure::RateLimited {
        retry_delay_secs: 1,
    });
    let cancel = CancellationToken::new();
    let slow = GeminiClient::new(http_client(), &sandbox.base_url(), Secret::new(SANDBOX_KEY));
    let task = tokio::spawn({
        let cancel = cancel.clone();
        async move { slow.list_models(&cancel).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    cancel.cancel();
    assert_eq!(task.await.unwrap().unwrap_err(), GeminiError::Cancelled);
}

#[tokio::test]
async fn the_sandbox_speaks_v1_and_snake_case_like_the_real_api() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let http = http_client();
    let v1 = sandbox.base_url().replace("/v1beta", "/v1");
    let body = serde_json::json!({
        "contents": [{"role": "user", "parts": [{"text": "snake"}]}],
        "system_instruction": {"parts": [{"text": "sys"}]},
        "generation_config": {"temperature": 0.2}
    });
    let reply = http
        .post(format!("{v1}/models/gemini-3.8-flash:generateContent"))
        .header("x-goog-api-key", SANDBOX_KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let bad = serde_json::json!({"contents": [{"parts": [{"text": "x"}]}], "foo": 1});
    let reply = http
        .post(format!("{v1}/models/gemini-3.8-flash:generateContent"))
        .header("x-goog-api-key", SANDBOX_KEY)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
    assert!(reply.text().await.unwrap().contains("Unknown name"));
    // Without alt=sse the stream is one JSON array.
    let reply = http
        .post(format!(
            "{v1}/models/gemini-3.8-flash:streamGenerateContent"
        ))
        .header("x-goog-api-key", SANDBOX_KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    let chunks: Vec<serde_json::Value> =
        serde_json::from_str(&reply.text().await.unwrap()).unwrap();
    assert!(chunks.len() > 1);
    assert_eq!(
        chunks.last().unwrap()["candidates"][0]["finishReason"],
        "STOP"
    );
}

/// POSTs `body` to `generateContent` and gives the status and the JSON reply.
pub(crate) async fn post_generate(
    sandbox: &GeminiSandbox,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let reply = http_client()
        .post(format!(
            "{}/models/gemini-3.8-flash:generateContent",
            sandbox.base_url()
        ))
        .header("x-goog-api-key", SANDBOX_KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    (reply.status().as_u16(), reply.json().await.unwrap())
}

/// As the real API: 400 INVALID_ARGUMENT naming the unknown field and where it is, or the role
/// it does not know; both spellings of a known field are read.
#[tokio::test]
async fn unknown_fields_and_roles_are_refused_by_name_like_the_real_api() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let user = serde_json::json!([{"role": "user", "parts": [{"text": "hi"}]}]);
    let google: serde_json::Value = serde_json::from_str(include_str!(
        "../fixtures/gemini/error.invalid-argument.400.json"
    ))
    .unwrap();
    let (status, body) = post_generate(
        &sandbox,
        serde_json::json!({"contents": user, "generationConfig": {"temperature": 0.2, "foo": 1}}),
    )
    .await;
    assert_eq!(
        (status, &body),
        (400, &google),
        "Google's own reply, word for word"
    );

    let (status, body) = post_generate(
        &sandbox,
        serde_json::json!({"contents": user, "generation_config": {"maxOutputTokens": 9, "top_k": 3, "temprature": 1}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "Invalid JSON payload received. Unknown name \"temprature\" at 'generation_config': Cannot find field."
    );

    let (status, body) = post_generate(
        &sandbox,
        serde_json::json!({"contents": user, "stream": true}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(
        body["error"]["message"],
        "Invalid JSON payload received. Unknown name \"stream\": Cannot find field."
    );

    let (status, body) = post_generate(
        &sandbox,
        serde_json::json!({"contents": [
            {"role": "user", "parts": [{"text": "hi"}]},
            {"role": "assistant", "parts": [{"text": "hello"}]},
            {"role": "user", "parts": [{"text": "and?"}]}
        ]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(
        body["error"]["message"],
        "Please use a valid role: user, model."
    );

    let (status, body) = post_generate(
        &sandbox,
        serde_json::json!({"contents": user, "generationConfig": {
            "temperature": 0.2, "max_output_tokens": 100, "thinkingConfig": {"thinkingBudget": 0},
            "responseMimeType": "text/plain", "candidate_count": 1
        }}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// What the client itself sends (a conversation, a temperature) passes the strict sandbox.
#[tokio::test]
async fn the_client_sends_only_fields_and_roles_the_api_knows() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let request = GenerateRequest {
        contents: vec![
            Content::text(Some("user"), "How were sales?"),
            Content::text(Some("model"), "Fine."),
            Content::text(Some("user"), "And today?"),
        ],
        system_instruction: Some(Content::text(None, "You are a test.")),
        generation_config: Some(GenerationConfig {
            temperature: Some(0.3),
            ..GenerationConfig::default()
        }),
        ..GenerateRequest::default()
    };
    let client = client(&sandbox, SANDBOX_KEY);
    let reply = client
        .generate("gemini-3.8-flash", &request, &never())
        .await
        .unwrap();
    assert!(reply.text().contains("And today?"));
    let stream = client
        .stream("models/gemini-3.8-flash", &request, &never())
        .await
        .unwrap();
    let chunks: Vec<_> = stream.collect().await;
    assert!(chunks.iter().all(Result::is_ok), "{chunks:?}");
}
