//! A chat answer grounded in the books: the reply is streamed with the books' tools offered
//! (AUTO); when Gemini calls some (one or several in a turn), each is run locally, its model
//! turn is kept as it came (thought signature and all), a turn of function responses follows,
//! and the model is asked again; at most [`MAX_ROUNDS`] rounds, the last of which must answer
//! text. The reply's text is all the text that streamed, its usage the sum of every round's.

use tokio_util::sync::CancellationToken;

use super::books_tools::BooksTools;
use super::chat::{Reply, stream_reply};
use super::tools::{FunctionCall, FunctionCallingMode, FunctionResponse, Tool, ToolConfig};
use super::types::{Content, GenerateRequest};
use super::{GeminiClient, GeminiError};
use crate::store::{Store, TokenUsage, ToolUse};

/// The most rounds of one answer (each a request to Gemini).
pub const MAX_ROUNDS: usize = 5;
/// The most calls run from one turn; the rest are answered with a refusal (every call needs
/// its response, or the API refuses the next turn).
pub const MAX_CALLS_PER_TURN: usize = 10;

/// A grounded reply: the reply as the chat keeps it, and the tools it used.
#[derive(Debug, Clone, PartialEq)]
pub struct Grounded {
    pub reply: Reply,
    pub tools: Vec<ToolUse>,
    /// Requests made to Gemini.
    pub rounds: usize,
}

/// The books the tools run on, and what they may see of them.
#[derive(Clone, Copy)]
pub struct TheBooks<'a> {
    pub tools: &'a BooksTools,
    pub store: &'a Store,
}

/// Streams a reply to `request` with `tools` offered (none offered: one plain round).
/// `on_delta` gets text as it arrives in any round, `on_wait` each wait before a retry.
pub async fn grounded_reply(
    client: &GeminiClient,
    model: &str,
    mut request: GenerateRequest,
    books: TheBooks<'_>,
    cancel: &CancellationToken,
    mut on_delta: impl FnMut(&str),
    mut on_wait: impl FnMut(&GeminiError, std::time::Duration) + Send,
) -> Grounded {
    let declarations = books.tools.declarations();
    if !declarations.is_empty() {
        request.tools = vec![Tool {
            function_declarations: declarations,
        }];
    }
    let mut text = String::new();
    let mut usage: Option<TokenUsage> = None;
    let mut used = Vec::new();
    let mut round = 0;
    loop {
        round += 1;
        if !request.tools.is_empty() {
            let mode = if round < MAX_ROUNDS {
                FunctionCallingMode::Auto
            } else {
                FunctionCallingMode::None
            };
            request.tool_config = Some(ToolConfig::from(&mode));
        }
        let reply =
            stream_reply(client, model, &request, cancel, &mut on_delta, &mut on_wait).await;
        text.push_str(&reply.text);
        usage = sum(usage, reply.usage);
        let calls: Vec<FunctionCall> = reply
            .parts
            .iter()
            .filter_map(|p| p.function_call.clone())
            .collect();
        if reply.error.is_some() || calls.is_empty() || round >= MAX_ROUNDS {
            return Grounded {
                reply: Reply {
                    text,
                    usage,
                    ..reply
                },
                tools: used,
                rounds: round,
            };
        }
        let responses = calls
            .iter()
            .enumerate()
            .map(|(i, call)| {
                if i >= MAX_CALLS_PER_TURN {
                    return FunctionResponse::to(
                        call,
                        serde_json::json!({"error": format!("at most {MAX_CALLS_PER_TURN} calls are run in one turn")}),
                    );
                }
                let (response, use_) = books.tools.run(books.store, call);
                used.push(use_);
                FunctionResponse::to(call, response)
            })
            .collect();
        request.contents.push(Content {
            role: Some("model".to_string()),
            parts: reply.parts,
        });
        request
            .contents
            .push(Content::function_responses(responses));
    }
}

fn sum(so_far: Option<TokenUsage>, more: Option<TokenUsage>) -> Option<TokenUsage> {
    match (so_far, more) {
        (Some(a), Some(b)) => Some(TokenUsage {
            prompt: a.prompt.saturating_add(b.prompt),
            reply: a.reply.saturating_add(b.reply),
            total: a.total.saturating_add(b.total),
        }),
        (a, b) => a.or(b),
    }
}
