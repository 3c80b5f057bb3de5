//! A Gemini fake on loopback, shaped like the real Generative Language API (the bodies in
//! `assets/sandbox/gemini/` are Google's own): `models.list` with paging, `models.get`,
//! `generateContent`, `streamGenerateContent` with and without `alt=sse`, and `countTokens`,
//! under both `/v1beta/` and `/v1/`. Its replies are deterministic and useful: it echoes the
//! question, in Markdown. A body the real API refuses (an unknown field, a role other than
//! `user` and `model`) is refused here in its words (`gemini_request.rs`). Failures can be
//! injected from a test ([`GeminiSandbox::inject`]) or by a marker in the prompt
//! (`[sandbox:429]`, `[sandbox:503]`, `[sandbox:cut]`, `[sandbox:blocked]`), so a person can try
//! each error from the chat pane. Structured output (`responseSchema`, answered from the
//! prompt's words: `gemini/schema.rs`) and function calling (`gemini/tools.rs`) follow the real
//! API too.

// Handlers answer early with a finished `Response` as their error: the axum way.
#![allow(clippy::result_large_err)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

mod knowledge;
mod meaning;
mod periods;
pub(super) mod schema;
pub(super) mod tools;
mod words;

/// The key the sandbox accepts; any other is "not valid", as Google says it.
pub const SANDBOX_KEY: &str = "sandbox-gemini-key";
/// The most models one `models.list` page holds here, so clients must page.
const PAGE_SIZE: usize = 3;

const INVALID_KEY: &str =
    include_str!("../../assets/sandbox/gemini/error.invalid-api-key.400.json");
const RATE_LIMITED: &str = include_str!("../../assets/sandbox/gemini/error.rate-limit.429.json");
const OVERLOADED: &str = include_str!("../../assets/sandbox/gemini/error.overloaded.503.json");

/// The models the sandbox offers (late 2026), and one that cannot generate, to be filtered out.
const MODELS: &[(&str, &str, &[&str])] = &[
    (
        "gemini-3.8-flash",
        "Gemini 3.8 Flash",
        &["generateContent", "countTokens"],
    ),
    (
        "gemini-3.6-flash",
        "Gemini 3.6 Flash",
        &["generateContent", "countTokens"],
    ),
    (
        "gemini-3.5-flash-lite",
        "Gemini 3.5 Flash-Lite",
        &["generateContent", "countTokens"],
    ),
    (
        "gemini-3.1-flash-lite",
        "Gemini 3.1 Flash-Lite",
        &["generateContent", "countTokens"],
    ),
    (
        "gemini-3.1-pro-preview",
        "Gemini 3.1 Pro Preview",
        &["generateContent", "countTokens"],
    ),
    (
        "gemini-flash-latest",
        "Gemini Flash Latest",
        &["generateContent", "countTokens"],
    ),
    (
        "gemini-pro-latest",
        "Gemini Pro Latest",
        &["generateContent", "countTokens"],
    ),
    (
        "gemini-embedding-001",
        "Gemini Embedding 001",
        &["embedContent"],
    ),
];

/// A failure for the next request(s) to meet.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// 429 RESOURCE_EXHAUSTED with `RetryInfo.retryDelay`.
    RateLimited { retry_delay_secs: u64 },
    /// 503 UNAVAILABLE.
    Overloaded,
    /// 403 PERMISSION_DENIED.
    PermissionDenied,
    /// Any status with a short Google-shaped body (500, 502, 504, 408...).
    Status(u16),
    /// A stream that stops (connection dropped) after this many chunks.
    CutStream { after_chunks: usize },
    /// `promptFeedback.blockReason`, no candidates.
    BlockedPrompt,
    /// Not JSON at all (a proxy's error page).
    Garbage,
    /// A structured answer that does not fit its schema (cut off half-way, so not JSON), as a
    /// model now and then gives: clients must refuse it.
    Misfit,
    /// A structured answer that is JSON of its schema but skips the first item of its array and
    /// repeats the last (as many items as asked, one line never answered, one answered twice),
    /// as a model loses its place in a long batch: a client that ties answers to lines by their
    /// place would put them on the wrong lines; one that reads the ids it gave refuses it.
    SkipsALine,
}

