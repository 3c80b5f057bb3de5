//! Gemini's part of categorization: the cleaned payees no rule and no earlier answer could
//! class, sent in batches of [`BATCH`] with structured output (an array of class — an enum of
//! the studio's classes —, confidence, reason and payee), each line as its masked description,
//! amount and date only. A batch whose reply does not fit twice is not applied. Before asking,
//! the run counts what it will cost (`countTokens`, else an estimate from the text); after, it
//! sums `usageMetadata`. `[gemini] books_access` below "lines" sends nothing.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::GeminiClient;
use super::structured::{Schema, StructuredError};
use super::types::{Content, GenerateRequest, Part, UsageMetadata};
use crate::api::categorize::{RunReport, Source};
use crate::books::access::{BooksAccess, mask_digit_runs};
use crate::books::categorize::local::{Answer, Item, answer_locally};
use crate::engine::host::{Core, EngineError};
use crate::store::TokenUsage;

/// Distinct payees asked in one request.
pub const BATCH: usize = 50;
/// The most distinct payees one run sends (at most this / [`BATCH`] requests).
pub const MAX_PAYEES: usize = 2_000;
/// The text's characters per token, for an estimate without `countTokens`.
const CHARS_PER_TOKEN: usize = 4;
/// The longest reason and payee kept from an answer.
const MAX_ANSWER_CHARS: usize = 120;

/// One distinct payee as Gemini is told it: a line of the payee's, masked.
#[derive(Debug, Clone, PartialEq)]
pub struct PayeeLine {
    /// The payee key its answer is filed under.
    pub key: String,
    /// The description with digit runs masked.
    pub text: String,
    pub amount: Decimal,
    pub currency: String,
    pub date: NaiveDate,
}

impl PayeeLine {
    pub fn of(item: &Item) -> PayeeLine {
        PayeeLine {
            key: item.key.clone(),
            text: mask_digit_runs(&crate::text::one_line(&item.original)),
            amount: item.amount,
            currency: item.currency.clone(),
            date: item.date,
        }
    }
}

/// One item of Gemini's answer, as the schema asks for it.
#[derive(Debug, Clone, Deserialize)]
struct Suggested {
    class: String,
    confidence: f64,
    reason: String,
    payee: String,
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

/// The schema of one batch's answer.
pub fn schema(classes: &[String]) -> Schema {
    Schema::array(Schema::object([
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
            Schema::string().described("the payee's name, cleaned (\"Adobe Creative Cloud\")"),
        ),
    ]))
    .max_items(BATCH as u64)
}

/// The prompt of one batch: what to do and how many lines on the first line, then one line per
/// payee (masked description | amount currency | date).
pub fn prompt(lines: &[PayeeLine]) -> String {
    let mut text = format!(
        "Suggest the financial class of each bank or sales line of a fitness studio below, in order, one answer per line, with how sure you are, a one-line reason and the payee's cleaned name: {} lines.\n",
        lines.len()
    );
    for line in lines {
        text.push_str(&format!(
            "{} | {} {} | {}\n",
            line.text, line.amount, line.currency, line.date
        ));
    }
    text
}

fn request_of(prompt: String) -> GenerateRequest {
    GenerateRequest {
        contents: vec![Content {
            role: Some("user".to_string()),
            parts: vec![Part::text(prompt)],
        }],
        ..GenerateRequest::default()
    }
}

/// The tokens the batches' prompts come to, estimated from their length.
pub fn estimate_tokens(batches: &[&[PayeeLine]]) -> u64 {
    batches
        .iter()
        .map(|b| prompt(b).chars().count().div_ceil(CHARS_PER_TOKEN) as u64)
        .sum()
}

/// The tokens the batches' prompts come to, as `countTokens` counts them.
pub async fn count_tokens(
    client: &GeminiClient,
    model: &str,
    batches: &[&[PayeeLine]],
    cancel: &CancellationToken,
) -> Result<u64, super::GeminiError> {
    let mut total = 0u64;
    for batch in batches {
        total = total.saturating_add(
            client
                .count_tokens(model, &request_of(prompt(batch)), cancel)
                .await?,
        );
    }
    Ok(total)
}

