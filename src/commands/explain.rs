//! `legion-hub explain [YYYY-MM] [--again] [--json]`: what Gemini makes of a month's figures
//! (what changed against last month and last year, and why it might have), kept in the books
//! and shown again until asked anew.

use crate::api::Role;
use crate::config::Settings;

pub async fn run(
    settings: &Settings,
    month: Option<chrono::NaiveDate>,
    again: bool,
    json: bool,
) -> anyhow::Result<u8> {
    let day = month.unwrap_or_else(|| chrono::Local::now().date_naive());
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let explained = engine.explain_month(day, again).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&explained)?);
        return Ok(super::exit::OK);
    }
    let insight = &explained.insight;
    let when = if explained.asked_now {
        "asked now".to_string()
    } else {
        format!(
            "kept from {} (--again asks anew)",
            insight.asked_at.format("%Y-%m-%d %H:%M UTC")
        )
    };
    println!(
        "{} explained by {} · {when}\n",
        insight.month, insight.model
    );
    // The answer is text from outside: never let it drive the terminal.
    let text = crate::text::escape_controls(&insight.text);
    println!("{}", text.trim_end());
    if let (true, Some(usage)) = (explained.asked_now, insight.usage) {
        println!("\n{}", usage.words());
    }
    Ok(super::exit::OK)
}
