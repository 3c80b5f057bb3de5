//! `legion-hub gemini test|configure|models`.

use crate::api::TestReport;
use crate::api::{Engine, GeminiUpdate, Role};
use crate::cli::{GeminiCommand, GeminiConfigureArgs};
use crate::config::Settings;
use crate::secret::Secret;

pub async fn run(settings: &Settings, command: &GeminiCommand) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    match command {
        GeminiCommand::Test { accept, json } => {
            let report = if *accept {
                engine.accept_gemini_replacements().await?
            } else {
                engine.test_gemini().await?
            };
            print_report(&report, *json)
        }
        GeminiCommand::Configure(args) => configure(&engine, args).await,
        GeminiCommand::Models(args) => models(&engine, args.json).await,
    }
}

async fn configure(engine: &Engine, args: &GeminiConfigureArgs) -> anyhow::Result<u8> {
    let api_key = if args.api_key_stdin {
        let key = super::prompt::read_secret_line("Gemini API key (hidden): ")?;
        anyhow::ensure!(!key.is_empty(), "no API key on standard input");
        Some(Secret::new(key))
    } else {
        None
    };
    let update = GeminiUpdate {
        api_key,
        fast: args.fast.clone(),
        pro: args.pro.clone(),
        default_alias: args.default_alias,
        temperature: args.temperature,
    };
    let report = engine.configure_gemini(update).await?;
    print_report(&report, args.json)
}

async fn models(engine: &Engine, json: bool) -> anyhow::Result<u8> {
    let models = engine.gemini_models().await?;
    let settings = engine.gemini_settings().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&models)?);
        return Ok(super::exit::OK);
    }
    let width = models
        .iter()
        .map(|m| m.id().len())
        .max()
        .unwrap_or(5)
        .max(5);
    println!("{:width$}  {:8}  DISPLAY NAME", "MODEL", "ALIAS");
    for model in &models {
        let alias = crate::api::Alias::ALL
            .into_iter()
            .filter(|a| settings.model(*a) == Some(model.id()))
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(",");
        println!("{:width$}  {:8}  {}", model.id(), alias, model.display_name);
    }
    Ok(super::exit::OK)
}

/// Prints a test report; exit 0 when Gemini is ready, 3 when it needs attention.
fn print_report(report: &TestReport, json: bool) -> anyhow::Result<u8> {
    let code = if report.ok {
        super::exit::OK
    } else {
        super::exit::NEEDS_ATTENTION
    };
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(code);
    }
    let source = report.key_source.map_or("no key".to_string(), |s| {
        format!("key from {}", s.describe())
    });
    let verdict = if report.ok {
        "connected"
    } else {
        "needs attention"
    };
    println!("Gemini: {verdict} ({source})");
    if let Some(ms) = report.latency_ms {
        println!("  {} models available, listed in {ms} ms", report.models);
    }
    for check in &report.aliases {
        let line = match (&check.model, check.exists, &check.replacement) {
            (Some(model), true, _) => format!("{model} ✓"),
            (Some(model), false, Some(new)) => {
                format!("{model} ✖ not offered any more; replacement: {new}")
            }
            (Some(model), false, None) => format!("{model} ✖ not offered, and no replacement"),
            (None, _, Some(new)) => format!("{new} ✓ (chosen now)"),
            (None, _, None) => "no model of this kind for this key".to_string(),
        };
        println!("  {:4} → {line}", check.alias.name());
    }
    if let Some(error) = &report.error {
        println!("  error: {error}");
    }
    if let Some(advice) = crate::api::advice(
        report.hint.as_deref(),
        report.step,
        crate::api::FrontEnd::CommandLine,
    ) {
        println!("  what to do: {advice}");
    }
    if let Some(warning) = report.key_source.and_then(|s| s.warning()) {
        println!("  warning: {warning}");
    }
    Ok(code)
}
