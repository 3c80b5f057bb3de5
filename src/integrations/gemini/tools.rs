//! Function calling: the functions offered to Gemini (`tools[].functionDeclarations[]`), when it
//! may call them (`toolConfig.functionCallingConfig`), the calls it makes and the responses the
//! caller sends back, and [`GeminiClient::generate_with_tools`], one turn of it. The caller keeps
//! the history: the model's turn as it came (its `thoughtSignature` included, or the API refuses
//! the next request), then a user turn of [`FunctionResponse`] parts, one for each call.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::client::GeminiClient;
use super::error::GeminiError;
use super::structured::Schema;
use super::types::{Content, GenerateRequest, Part, UsageMetadata};

/// One function Gemini may call; its parameters are an object schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionDeclaration {
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Schema>,
}

impl FunctionDeclaration {
    pub fn new(name: &str, description: &str, parameters: Option<Schema>) -> FunctionDeclaration {
        FunctionDeclaration {
            name: name.to_string(),
            description: description.to_string(),
            parameters,
        }
    }
}

/// `tools[]`: only function declarations are offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    pub function_declarations: Vec<FunctionDeclaration>,
}

/// When Gemini may call a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionCallingMode {
    /// It decides: a call or text.
    Auto,
    /// It must call, one of these when any are named.
    Any { allowed: Vec<String> },
    /// It must answer text.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfig {
    pub function_calling_config: FunctionCallingConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCallingConfig {
    /// "AUTO", "ANY" or "NONE".
    pub mode: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_function_names: Vec<String>,
}

impl From<&FunctionCallingMode> for ToolConfig {
    fn from(mode: &FunctionCallingMode) -> ToolConfig {
        let (mode, allowed) = match mode {
            FunctionCallingMode::Auto => ("AUTO", Vec::new()),
            FunctionCallingMode::Any { allowed } => ("ANY", allowed.clone()),
            FunctionCallingMode::None => ("NONE", Vec::new()),
        };
        ToolConfig {
            function_calling_config: FunctionCallingConfig {
                mode: mode.to_string(),
                allowed_function_names: allowed,
            },
        }
    }
}

/// A call the model makes: the function's name and its arguments (an object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    #[serde(default)]
    pub args: Value,
    /// Set by some models to pair a response with its call; echoed back when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// What the caller's function returned, sent back in a user turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionResponse {
    pub name: String,
    pub response: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl FunctionResponse {
    /// The response to `call`, carrying its id when it had one.
    pub fn to(call: &FunctionCall, response: Value) -> FunctionResponse {
        FunctionResponse {
            name: call.name.clone(),
            response,
            id: call.id.clone(),
        }
    }
}

impl Content {
    /// The user turn that answers a model turn's calls.
    pub fn function_responses(responses: Vec<FunctionResponse>) -> Content {
        Content {
            role: Some("user".to_string()),
            parts: responses
                .into_iter()
                .map(|r| Part {
                    function_response: Some(r),
                    ..Part::default()
                })
                .collect(),
        }
    }
}

/// What the model did with its turn.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolReply {
    /// It answered.
    Text(String),
    /// It wants these functions run (one or several); answer with a
    /// [`Content::function_responses`] turn after [`ToolTurn::model_turn`].
    Calls(Vec<FunctionCall>),
}

/// One turn of a conversation with tools.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolTurn {
    pub reply: ToolReply,
    /// The model's turn as it came, to be added to the history unchanged.
    pub model_turn: Content,
    pub usage: UsageMetadata,
}

impl GeminiClient {
    /// Asks for one turn with `declarations` offered under `mode`: the model answers text, or
    /// calls functions for the caller to run.
    pub async fn generate_with_tools(
        &self,
        model: &str,
        history: &[Content],
        system: Option<&Content>,
        declarations: &[FunctionDeclaration],
        mode: &FunctionCallingMode,
        cancel: &CancellationToken,
    ) -> Result<ToolTurn, GeminiError> {
        let request = GenerateRequest {
            contents: history.to_vec(),
            system_instruction: system.cloned(),
            tools: vec![Tool {
                function_declarations: declarations.to_vec(),
            }],
            tool_config: Some(ToolConfig::from(mode)),
            ..GenerateRequest::default()
        };
        let response = self.generate(model, &request, cancel).await?;
        let model_turn = response
            .candidates
            .first()
            .and_then(|c| c.content.clone())
            .ok_or_else(|| {
                GeminiError::Malformed(format!(
                    "the reply has no answer (finish reason {})",
                    response.finish_reason().unwrap_or("none")
                ))
            })?;
        let calls = response.function_calls();
        let reply = if calls.is_empty() {
            ToolReply::Text(response.text())
        } else {
            ToolReply::Calls(calls)
        };
        Ok(ToolTurn {
            reply,
            model_turn,
            usage: response.usage_metadata.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::gemini::types::GenerateResponse;

    #[test]
    fn the_reference_function_call_reads_and_its_signature_survives_the_round_trip() {
        let body = include_str!(
            "../../../tests/fixtures/gemini/generateContent.functionCall.response.json"
        );
        let response: GenerateResponse = serde_json::from_str(body).unwrap();
        let calls = response.function_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "getWeather");
        assert_eq!(calls[0].args["location"], "Tokyo");
        let turn = response.candidates[0].content.clone().unwrap();
        let sent = serde_json::to_value(&turn).unwrap();
        let signature = sent["parts"][0]["thoughtSignature"].as_str().unwrap();
        assert!(signature.starts_with("CikBcsjaf"), "{signature}");
        let answer = Content::function_responses(vec![FunctionResponse::to(
            &calls[0],
            serde_json::json!({"temperature": "18"}),
        )]);
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            serde_json::json!({"role": "user", "parts": [{"functionResponse":
                {"name": "getWeather", "response": {"temperature": "18"}}}]})
        );
    }
}
