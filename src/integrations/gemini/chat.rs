//! Chat with Gemini: conversations kept in the store and streamed reply by reply, cancellable
//! mid-stream (what arrived is kept and marked), and one-shot questions for scripts. The system
//! instruction tells Gemini whose assistant it is and what state the hub is in; it carries no
//! secret (views never hold one).

use chrono::Utc;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::api::chat::Answer;
use crate::api::event::Event;
use crate::api::view::IntegrationView;
use crate::books::access::BooksAccess;
use crate::engine::host::{Core, EngineError};
use crate::engine::jobs::Slot;
use crate::integrations::gemini::books_tools::BooksTools;
use crate::integrations::gemini::grounded::{TheBooks, grounded_reply};
use crate::integrations::gemini::models::Alias;
use crate::integrations::gemini::types::{Content, GenerateRequest, GenerationConfig, Part};
use crate::integrations::gemini::{GeminiClient, GeminiError};
use crate::store::{ChatMessage, ChatRole, Conversation, MessageState, TokenUsage};

/// How many earlier messages go with a question: enough for context, bounded in size.
const CONTEXT_MESSAGES: usize = 40;

/// The slot of a conversation's reply (one at a time in each conversation).
const REPLY: Slot = Slot::of(crate::domain::Provider::Gemini, "chat reply");

/// A finished (or stopped) reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub model: String,
    pub usage: Option<TokenUsage>,
    /// Why it ended early, if it did.
    pub error: Option<GeminiError>,
    /// The model's turn as it came, every part of every chunk (a function call's thought
    /// signature included), for a history that goes on after it.
    pub parts: Vec<Part>,
}

impl Core {
    pub async fn conversations(&self) -> Result<Vec<Conversation>, EngineError> {
        Ok(self.inner.store.conversations()?)
    }

    pub async fn conversation(
        &self,
        id: u64,
    ) -> Result<(Conversation, Vec<ChatMessage>), EngineError> {
        let conversation = self
            .inner
            .store
            .conversation(id)?
            .ok_or_else(|| EngineError::Invalid(format!("there is no conversation {id}")))?;
        Ok((conversation, self.inner.store.messages(id)?))
    }

    /// "fast", "pro", a model name, or None for the default alias → a model name. An alias with
    /// no model yet is filled from the live model list (and saved).
    pub async fn resolve_model(&self, choice: Option<&str>) -> Result<String, EngineError> {
        let settings = self.gemini_settings()?;
        let alias = match choice.map(str::trim).filter(|c| !c.is_empty()) {
            None => settings.default_alias,
            Some(text) => match Alias::parse(text) {
                Some(alias) => alias,
                None => return Ok(text.trim_start_matches("models/").to_string()),
            },
        };
        if let Some(model) = settings.model(alias) {
            return Ok(model.to_string());
        }
        // No model chosen yet: the test picks one from the live list (and needs the key).
        self.gemini_client()?;
        let report = self.test_gemini().await?;
        if let (false, Some(error)) = (report.ok, &report.error) {
            return Err(EngineError::Invalid(crate::domain::sentences(
                error,
                report.hint.as_deref().unwrap_or_default(),
            )));
        }
        self.gemini_settings()?
            .model(alias)
            .map(str::to_string)
            .ok_or_else(|| {
                EngineError::Invalid(format!(
                    "no model for `{}` yet: pick one in Gemini's settings",
                    alias.name()
                ))
            })
    }

