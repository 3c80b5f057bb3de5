//! `legion-hub chat "question"`: one question, the answer streamed to stdout, nothing saved.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::api::{Asked, GeminiError, Role};
use crate::cli::ChatArgs;
use crate::config::Settings;

pub async fn run(settings: &Settings, args: &ChatArgs) -> anyhow::Result<u8> {
    let question = match &args.question {
        Some(q) => q.clone(),
        None if !std::io::stdin().is_terminal() => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text
        }
        None => anyhow::bail!("give the question as an argument, or on standard input"),
    };
    anyhow::ensure!(!question.trim().is_empty(), "the question is empty");
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let mut stdout = std::io::stdout();
    let on_delta = |delta: &str| {
        // Replies are text from outside: never let them drive the terminal.
        let _ = stdout.write_all(crate::text::escape_controls(delta).as_bytes());
        let _ = stdout.flush();
    };
    // A wait of half a minute must not look like a hang.
    let on_wait = |error: &GeminiError, delay: Duration| {
        eprintln!(
            "legion-hub: {}, retrying in {} s (Ctrl-C stops)",
            error.retry_reason(),
            delay.as_secs_f64().ceil()
        );
    };
    let reply = match engine
        .ask(question, args.model.clone(), &cancel, on_delta, on_wait)
        .await?
    {
        Asked::Streamed(reply) => reply,
        // Attached to a running hub: the answer comes whole.
        Asked::Whole(answer) => {
            print!("{}", crate::text::escape_controls(&answer.text));
            if !answer.text.ends_with('\n') {
                println!();
            }
            return Ok(match answer.error {
                None => super::exit::OK,
                Some(error) => {
                    eprintln!("legion-hub: {error}");
                    super::exit::FAILED
                }
            });
        }
    };
    if !reply.text.ends_with('\n') {
        println!();
    }
    match reply.error {
        None => Ok(super::exit::OK),
        Some(error) => {
            let said = crate::api::advice(
                Some(&error.explain()),
                error.step(),
                crate::api::FrontEnd::CommandLine,
            )
            .unwrap_or_default();
            eprintln!("legion-hub: {said}");
            Ok(super::exit::FAILED)
        }
    }
}
