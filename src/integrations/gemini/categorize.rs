//! Gemini's part of categorization: the cleaned payees no rule and no earlier answer could
//! class, sent in batches of [`BATCH`] with structured output (an array of line number, class —
//! an enum of the studio's classes —, confidence, reason and payee), each line as its number,
//! masked description, amount and date only. A reply is applied only when it fits
//! ([`super::batch_reply`]: each line answered once, by its number); one that does not is asked
//! once more, and a second misfit leaves the whole batch unapplied. Before asking,
//! the run counts what it will cost (`countTokens`, else an estimate from the text); after, it
//! sums `usageMetadata`. `[gemini] books_access` below "lines" sends nothing.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use tokio_util::sync::CancellationToken;

use super::GeminiClient;
use super::batch_reply::{Suggested, fitted};
use super::structured::{Schema, StructuredError};
use super::types::{Part, UsageMetadata};
use crate::api::categorize::{RunReport, Source};
use crate::books::access::BooksAccess;
use crate::books::categorize::local::{Answer, Item, answer_locally};
use crate::books::mask::LineMask;
use crate::engine::host::{Core, EngineError};

/// Distinct payees asked in one request.
pub const BATCH: usize = 50;
/// The most distinct payees one run sends (at most this / [`BATCH`] requests).
pub const MAX_PAYEES: usize = 2_000;
/// The text's characters per token, for an estimate without `countTokens`.
const CHARS_PER_TOKEN: usize = 4;

/// One distinct payee as Gemini is told it: a line of the payee's, masked.
#[derive(Debug, Clone, PartialEq)]
pub struct PayeeLine {
    /// The payee key its answer is filed under.
    pub key: String,
    /// The description as it may leave: emails, customers' names and long digit runs masked.
    pub text: String,
    pub amount: Decimal,
    pub currency: String,
    pub date: NaiveDate,
}

impl PayeeLine {
    pub fn of(item: &Item, mask: &LineMask) -> PayeeLine {
        PayeeLine {
            key: item.key.clone(),
            text: mask.apply(&crate::text::one_line(&item.original)),
            amount: item.amount,
            currency: item.currency.clone(),
            date: item.date,
        }
    }
}

/// What asking Gemini gave.
#[derive(Debug, Default)]
pub struct Asked {
    /// By payee key.
    pub answers: HashMap<String, Answer>,
    pub requests: u64,
    pub usage: UsageMetadata,
    pub misfit_batches: u64,
    pub failed: Option<String>,
}

/// The schema of one batch's answer. The line's number comes first: the model writes it
/// before the rest, so each answer is tied to the line it read.
pub fn schema(classes: &[String]) -> Schema {
    Schema::array(
        Schema::object([
            (
                "line",
                Schema::integer().described("the number the line begins with"),
            ),
            ("class", Schema::string_enum(classes.iter().cloned())),
            (
                "confidence",
                Schema::number().described("0 to 1: how sure the class is"),
            ),
            (
                "reason",
                Schema::string().described("one short line on why"),
            ),
            (
                "payee",
                Schema::string().described(
                    "the payee's full name when you know who it is (\"Adobe Creative Cloud\"); left out otherwise",
                ),
            ),
        ])
        .optional("payee"),
    )
    .max_items(BATCH as u64)
}

/// The prompt of one batch: what to do and how many lines on the first line, then one line per
/// payee (number | masked description | amount currency | date), numbered from 1.
pub fn prompt(lines: &[PayeeLine]) -> String {
    let mut text = format!(
        "Suggest the financial class of each bank or sales line of a fitness studio below, one answer for each line with the number it begins with, how sure you are, a one-line reason and the payee's full name when you know who it is: {} lines.\n",
        lines.len()
    );
    for (number, line) in (1..).zip(lines) {
        text.push_str(&format!(
            "{number} | {} | {} {} | {}\n",
            line.text, line.amount, line.currency, line.date
        ));
    }
    text
}

/// The tokens the batches' requests come to, estimated from their length: each batch's prompt
/// and the response schema that goes with it (the API counts both as input).
pub fn estimate_tokens(batches: &[&[PayeeLine]], classes: &[String]) -> u64 {
    let schema_chars = serde_json::to_string(&schema(classes)).map_or(0, |s| s.chars().count());
    batches
        .iter()
        .map(|b| (prompt(b).chars().count() + schema_chars).div_ceil(CHARS_PER_TOKEN) as u64)
        .sum()
}

/// Asks Gemini batch by batch. A reply that does not fit is asked once more; a batch that
/// misfits twice is skipped (nothing of it applied); any other failure stops the asking,
/// keeping what was answered.
pub async fn ask(
    client: &GeminiClient,
    model: &str,
    classes: &[String],
    batches: &[&[PayeeLine]],
    cancel: &CancellationToken,
) -> Asked {
    let schema = schema(classes);
    let mut asked = Asked::default();
    for batch in batches {
        let fits = |reply: Vec<Suggested>| {
            fitted(reply, batch.len(), classes).map_err(|misfit| misfit.to_string())
        };
        let reply = client
            .generate_json_checked(
                model,
                vec![Part::text(prompt(batch))],
                &schema,
                fits,
                cancel,
            )
            .await;
        match reply {
            Ok(structured) => {
                asked.requests += structured.requests as u64;
                asked.usage = asked.usage.plus(structured.usage);
                for (line, answer) in batch.iter().zip(structured.value) {
                    asked.answers.insert(line.key.clone(), answer);
                }
            }
            Err(StructuredError::Misfit { usage, .. }) => {
                asked.requests += 2;
                asked.usage = asked.usage.plus(usage);
                asked.misfit_batches += 1;
            }
            Err(StructuredError::Gemini(error)) => {
                asked.requests += 1;
                asked.failed = Some(error.explain());
                break;
            }
        }
    }
    asked
}