struct SandboxState {
    failures: Mutex<VecDeque<Failure>>,
    chunk_delay_ms: AtomicU64,
    requests: AtomicUsize,
    /// The prompts of the last generate calls, for a test to see what was sent.
    prompts: Mutex<VecDeque<String>>,
}

/// The most prompts kept.
const PROMPTS_KEPT: usize = 200;

/// A running Gemini fake. Stops when dropped.
pub struct GeminiSandbox {
    addr: SocketAddr,
    state: Arc<SandboxState>,
    stop: CancellationToken,
}

impl Drop for GeminiSandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl GeminiSandbox {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start() -> std::io::Result<GeminiSandbox> {
        GeminiSandbox::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<GeminiSandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(SandboxState {
            failures: Mutex::new(VecDeque::new()),
            chunk_delay_ms: AtomicU64::new(0),
            requests: AtomicUsize::new(0),
            prompts: Mutex::new(VecDeque::new()),
        });
        let app = Router::new()
            .route("/{version}/models", get(list_models))
            .route("/{version}/models/{call}", get(get_model).post(call_model))
            .with_state(state.clone());
        let stop = super::serve(listener, app);
        Ok(GeminiSandbox { addr, state, stop })
    }

    /// The base URL to give legion-hub (`.../v1beta`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1beta", self.addr)
    }

    /// Queues a failure; each request takes the next one.
    pub fn inject(&self, failure: Failure) {
        self.state
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(failure);
    }

    /// A pause between stream chunks, so streaming can be seen (and cancelled) by a person.
    pub fn set_chunk_delay(&self, delay: Duration) {
        self.state
            .chunk_delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// The prompts of the last generate calls (up to 200), oldest first.
    pub fn prompts(&self) -> Vec<String> {
        let prompts = self.state.prompts.lock().unwrap_or_else(|e| e.into_inner());
        prompts.iter().cloned().collect()
    }
}

fn google_error(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        body,
    )
        .into_response()
}

fn json_reply(value: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        serde_json::to_string_pretty(&value).expect("json"),
    )
        .into_response()
}