    /// Sends `text` in a conversation (a new one when None) and streams the reply in the
    /// background: `ChatStarted`, then `ChatDelta`s (and a `ChatRetrying` before each wait to ask
    /// again), then `ChatFinished`. Returns the conversation's id. One reply at a time per
    /// conversation.
    pub async fn send_chat(
        &self,
        conversation: Option<u64>,
        text: &str,
        model: Option<&str>,
    ) -> Result<u64, EngineError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EngineError::Invalid("the message is empty".into()));
        }
        let store = &self.inner.store;
        let conversation = match conversation {
            Some(id) => self.conversation(id).await?.0,
            None => {
                let model = model.unwrap_or(self.gemini_settings()?.default_alias.name());
                store.create_conversation(&title_for(text), model)?
            }
        };
        let Some(claim) = self.inner.jobs.claim(REPLY.keyed(conversation.id)) else {
            return Err(EngineError::Busy(
                "a reply is still arriving in this conversation".into(),
            ));
        };
        let cancel = claim.token();
        let history = store.messages(conversation.id)?;
        let choice = model
            .map(str::to_string)
            .unwrap_or(conversation.model.clone());
        let user = store.append_message(ChatMessage {
            conversation: conversation.id,
            seq: 0,
            role: ChatRole::User,
            text: text.to_string(),
            model: None,
            usage: None,
            state: MessageState::Complete,
            created_at: Utc::now(),
            tools: Vec::new(),
        })?;
        let engine = self.clone();
        claim.spawn(async move {
            engine
                .stream_into_conversation(conversation.id, history, user, &choice, cancel)
                .await
        });
        Ok(conversation.id)
    }

    async fn stream_into_conversation(
        &self,
        conversation: u64,
        history: Vec<ChatMessage>,
        user: ChatMessage,
        choice: &str,
        cancel: CancellationToken,
    ) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let model = self.resolve_model(Some(choice)).await;
        let mut reply = store.append_message(ChatMessage {
            conversation,
            seq: 0,
            role: ChatRole::Model,
            text: String::new(),
            model: model.as_ref().ok().cloned(),
            usage: None,
            state: MessageState::Streaming,
            created_at: Utc::now(),
            tools: Vec::new(),
        })?;
        self.emit(Event::ChatStarted {
            user: user.clone(),
            reply: reply.clone(),
        });
        let outcome = match (model, self.gemini_client()) {
            (Ok(model), Ok((client, _))) => {
                let mut contents = context(&history);
                contents.push(Content::text(Some("user"), user.text.clone()));
                let request = self.chat_request(contents).await?;
                let seq = reply.seq;
                let on_delta = |delta: &str| {
                    self.emit(Event::ChatDelta {
                        conversation,
                        seq,
                        text: delta.to_string(),
                    })
                };
                let on_wait = |error: &GeminiError, delay: std::time::Duration| {
                    self.emit(Event::ChatRetrying {
                        conversation,
                        seq,
                        reason: error.retry_reason().to_string(),
                        at: Utc::now() + delay,
                    })
                };
                let grounded = grounded_reply(
                    &client,
                    &model,
                    request,
                    TheBooks {
                        tools: &self.books_tools(),
                        store,
                    },
                    &cancel,
                    on_delta,
                    on_wait,
                )
                .await;
                reply.tools = grounded.tools;
                grounded.reply
            }
            (Err(error), _) | (_, Err(error)) => Reply {
                text: String::new(),
                model: String::new(),
                usage: None,
                parts: Vec::new(),
                error: Some(match error {
                    EngineError::Gemini { error } => error,
                    other => GeminiError::Rejected {
                        status: 0,
                        message: other.to_string(),
                    },
                }),
            },
        };
        reply.text = outcome.text;
        reply.usage = outcome.usage;
        reply.state = match outcome.error {
            None => MessageState::Complete,
            Some(GeminiError::Cancelled) => MessageState::Cancelled,
            Some(error) => MessageState::Failed {
                error: error.explain(),
            },
        };
        store.update_message(&reply)?;
        self.keep_chat_explanation(&reply)?;
        self.emit(Event::ChatFinished(reply));
        Ok(())
    }

    /// Stops the reply arriving in `conversation`. Returns whether one was arriving.
    pub fn cancel_chat(&self, conversation: u64) -> bool {
        self.inner.jobs.cancel(REPLY.keyed(conversation))
    }

    /// A one-shot question, not saved: for `legion-hub chat`. `on_delta` gets the text as it
    /// arrives, `on_wait` each wait before a retry (why, how long).
    pub async fn ask(
        &self,
        question: &str,
        model: Option<&str>,
        cancel: &CancellationToken,
        on_delta: impl FnMut(&str),
        on_wait: impl FnMut(&GeminiError, std::time::Duration) + Send,
    ) -> Result<Reply, EngineError> {
        let (client, _) = self.gemini_client()?;
        let model = self.resolve_model(model).await?;
        let request = self
            .chat_request(vec![Content::text(Some("user"), question.trim())])
            .await?;
        let grounded = grounded_reply(
            &client,
            &model,
            request,
            TheBooks {
                tools: &self.books_tools(),
                store: &self.inner.store,
            },
            cancel,
            on_delta,
            on_wait,
        )
        .await;
        Ok(grounded.reply)
    }

    /// What the chat's tools may see of the books, by the config, today.
    pub fn books_tools(&self) -> BooksTools {
        let config = &self.inner.config;
        BooksTools {
            access: config.gemini.books_access.chat(),
            customer_names: config.gemini.customer_names,
            today: chrono::Local::now().date_naive(),
            overdue_after_days: config.books.deposit_overdue_days,
        }
    }

    /// A one-shot question answered whole (for a `chat` attached to a running hub).
    pub async fn ask_whole(
        &self,
        question: &str,
        model: Option<&str>,
    ) -> Result<Answer, EngineError> {
        let reply = self
            .ask(
                question,
                model,
                &CancellationToken::new(),
                |_| {},
                |_, _| {},
            )
            .await?;
        Ok(Answer {
            text: reply.text,
            error: reply.error.map(|e| e.explain()),
        })
    }

    async fn chat_request(&self, contents: Vec<Content>) -> Result<GenerateRequest, EngineError> {
        let views = self.integrations().await?;
        let temperature = self.gemini_settings()?.temperature;
        Ok(GenerateRequest {
            contents,
            system_instruction: Some(Content::text(
                None,
                system_instruction(&views, Utc::now()) + &books_instruction(&self.books_tools()),
            )),
            generation_config: temperature.map(|t| GenerationConfig {
                temperature: Some(t),
                ..GenerationConfig::default()
            }),
            ..GenerateRequest::default()
        })
    }
}