/// Asks Gemini batch by batch. A misfit batch is skipped (nothing of it applied); any other
/// failure stops the asking, keeping what was answered.
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
        let reply = client
            .generate_json::<Vec<Suggested>>(
                model,
                vec![Part::text(prompt(batch))],
                &schema,
                cancel,
            )
            .await;
        match reply {
            Ok(structured) => {
                asked.requests += structured.requests as u64;
                asked.usage = asked.usage.plus(structured.usage);
                // Answers are matched to lines by position: a reply of another length fits no
                // line for sure.
                if structured.value.len() != batch.len() {
                    asked.misfit_batches += 1;
                    continue;
                }
                for (line, suggested) in batch.iter().zip(structured.value) {
                    if let Some(answer) = answer_of(suggested, classes) {
                        asked.answers.insert(line.key.clone(), answer);
                    }
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

/// An answer of the studio's classes, its confidence within 0 to 1; None for a class the
/// schema did not offer.
fn answer_of(suggested: Suggested, classes: &[String]) -> Option<Answer> {
    let class = classes.iter().find(|c| **c == suggested.class)?.clone();
    let confidence = if suggested.confidence.is_finite() {
        suggested.confidence.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let payee = crate::text::one_line_within(&suggested.payee, MAX_ANSWER_CHARS);
    Some(Answer {
        class,
        confidence,
        reason: crate::text::one_line_within(&suggested.reason, MAX_ANSWER_CHARS),
        source: Source::Gemini,
        rule: None,
        payee: (!payee.is_empty()).then_some(payee),
    })
}

fn token_usage(usage: UsageMetadata) -> TokenUsage {
    TokenUsage {
        prompt: usage.prompt_token_count,
        reply: usage.candidates_token_count,
        total: usage.total_token_count,
    }
}

impl Core {
    /// Categorizes what has no class: rules, then the cache, then Gemini for the rest. A dry
    /// run plans and estimates, asks Gemini nothing (but `countTokens`) and saves nothing.
    pub async fn categorize(&self, dry_run: bool) -> Result<RunReport, EngineError> {
        let _one_at_a_time = self.categorizing().await;
        let gathered = self.gather_for_categorizing()?;
        let mut local = answer_locally(&gathered.items, &gathered.rules, &gathered.cache);
        local.left.retain(|key, _| !gathered.refused.contains(key));
        let lines: Vec<PayeeLine> = local
            .left
            .values()
            .filter_map(|indexes| indexes.first())
            .filter_map(|i| gathered.items.get(*i))
            .take(MAX_PAYEES)
            .map(PayeeLine::of)
            .collect();
        let batches: Vec<&[PayeeLine]> = lines.chunks(BATCH).collect();
        let mut report = RunReport {
            at: Some(Utc::now()),
            dry_run,
            items: gathered.items.len() as u64,
            payees_for_gemini: lines.len() as u64,
            planned_requests: batches.len() as u64,
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
            let cancel = CancellationToken::new();
            let ready = match self.gemini_client() {
                Ok((client, _)) => match self.resolve_model(None).await {
                    Ok(model) => Ok((client, model)),
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            match ready {
                Err(why) => {
                    report.estimated_tokens = estimate_tokens(&batches);
                    report.estimate_words = format!(
                        "estimated from the text (about {CHARS_PER_TOKEN} characters a token)"
                    );
                    if !dry_run {
                        report.failed = Some(why);
                    }
                }
                Ok((client, model)) => {
                    match count_tokens(&client, &model, &batches, &cancel).await {
                        Ok(counted) => {
                            report.estimated_tokens = counted;
                            report.estimate_words =
                                format!("counted by Gemini's countTokens ({model})");
                        }
                        Err(_) => {
                            report.estimated_tokens = estimate_tokens(&batches);
                            report.estimate_words = format!(
                                "estimated from the text (about {CHARS_PER_TOKEN} characters a token; countTokens did not answer)"
                            );
                        }
                    }
                    if !dry_run {
                        asked = ask(&client, &model, &gathered.classes, &batches, &cancel).await;
                    }
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
        report.usage = token_usage(asked.usage);
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
    fn the_prompt_counts_its_lines_first_and_gives_one_line_each() {
        let text = prompt(&[
            line("POS 4821 ADOBE *CREATIVE CLD 800-833"),
            line("CHECK 1042"),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(": 2 lines."), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "POS 4821 ADOBE *CREATIVE CLD 800-833 | -89.99 USD | 2026-11-14"
        );
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn an_answer_outside_the_classes_is_dropped_and_confidence_kept_within_bounds() {
        let classes = vec!["Software".to_string()];
        let odd = |class: &str, confidence: f64| Suggested {
            class: class.into(),
            confidence,
            reason: "r".into(),
            payee: String::new(),
        };
        assert!(answer_of(odd("Snacks", 0.9), &classes).is_none());
        let answer = answer_of(odd("Software", 7.0), &classes).unwrap();
        assert_eq!((answer.confidence, answer.payee), (1.0, None));
        assert_eq!(
            answer_of(odd("Software", f64::NAN), &classes)
                .unwrap()
                .confidence,
            0.0
        );
    }
}
