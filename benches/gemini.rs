//! Gemini figures: parsing 10,000 SSE chunks (target under 20 ms); a streamed chunk from its
//! arrival to the frame that shows it (target: within one frame); a 1,000-message conversation
//! opened (rendered once) and then scrolled (target: frames under 2 ms).
//!
//! `cargo bench --bench gemini`

mod support;

use std::hint::black_box;

use bytes::Bytes;
use chrono::Utc;
use criterion::{Criterion, criterion_group};
use futures_util::StreamExt;
use legion_hub::integrations::gemini::sse;
use legion_hub::store::{ChatMessage, ChatRole, Conversation, MessageState, TokenUsage};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::{App, Screen};
use legion_hub::tui::theme::Theme;
use legion_hub::tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// A real-sized chunk, as the live API frames it.
fn chunk(i: usize) -> String {
    format!(
        "data: {{\"candidates\": [{{\"content\": {{\"parts\": [{{\"text\": \"word{i} and a few more words \"}}],\"role\": \"model\"}},\"index\": 0}}],\"usageMetadata\": {{\"promptTokenCount\": 40,\"candidatesTokenCount\": {i},\"totalTokenCount\": {},\"promptTokensDetails\": [{{\"modality\": \"TEXT\",\"tokenCount\": 40}}],\"thoughtsTokenCount\": 31}},\"modelVersion\": \"gemini-3.8-flash\",\"responseId\": \"IZI2acSKMoWl0-kPmYj2yQc\"}}\r\n\r\n",
        40 + i
    )
}

fn sse_parse(c: &mut Criterion) {
    let body: String = (0..10_000).map(chunk).collect();
    // Split the way a network delivers it: 1,400-byte segments, cutting chunks anywhere.
    let segments: Vec<Bytes> = body
        .as_bytes()
        .chunks(1_400)
        .map(Bytes::copy_from_slice)
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    c.bench_function("sse: parse 10,000 chunks", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let stream = futures_util::stream::iter(
                    segments
                        .iter()
                        .cloned()
                        .map(Ok::<_, std::convert::Infallible>),
                );
                let chunks = sse::chunks(stream);
                futures_util::pin_mut!(chunks);
                let mut n = 0;
                while let Some(chunk) = chunks.next().await {
                    black_box(chunk.unwrap());
                    n += 1;
                }
                assert_eq!(n, 10_000);
            })
        })
    });
}

/// One event whose `data` line is `size` bytes long, arriving in 16 KiB pieces (as a network
/// would deliver it): the parser must stay linear in the line's length, and an event past the
/// 2 MiB cap must end the stream at once with an error.
fn sse_long_line(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (name, size) in [
        ("sse: one 1 MiB line", 1usize << 20),
        ("sse: one 8 MiB line (past the cap)", 8 << 20),
    ] {
        let text = "x".repeat(size - 40);
        let body = format!(
            "data: {{\"candidates\":[{{\"content\":{{\"parts\":[{{\"text\":\"{text}\"}}]}}}}]}}\r\n\r\n"
        );
        let segments: Vec<Bytes> = body
            .as_bytes()
            .chunks(16 << 10)
            .map(Bytes::copy_from_slice)
            .collect();
        c.bench_function(name, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let stream = futures_util::stream::iter(
                        segments
                            .iter()
                            .cloned()
                            .map(Ok::<_, std::convert::Infallible>),
                    );
                    let chunks = sse::chunks(stream);
                    futures_util::pin_mut!(chunks);
                    let first = chunks.next().await.unwrap();
                    assert_eq!(first.is_ok(), size < sse::EVENT_LIMIT, "{name}");
                    black_box(first)
                })
            })
        });
    }
}

fn message(seq: u64, role: ChatRole, text: String) -> ChatMessage {
    ChatMessage {
        conversation: 1,
        seq,
        role,
        text,
        model: Some("gemini-3.8-flash".into()),
        usage: Some(TokenUsage {
            prompt: 100,
            reply: 200,
            total: 300,
        }),
        state: MessageState::Complete,
        created_at: Utc::now(),
        tools: Vec::new(),
    }
}