/// Streams one reply, handing each piece of text to `on_delta` and each wait before a retry to
/// `on_wait`; never fails: an error (or a cancel) ends the reply and is returned with the text
/// that arrived.
pub async fn stream_reply(
    client: &GeminiClient,
    model: &str,
    request: &GenerateRequest,
    cancel: &CancellationToken,
    mut on_delta: impl FnMut(&str),
    mut on_wait: impl FnMut(&GeminiError, std::time::Duration) + Send,
) -> Reply {
    let mut reply = Reply {
        text: String::new(),
        model: model.to_string(),
        usage: None,
        error: None,
        parts: Vec::new(),
    };
    let stream = match client
        .stream_telling_waits(model, request, cancel, &mut on_wait)
        .await
    {
        Ok(stream) => stream,
        Err(error) => {
            reply.error = Some(error);
            return reply;
        }
    };
    futures_util::pin_mut!(stream);
    let mut finished = false;
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => {
                reply.error = Some(GeminiError::Cancelled);
                return reply;
            }
            next = stream.next() => next,
        };
        match next {
            Some(Ok(chunk)) => {
                let text = chunk.text();
                if !text.is_empty() {
                    on_delta(&text);
                    reply.text.push_str(&text);
                }
                // Usage is cumulative: the last chunk's is the reply's.
                if let Some(usage) = chunk.usage_metadata {
                    reply.usage = Some(usage.token_usage());
                }
                finished |= chunk.finish_reason().is_some();
                if let Some(content) = chunk.candidates.into_iter().next().and_then(|c| c.content) {
                    reply.parts.extend(content.parts);
                }
            }
            Some(Err(error)) => {
                reply.error = Some(error);
                return reply;
            }
            None => break,
        }
    }
    if !finished {
        reply.error = Some(GeminiError::StreamCut(
            "the connection closed before Gemini said the reply was complete".into(),
        ));
    }
    reply
}

/// The earlier messages that go with a question, as Gemini contents.
fn context(history: &[ChatMessage]) -> Vec<Content> {
    let usable: Vec<&ChatMessage> = history
        .iter()
        .filter(|m| !m.text.trim().is_empty())
        .filter(|m| matches!(m.state, MessageState::Complete | MessageState::Cancelled))
        .collect();
    usable[usable.len().saturating_sub(CONTEXT_MESSAGES)..]
        .iter()
        .map(|m| {
            let role = match m.role {
                ChatRole::User => "user",
                ChatRole::Model => "model",
            };
            Content::text(Some(role), m.text.clone())
        })
        .collect()
}

fn title_for(text: &str) -> String {
    let line = crate::text::one_line(text);
    match line.char_indices().nth(48) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// What the assistant is told of the books: today's date (for "this month", "November"), and
/// when it has tools, to use them for numbers and quote their amounts as given.
pub fn books_instruction(tools: &BooksTools) -> String {
    let mut text = format!("\nToday is {}.", tools.today.format("%A %Y-%m-%d"));
    if tools.access.allows(BooksAccess::Aggregates) {
        text.push_str(
            " For any number about the books (sales, customers, bank lines, syncs), call the tools \
             and quote their amounts exactly as they give them, with the currency; never guess one.",
        );
    }
    text.push('\n');
    text
}

/// Who the assistant is, and the hub's state now. Built from views, which hold no secret.
pub fn system_instruction(views: &[IntegrationView], now: chrono::DateTime<Utc>) -> String {
    let mut text = String::from(
        "You are the assistant inside Legion Finance's Integrations Hub, used by the owner and staff \
         of a fitness studio to run its books. Be brief and concrete. Answer in Markdown. Never ask \
         for API keys, passwords or tokens, and never repeat one.\n\nThe hub's integrations now:\n",
    );
    for view in views {
        text.push_str(&format!(
            "- {}: {}; last sync {}",
            view.name,
            view.status.label(),
            crate::format::ago(view.last_sync_at, now)
        ));
        if let Some(error) = &view.error_message {
            text.push_str(&format!("; last error: {}", crate::text::one_line(error)));
        }
        text.push('\n');
    }
    text
}
