//! The Generative Language API's bodies, as much of them as the hub reads and writes. Unknown
//! fields are ignored, so new fields Google adds never break a reply. Structured output's
//! schema is in `structured.rs`, function calling's declarations and parts in `tools.rs`.

use crate::store::TokenUsage;
use serde::{Deserialize, Serialize};

use super::structured::Schema;
use super::tools::{FunctionCall, FunctionResponse, Tool, ToolConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// "models/gemini-3.8-flash"
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub input_token_limit: u64,
    #[serde(default)]
    pub output_token_limit: u64,
    #[serde(default)]
    pub supported_generation_methods: Vec<String>,
}

impl Model {
    /// "gemini-3.8-flash", the name without "models/".
    pub fn id(&self) -> &str {
        self.name.strip_prefix("models/").unwrap_or(&self.name)
    }

    pub fn can_generate(&self) -> bool {
        self.supported_generation_methods
            .iter()
            .any(|m| m == "generateContent")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPage {
    #[serde(default)]
    pub models: Vec<Model>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    /// "user" or "model"; absent in a system instruction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub parts: Vec<Part>,
}

impl Content {
    pub fn text(role: Option<&str>, text: impl Into<String>) -> Content {
        Content {
            role: role.map(str::to_string),
            parts: vec![Part::text(text)],
        }
    }
}

/// One part of a content: text, a function call (the model's) or a function response (the
/// caller's). Other kinds of parts are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_response: Option<FunctionResponse>,
    /// The model's opaque record of its thinking: a model turn sent back in the history must
    /// keep it, or the API refuses the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought_signature: Option<String>,
}

impl Part {
    pub fn text(text: impl Into<String>) -> Part {
        Part {
            text: Some(text.into()),
            ..Part::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// "application/json" (with `response_schema`) or "text/x.enum".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_schema: Option<Schema>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateRequest {
    pub contents: Vec<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_config: Option<GenerationConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<ToolConfig>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    #[serde(default)]
    pub prompt_token_count: u64,
    #[serde(default)]
    pub candidates_token_count: u64,
    #[serde(default)]
    pub total_token_count: u64,
    /// What a thinking model spent thinking: billed as output, not in `candidates_token_count`
    /// (the live capture: 4 prompt + 7 reply + 31 thinking = 42 total).
    #[serde(default)]
    pub thoughts_token_count: u64,
}

impl UsageMetadata {
    /// The tokens of two requests together, as a run that asked twice reports them.
    pub fn plus(self, other: UsageMetadata) -> UsageMetadata {
        UsageMetadata {
            prompt_token_count: self
                .prompt_token_count
                .saturating_add(other.prompt_token_count),
            candidates_token_count: self
                .candidates_token_count
                .saturating_add(other.candidates_token_count),
            total_token_count: self
                .total_token_count
                .saturating_add(other.total_token_count),
            thoughts_token_count: self
                .thoughts_token_count
                .saturating_add(other.thoughts_token_count),
        }
    }

    /// As the hub keeps and shows it: the prompt, and the reply with its thinking (both billed
    /// as output), so prompt + reply is the total Google bills.
    pub fn token_usage(self) -> TokenUsage {
        TokenUsage {
            prompt: self.prompt_token_count,
            reply: self
                .candidates_token_count
                .saturating_add(self.thoughts_token_count),
            total: self.total_token_count,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    #[serde(default)]
    pub content: Option<Content>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptFeedback {
    #[serde(default)]
    pub block_reason: Option<String>,
}

/// A `generateContent` reply, or one chunk of a stream.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateResponse {
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    #[serde(default)]
    pub usage_metadata: Option<UsageMetadata>,
    #[serde(default)]
    pub prompt_feedback: Option<PromptFeedback>,
    #[serde(default)]
    pub model_version: Option<String>,
}

impl GenerateResponse {
    /// The text of the first candidate (the only one the hub asks for).
    pub fn text(&self) -> String {
        self.candidates
            .first()
            .and_then(|c| c.content.as_ref())
            .map(|c| c.parts.iter().filter_map(|p| p.text.as_deref()).collect())
            .unwrap_or_default()
    }

    /// The function calls of the first candidate, in order.
    pub fn function_calls(&self) -> Vec<FunctionCall> {
        self.candidates
            .first()
            .and_then(|c| c.content.as_ref())
            .map(|c| {
                c.parts
                    .iter()
                    .filter_map(|p| p.function_call.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn finish_reason(&self) -> Option<&str> {
        self.candidates.first()?.finish_reason.as_deref()
    }

    pub fn block_reason(&self) -> Option<&str> {
        self.prompt_feedback.as_ref()?.block_reason.as_deref()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountTokensResponse {
    #[serde(default)]
    pub total_tokens: u64,
}

/// `{"error": {...}}`, Google's error envelope.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorEnvelope {
    #[serde(default)]
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: u16,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

impl ErrorBody {
    /// `ErrorInfo.reason`, e.g. "API_KEY_INVALID".
    pub fn reason(&self) -> Option<&str> {
        self.details
            .iter()
            .find_map(|d| d.get("reason").and_then(|r| r.as_str()))
    }

    /// `RetryInfo.retryDelay`, e.g. "26s" or "1.5s".
    pub fn retry_delay(&self) -> Option<std::time::Duration> {
        let text = self
            .details
            .iter()
            .find_map(|d| d.get("retryDelay").and_then(|r| r.as_str()))?;
        let secs: f64 = text.strip_suffix('s')?.parse().ok()?;
        (secs.is_finite() && secs >= 0.0)
            .then(|| std::time::Duration::from_secs_f64(secs.min(3600.0)))
    }
}

#[cfg(test)]
mod usage_tests {
    use super::*;

    /// The live capture's last chunk (`streamGenerateContent.alt-sse.txt`): 4 prompt, 7 reply
    /// and 31 thinking make the 42 billed.
    #[test]
    fn thinking_is_counted_with_the_reply_so_the_sum_is_what_is_billed() {
        let usage: UsageMetadata = serde_json::from_str(
            r#"{"promptTokenCount": 4,"candidatesTokenCount": 7,"totalTokenCount": 42,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 4}],"thoughtsTokenCount": 31}"#,
        )
        .unwrap();
        let kept = usage.token_usage();
        assert_eq!((kept.prompt, kept.reply, kept.total), (4, 38, 42));
        assert_eq!(kept.prompt + kept.reply, kept.total);
    }
}