fn conversation() -> Conversation {
    Conversation {
        id: 1,
        title: "A long conversation".into(),
        model: "fast".into(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
        messages: 1_000,
    }
}

fn reply_text(i: u64) -> String {
    format!(
        "**Answer {i}.** Sales were up this week.\n\n- Memberships: {i}\n- Class packs: 17\n\nThe `mindbody:sale:{i}` was the largest; refunds were two, both for cancelled classes, and the rest of the week looked like the one before it."
    )
}

fn chat(c: &mut Criterion) {
    let messages: Vec<ChatMessage> = (1..=1_000)
        .map(|i| {
            if i % 2 == 1 {
                message(i, ChatRole::User, format!("Question {i}: how did we do?"))
            } else {
                message(i, ChatRole::Model, reply_text(i))
            }
        })
        .collect();
    let mut app = App::new(
        Theme::new(true),
        Rect::new(0, 0, 200, 50),
        Utc::now().fixed_offset(),
    );
    app.update(Action::ShowScreen(Screen::Chat));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();

    c.bench_function(
        "chat: open a 1,000-message conversation (render what shows, one frame)",
        |b| {
            b.iter(|| {
                app.update(Action::ConversationLoaded(conversation(), messages.clone()));
                terminal.draw(|f| views::draw(f, black_box(&app))).unwrap();
            })
        },
    );

    app.update(Action::ConversationLoaded(conversation(), messages.clone()));
    let moves = [-1i64, -1, -45, 3, -2_000, 45, 7_000, -10];
    let mut step = 0;
    c.bench_function(
        "chat: scroll a 1,000-message conversation (one frame)",
        |b| {
            b.iter(|| {
                app.update(Action::Page(moves[step % moves.len()].signum()));
                app.update(Action::Move(moves[step % moves.len()]));
                step += 1;
                terminal.draw(|f| views::draw(f, black_box(&app))).unwrap();
            })
        },
    );

    // A reply streaming in: each chunk re-renders the growing message and draws a frame.
    let mut streaming = message(1_001, ChatRole::Model, String::new());
    streaming.state = MessageState::Streaming;
    app.update(Action::Engine(Box::new(
        legion_hub::engine::Event::ChatStarted {
            user: message(1_000, ChatRole::User, "last question".into()),
            reply: streaming,
        },
    )));
    let mut pieces = 0;
    c.bench_function(
        "chat: a streamed chunk from arrival to frame (1,000 messages above)",
        |b| {
            b.iter(|| {
                pieces += 1;
                if pieces % 200 == 0 {
                    // Keep the reply at a realistic size (a few KB).
                    app.update(Action::ConversationLoaded(conversation(), messages.clone()));
                    let mut s = message(1_001, ChatRole::Model, String::new());
                    s.state = MessageState::Streaming;
                    app.update(Action::Engine(Box::new(
                        legion_hub::engine::Event::ChatStarted {
                            user: message(1_000, ChatRole::User, "last question".into()),
                            reply: s,
                        },
                    )));
                }
                app.update(Action::Engine(Box::new(
                    legion_hub::engine::Event::ChatDelta {
                        conversation: 1,
                        seq: 1_001,
                        text: "and **a few** more words of the reply ".into(),
                    },
                )));
                terminal.draw(|f| views::draw(f, black_box(&app))).unwrap();
            })
        },
    );
}

criterion_group!(benches, sse_parse, sse_long_line, chat);
fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    support::perf::publish_criterion(
        "gemini",
        &[
            (
                "SSE: parse 10,000 Gemini stream chunks (real-sized, split in 1,400-byte segments)",
                "< 20 ms",
                "sse: parse 10,000 chunks",
            ),
            (
                "SSE: one event with a 1 MiB data line (16 KiB pieces)",
                "linear: a few ms",
                "sse: one 1 MiB line",
            ),
            (
                "SSE: one 8 MiB data line: refused at the 2 MiB cap",
                "stops at the cap",
                "sse: one 8 MiB line (past the cap)",
            ),
            (
                "a streamed chunk from arrival to the frame that shows it (1,000 messages above)",
                "within one frame",
                "chat: a streamed chunk from arrival to frame (1,000 messages above)",
            ),
            (
                "open a 1,000-message conversation (one frame, 200x50)",
                "< 2 ms",
                "chat: open a 1,000-message conversation (render what shows, one frame)",
            ),
            (
                "scroll a 1,000-message conversation (one frame)",
                "< 2 ms",
                "chat: scroll a 1,000-message conversation (one frame)",
            ),
        ],
    );
}