impl Core {
    /// Categorizes what has no class: rules, then the cache, then Gemini for the rest. A dry
    /// run plans and estimates here, sends nothing at all (not even to `countTokens`, whose
    /// body would be the lines themselves) and saves nothing: the plan is what a person agrees
    /// to before anything leaves.
    pub async fn categorize(&self, dry_run: bool) -> Result<RunReport, EngineError> {
        let _one_at_a_time = self.categorizing().await;
        let gathered = self.gather_for_categorizing()?;
        let mut local = answer_locally(&gathered.items, &gathered.rules, &gathered.cache);
        local.left.retain(|key, _| !gathered.refused.contains(key));
        // The customers' names are looked for in every line that leaves: built once a run.
        let mask = LineMask::of_customers(&self.inner.store.customers()?);
        let lines: Vec<PayeeLine> = local
            .left
            .values()
            .filter_map(|indexes| indexes.first())
            .filter_map(|i| gathered.items.get(*i))
            .take(MAX_PAYEES)
            .map(|item| PayeeLine::of(item, &mask))
            .collect();
        let batches: Vec<&[PayeeLine]> = lines.chunks(BATCH).collect();
        let mut report = RunReport {
            at: Some(Utc::now()),
            dry_run,
            items: gathered.items.len() as u64,
            payees_for_gemini: lines.len() as u64,
            planned_requests: batches.len() as u64,
            payees_waiting: (local.left.len() - lines.len()) as u64,
            ..RunReport::default()
        };
        let mut asked = Asked::default();
        let access = self.inner.config.gemini.books_access.categorize();
        if batches.is_empty() {
            report.estimate_words = "nothing left for Gemini".into();
        } else if !access.allows(BooksAccess::Lines) {
            report.planned_requests = 0;
            report.withheld = local.left.values().map(|v| v.len() as u64).sum();
            report.estimate_words = format!(
                "nothing sent: [gemini] books_access is \"{}\" for categorization (\"lines\" lets the lines' masked descriptions, amounts and dates go)",
                access.name()
            );
        } else {
            report.estimated_tokens = estimate_tokens(&batches, &gathered.classes);
            report.estimate_words =
                format!("estimated here, about {CHARS_PER_TOKEN} characters a token");
            if !dry_run {
                let cancel = CancellationToken::new();
                let ready = match self.gemini_client() {
                    Ok((client, _)) => self
                        .resolve_model(None)
                        .await
                        .map(|model| (client, model))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                match ready {
                    Ok((client, model)) => {
                        asked = ask(&client, &model, &gathered.classes, &batches, &cancel).await;
                    }
                    Err(why) => report.failed = Some(why),
                }
            }
        }
        if dry_run {
            let answered = local.answers.iter().flatten();
            for answer in answered {
                match answer.source {
                    Source::Rule => report.by_rule += 1,
                    _ => report.by_cache += 1,
                }
            }
            report.unanswered = report.items - report.by_rule - report.by_cache;
            return Ok(report);
        }
        report.requests = asked.requests;
        report.usage = asked.usage.token_usage();
        report.misfit_batches = asked.misfit_batches;
        if report.failed.is_none() {
            report.failed = asked.failed;
        }
        self.save_categorize_run(gathered, local, asked.answers, report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> PayeeLine {
        PayeeLine {
            key: text.to_lowercase(),
            text: text.into(),
            amount: Decimal::new(-8999, 2),
            currency: "USD".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 14).unwrap(),
        }
    }

    #[test]
    fn the_prompt_counts_its_lines_first_and_numbers_one_line_each() {
        let text = prompt(&[
            line("POS 4821 ADOBE *CREATIVE CLD 800-833"),
            line("CHECK 1042"),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(": 2 lines."), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "1 | POS 4821 ADOBE *CREATIVE CLD 800-833 | -89.99 USD | 2026-11-14"
        );
        assert_eq!(lines[2], "2 | CHECK 1042 | -89.99 USD | 2026-11-14");
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn the_schema_asks_for_the_line_number_first_and_the_payee_only_when_known() {
        let schema = schema(&["Software".to_string()]);
        let item = schema.items.as_deref().unwrap();
        assert_eq!(
            item.property_ordering,
            ["line", "class", "confidence", "reason", "payee"]
        );
        assert_eq!(item.required, ["line", "class", "confidence", "reason"]);
        assert_eq!(
            item.properties["line"].kind,
            super::super::structured::SchemaType::Integer
        );
    }
}