fn error_body(status: StatusCode, code_name: &str, message: &str) -> Response {
    let body = json!({"error": {"code": status.as_u16(), "message": message, "status": code_name}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// The key check every call goes through, then the next injected failure, if any.
fn admit(
    state: &SandboxState,
    headers: &HeaderMap,
    query: &Query<Vec<(String, String)>>,
) -> Result<Option<Failure>, Response> {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let key = headers
        .get("x-goog-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            query
                .0
                .iter()
                .find(|(k, _)| k == "key")
                .map(|(_, v)| v.clone())
        });
    match key.as_deref() {
        None => {
            return Err(error_body(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            ));
        }
        Some(SANDBOX_KEY) => {}
        Some(_) => return Err(google_error(StatusCode::BAD_REQUEST, INVALID_KEY)),
    }
    let failure = state
        .failures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop_front();
    Ok(failure)
}

/// The reply for a failure that is answered before any content.
fn early_failure(failure: &Failure) -> Option<Response> {
    Some(match failure {
        Failure::RateLimited { retry_delay_secs } => {
            let body = RATE_LIMITED.replace("\"26s\"", &format!("\"{retry_delay_secs}s\""));
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
                body,
            )
                .into_response()
        }
        Failure::Overloaded => google_error(StatusCode::SERVICE_UNAVAILABLE, OVERLOADED),
        Failure::PermissionDenied => error_body(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "Generative Language API has not been used in project 000000000000 before or it is disabled.",
        ),
        Failure::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_body(
                status,
                "INTERNAL",
                "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
            )
        }
        Failure::Garbage => (
            StatusCode::BAD_GATEWAY,
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response(),
        Failure::CutStream { .. }
        | Failure::BlockedPrompt
        | Failure::Misfit
        | Failure::SkipsALine => return None,
    })
}

fn model_json(id: &str, display: &str, methods: &[&str]) -> Value {
    json!({
        "name": format!("models/{id}"),
        "version": "001",
        "displayName": display,
        "description": format!("{display}, as served by the legion-hub sandbox."),
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": methods,
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
        "thinking": true
    })
}

fn model_not_found(id: &str, version: &str) -> Response {
    let message = format!(
        "models/{id} is not found for API version {version}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods."
    );
    error_body(StatusCode::NOT_FOUND, "NOT_FOUND", &message)
}

async fn list_models(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    query: Query<Vec<(String, String)>>,
) -> Response {
    if version != "v1beta" && version != "v1" {
        return StatusCode::NOT_FOUND.into_response();
    }
    match admit(&state, &headers, &query) {
        Err(reply) => return reply,
        Ok(Some(failure)) => {
            if let Some(reply) = early_failure(&failure) {
                return reply;
            }
        }
        Ok(None) => {}
    }
    let param = |name: &str| {
        query
            .0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let size = param("pageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(50)
        .min(PAGE_SIZE);
    // The page token is the index of the first model of the page (opaque to clients).
    let start = param("pageToken")
        .and_then(|t| {
            t.strip_prefix("page-")
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(0)
        .min(MODELS.len());
    let end = (start + size).min(MODELS.len());
    let models: Vec<Value> = MODELS[start..end]
        .iter()
        .map(|(id, display, methods)| model_json(id, display, methods))
        .collect();
    let mut page = json!({ "models": models });
    if end < MODELS.len() {
        page["nextPageToken"] = json!(format!("page-{end}"));
    }
    json_reply(page)
}

async fn get_model(
    State(state): State<Arc<SandboxState>>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
    query: Query<Vec<(String, String)>>,
) -> Response {
    if let Err(reply) = admit(&state, &headers, &query) {
        return reply;
    }
    match MODELS.iter().find(|(m, _, _)| *m == id) {
        Some((id, display, methods)) => json_reply(model_json(id, display, methods)),
        None => model_not_found(&id, &version),
    }
}

/// What the sandbox reads of a request.
struct Question {
    /// The last user message's text.
    asked: String,
    /// The last user text there is: the question itself while turns of function responses
    /// follow it.
    question: String,
    messages: usize,
    system: Option<String>,
    prompt_tokens: u64,
    /// The whole body, for the generation config and the tools.
    body: Value,
    contents: Vec<Value>,
}

impl Question {
    /// The day the system instruction says it is, as the real model reads it; the sandbox's
    /// own clock when it says none.
    fn today(&self) -> chrono::NaiveDate {
        self.system
            .as_deref()
            .and_then(periods::today_in)
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

/// What the model answers: text, or calls of the declared functions.
enum Reply {
    Text(String),
    Calls(Vec<(String, Value)>),
}

impl Reply {
    /// The model turn's parts.
    fn parts(&self) -> Value {
        match self {
            Reply::Text(text) => json!([{ "text": text }]),
            Reply::Calls(calls) => Value::Array(tools::call_parts(calls)),
        }
    }

    /// Tokens as the sandbox counts them, the same way as a prompt's.
    fn tokens(&self) -> u64 {
        match self {
            Reply::Text(text) => text.split_whitespace().count() as u64,
            Reply::Calls(_) => self
                .parts()
                .as_array()
                .map_or(0, |parts| parts.iter().map(part_tokens).sum()),
        }
    }
}

/// A part's tokens: a text's words; a function call's or response's words and numbers.
fn part_tokens(part: &Value) -> u64 {
    if let Some(text) = part.get("text").and_then(Value::as_str) {
        return text.split_whitespace().count() as u64;
    }
    let function = [
        "functionCall",
        "function_call",
        "functionResponse",
        "function_response",
    ]
    .iter()
    .find_map(|k| part.get(*k));
    function.map_or(0, |f| {
        f.to_string()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .count() as u64
    })
}

fn read_question(method: &str, body: &Bytes) -> Result<Question, Response> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        error_body(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            &format!("Invalid JSON payload received. {e}"),
        )
    })?;
    let Some(map) = value.as_object() else {
        return Err(error_body(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received.",
        ));
    };
    if let Some(refusal) = super::gemini_request::refusal(method, &value) {
        return Err((
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            refusal.to_string(),
        )
            .into_response());
    }
    let texts = |content: &Value| -> String {
        content["parts"]
            .as_array()
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|p| p["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("")
            })
            .unwrap_or_default()
    };
    let contents = map
        .get("contents")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if contents.is_empty() {
        return Err(error_body(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "* GenerateContentRequest.contents: contents is not specified",
        ));
    }
    let asked = contents
        .iter()
        .rev()
        .find(|c| c["role"].as_str().is_none_or(|r| r == "user"))
        .map(texts)
        .unwrap_or_default();
    let question = contents
        .iter()
        .rev()
        .filter(|c| c["role"].as_str().is_none_or(|r| r == "user"))
        .map(texts)
        .find(|text| !text.is_empty())
        .unwrap_or_default();
    let system = map
        .get("systemInstruction")
        .or_else(|| map.get("system_instruction"))
        .map(texts);
    let parts_of = |c: &Value| c["parts"].as_array().cloned().unwrap_or_default();
    let tokens: u64 = contents
        .iter()
        .flat_map(parts_of)
        .map(|p| part_tokens(&p))
        .sum::<u64>()
        + system
            .as_deref()
            .map_or(0, |s| s.split_whitespace().count() as u64);
    Ok(Question {
        asked,
        question,
        messages: contents.len(),
        system,
        prompt_tokens: tokens,
        contents,
        body: value,
    })
}

/// The generation config's field, in either spelling.
fn config_field<'a>(body: &'a Value, camel: &str, proto: &str) -> Option<&'a Value> {
    let config = body
        .get("generationConfig")
        .or_else(|| body.get("generation_config"))?;
    config.get(camel).or_else(|| config.get(proto))
}

/// What the model answers: the tools' responses quoted, a function call, JSON of the response
/// schema, one enum value, or the echo.
fn reply(model: &str, question: &Question, failure: Option<&Failure>) -> Reply {
    let responses = tools::last_responses(&question.contents);
    let declared = tools::declarations(&question.body);
    if !responses.is_empty() {
        // A question that says "step by step" has the model look again after each turn of
        // responses, calling the same tools while it may (AUTO), as a real model chains calls:
        // how a test sees the hub's limit on rounds hold.
        let mode = tools::mode(&question.body);
        if mode == tools::Mode::Auto && question.question.to_lowercase().contains("step by step") {
            let again = tools::calls(&declared, &mode, &question.question, question.today());
            if !again.is_empty() {
                return Reply::Calls(again);
            }
        }
        return Reply::Text(tools::answer_from(&responses));
    }
    let calls = tools::calls(
        &declared,
        &tools::mode(&question.body),
        &question.asked,
        question.today(),
    );
    if !calls.is_empty() {
        return Reply::Calls(calls);
    }
    let mime = config_field(&question.body, "responseMimeType", "response_mime_type")
        .and_then(Value::as_str);
    let schema = config_field(&question.body, "responseSchema", "response_schema");
    let mut words = words::Words::new(&question.asked);
    let text = match (mime, schema) {
        (Some("application/json"), Some(schema)) => {
            let mut value = schema::value_for(schema, &mut words);
            if failure == Some(&Failure::SkipsALine) {
                skip_a_line(&mut value);
            }
            value.to_string()
        }
        (Some("application/json"), None) => json!({ "answer": words.gist() }).to_string(),
        (Some("text/x.enum"), Some(schema)) => {
            schema::chosen_enum(schema, &words).unwrap_or_else(|| words.gist())
        }
        _ => return Reply::Text(answer(model, question)),
    };
    if failure == Some(&Failure::Misfit) {
        // Cut half-way, as a reply that ran out of tokens is: not JSON.
        let half: String = text.chars().take(text.chars().count() / 2).collect();
        return Reply::Text(format!("Sure! Here it is: {half}"));
    }
    Reply::Text(text)
}

/// The array's first item gone and its last doubled, the length kept ([`Failure::SkipsALine`]).
fn skip_a_line(value: &mut Value) {
    if let Value::Array(items) = value
        && let Some(last) = items.last().cloned()
        && items.len() > 1
    {
        items.remove(0);
        items.push(last);
    }
}

/// The deterministic answer: the question echoed back, with a few facts about the request.
fn answer(model: &str, question: &Question) -> String {
    let asked = crate::text::one_line(&question.asked);
    let short: String = asked.chars().take(300).collect();
    let system = match &question.system {
        Some(s) => format!(
            "yes, it begins \"{}\"",
            s.split_whitespace().take(8).collect::<Vec<_>>().join(" ")
        ),
        None => "none".to_string(),
    };
    format!(
        "**You asked:** {short}\n\nThis is the legion-hub sandbox standing in for `{model}`. It answers every question by echoing it, so you can see the hub work without an account.\n\n- Words in your question: {}\n- Messages sent with it: {}\n- System instruction: {system}\n\n> {short}\n",
        asked.split_whitespace().count(),
        question.messages,
    )
}

/// The answer cut into stream chunks of a few words each.
fn pieces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, word) in text.split_inclusive(' ').enumerate() {
        current.push_str(word);
        if i % 4 == 3 {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// What the sandbox's model "thinks" before a reply: Gemini's current models think, report it
/// as `thoughtsTokenCount` in every chunk (the same number throughout, as the live capture
/// shows) and count it in the total, not in the candidates. Deterministic: a quarter of the
/// prompt, at least 8.
fn thoughts(prompt: u64) -> u64 {
    (prompt / 4).max(8)
}

fn chunk_json(parts: Value, model: &str, prompt: u64, so_far: u64, last: bool) -> Value {
    let mut candidate = json!({
        "content": {"parts": parts, "role": "model"},
        "index": 0
    });
    if last {
        candidate["finishReason"] = json!("STOP");
    }
    json!({
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": prompt,
            "candidatesTokenCount": so_far,
            "totalTokenCount": prompt + so_far + thoughts(prompt),
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
            "thoughtsTokenCount": thoughts(prompt)
        },
        "modelVersion": model,
        "responseId": "sandbox-0001"
    })
}

fn blocked_json(model: &str, prompt: u64) -> Value {
    json!({
        "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]},
        "modelVersion": model,
        "responseId": "sandbox-blocked-0001"
    })
}

/// A failure asked for in the prompt itself (`[sandbox:503]`), for people trying the hub.
fn failure_in_prompt(asked: &str) -> Option<Failure> {
    let marker = asked.split("[sandbox:").nth(1)?.split(']').next()?;
    Some(match marker {
        "429" => Failure::RateLimited {
            retry_delay_secs: 26,
        },
        "503" => Failure::Overloaded,
        "403" => Failure::PermissionDenied,
        "cut" => Failure::CutStream { after_chunks: 3 },
        "blocked" => Failure::BlockedPrompt,
        other => Failure::Status(other.parse().ok()?),
    })
}

async fn call_model(
    State(state): State<Arc<SandboxState>>,
    Path((version, call)): Path<(String, String)>,
    headers: HeaderMap,
    query: Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let injected = match admit(&state, &headers, &query) {
        Err(reply) => return reply,
        Ok(failure) => failure,
    };
    let Some((model, method)) = call.split_once(':') else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some((_, _, methods)) = MODELS.iter().find(|(m, _, _)| *m == model) else {
        return model_not_found(model, &version);
    };
    if !methods.contains(&"generateContent") {
        return model_not_found(model, &version);
    }
    let question = match read_question(method, &body) {
        Ok(q) => q,
        Err(reply) => return reply,
    };
    if method != "countTokens" {
        let mut prompts = state.prompts.lock().unwrap_or_else(|e| e.into_inner());
        if prompts.len() == PROMPTS_KEPT {
            prompts.pop_front();
        }
        prompts.push_back(question.asked.clone());
    }
    let failure = injected.or_else(|| failure_in_prompt(&question.asked));
    if let Some(reply) = failure.as_ref().and_then(early_failure) {
        return reply;
    }
    let prompt = question.prompt_tokens;
    match method {
        "countTokens" => json_reply(json!({
            "totalTokens": prompt,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]
        })),
        "generateContent" => {
            if failure == Some(Failure::BlockedPrompt) {
                return json_reply(blocked_json(model, prompt));
            }
            let reply = reply(model, &question, failure.as_ref());
            json_reply(chunk_json(
                reply.parts(),
                model,
                prompt,
                reply.tokens(),
                true,
            ))
        }
        "streamGenerateContent" => {
            let sse = query.0.iter().any(|(k, v)| k == "alt" && v == "sse");
            let chunks: Vec<Value> = if failure == Some(Failure::BlockedPrompt) {
                vec![blocked_json(model, prompt)]
            } else {
                match reply(model, &question, failure.as_ref()) {
                    // Calls come whole, in one chunk, as Gemini streams them.
                    calls @ Reply::Calls(_) => {
                        vec![chunk_json(
                            calls.parts(),
                            model,
                            prompt,
                            calls.tokens(),
                            true,
                        )]
                    }
                    Reply::Text(text) => {
                        let parts = pieces(&text);
                        let count = parts.len();
                        let mut so_far = 0;
                        parts
                            .iter()
                            .enumerate()
                            .map(|(i, p)| {
                                so_far += p.split_whitespace().count() as u64;
                                let part = json!([{ "text": p }]);
                                chunk_json(part, model, prompt, so_far, i + 1 == count)
                            })
                            .collect()
                    }
                }
            };
            let cut_after = match failure {
                Some(Failure::CutStream { after_chunks }) => Some(after_chunks),
                _ => None,
            };
            stream_reply(
                chunks,
                sse,
                cut_after,
                state.chunk_delay_ms.load(Ordering::Relaxed),
            )
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Streams the chunks: SSE (`data: ...\r\n\r\n`) or a JSON array written piece by piece.
fn stream_reply(
    chunks: Vec<Value>,
    sse: bool,
    cut_after: Option<usize>,
    delay_ms: u64,
) -> Response {
    let count = chunks.len();
    let chunks = Arc::new(chunks);
    let stream = futures_util::stream::unfold(0usize, move |i| {
        let chunks = chunks.clone();
        async move {
            if i > count {
                return None;
            }
            if cut_after == Some(i) {
                // Drop the connection mid-body, as a network cut or a crashed proxy would. The
                // pause lets what came before reach the client first.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Some((
                    Err(std::io::Error::other("stream cut by the sandbox")),
                    count + 1,
                ));
            }
            if i > 0 && i < count && delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            let piece = if i == count {
                if sse { return None } else { "\n]".to_string() }
            } else if sse {
                format!("data: {}\r\n\r\n", chunks[i])
            } else {
                let sep = if i == 0 { "[" } else { "\n," };
                format!(
                    "{sep}{}",
                    serde_json::to_string_pretty(&chunks[i]).expect("json")
                )
            };
            Some((Ok::<_, std::io::Error>(Bytes::from(piece)), i + 1))
        }
    });
    let content_type = if sse {
        "text/event-stream"
    } else {
        "application/json; charset=UTF-8"
    };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from_stream(stream))
        .expect("response builds")
}
