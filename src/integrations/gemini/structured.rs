//! Structured output: the response schema (the OpenAPI subset Gemini takes, built with a few
//! typed constructors) and [`GeminiClient::generate_json`], which asks for JSON of a schema and
//! reads it into a Rust type. A reply that does not fit (not JSON, not the type, or refused by
//! the caller's check: [`GeminiClient::generate_json_checked`]) is never returned: it is asked
//! once more, and a second misfit is [`StructuredError::Misfit`].

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::client::GeminiClient;
use super::error::GeminiError;
use super::types::{Content, GenerateRequest, GenerationConfig, Part, UsageMetadata};

/// How many times a schema's answer is asked for: once, and once more after a misfit.
const ASKS: usize = 2;
/// The most characters of a misfit reply kept in the error, for the log.
const MISFIT_SHOWN: usize = 200;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SchemaType {
    #[default]
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
}

/// A response schema, or a function's parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    #[serde(rename = "type")]
    pub kind: SchemaType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Schema>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// The order the model writes the properties in (a JSON object has none of its own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_ordering: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
}

impl Schema {
    fn of(kind: SchemaType) -> Schema {
        Schema {
            kind,
            ..Schema::default()
        }
    }

    pub fn string() -> Schema {
        Schema::of(SchemaType::String)
    }

    pub fn number() -> Schema {
        Schema::of(SchemaType::Number)
    }

    pub fn integer() -> Schema {
        Schema::of(SchemaType::Integer)
    }

    pub fn boolean() -> Schema {
        Schema::of(SchemaType::Boolean)
    }

    /// A string that is one of `values`.
    pub fn string_enum<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Schema {
        Schema {
            enum_values: values.into_iter().map(Into::into).collect(),
            ..Schema::string()
        }
    }

    pub fn array(items: Schema) -> Schema {
        Schema {
            items: Some(Box::new(items)),
            ..Schema::of(SchemaType::Array)
        }
    }

    /// An object of these properties, all required and written in this order; make one
    /// optional with [`Schema::optional`].
    pub fn object<S: Into<String>>(properties: impl IntoIterator<Item = (S, Schema)>) -> Schema {
        let properties: Vec<(String, Schema)> = properties
            .into_iter()
            .map(|(name, schema)| (name.into(), schema))
            .collect();
        let names: Vec<String> = properties.iter().map(|(n, _)| n.clone()).collect();
        Schema {
            properties: properties.into_iter().collect(),
            required: names.clone(),
            property_ordering: names,
            ..Schema::of(SchemaType::Object)
        }
    }

    /// The property need not be there.
    pub fn optional(mut self, name: &str) -> Schema {
        self.required.retain(|r| r != name);
        self
    }

    pub fn nullable(mut self) -> Schema {
        self.nullable = Some(true);
        self
    }

    pub fn described(mut self, description: &str) -> Schema {
        self.description = Some(description.to_string());
        self
    }

    pub fn max_items(mut self, most: u64) -> Schema {
        self.max_items = Some(most);
        self
    }
}

/// An answer of the schema, read into `T`, and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Structured<T> {
    pub value: T,
    /// The tokens of every request made for it (two when the first reply did not fit).
    pub usage: UsageMetadata,
    pub requests: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StructuredError {
    #[error(transparent)]
    Gemini(#[from] GeminiError),
    #[error(
        "Gemini's answer did not fit the schema, twice ({detail}); nothing was applied. Try again later, or with another model"
    )]
    Misfit {
        /// Why the last reply was refused, and its beginning.
        detail: String,
        usage: UsageMetadata,
    },
}

impl GeminiClient {
    /// Asks `model` for JSON of `schema` and reads it into `T`. A reply that does not fit is
    /// asked once more; a second misfit is [`StructuredError::Misfit`].
    pub async fn generate_json<T: DeserializeOwned>(
        &self,
        model: &str,
        prompt: Vec<Part>,
        schema: &Schema,
        cancel: &CancellationToken,
    ) -> Result<Structured<T>, StructuredError> {
        self.generate_json_checked(model, prompt, schema, Ok::<T, String>, cancel)
            .await
    }

    /// [`GeminiClient::generate_json`], the reply also passed through `check`: what a schema
    /// cannot say (the ids the question gave, each answered once) is checked there, and a reply
    /// it refuses (saying why) is a misfit like one that is not JSON: asked once more, never
    /// returned.
    pub async fn generate_json_checked<T: DeserializeOwned, U>(
        &self,
        model: &str,
        prompt: Vec<Part>,
        schema: &Schema,
        check: impl Fn(T) -> Result<U, String>,
        cancel: &CancellationToken,
    ) -> Result<Structured<U>, StructuredError> {
        let request = GenerateRequest {
            contents: vec![Content {
                role: Some("user".to_string()),
                parts: prompt,
            }],
            generation_config: Some(GenerationConfig {
                response_mime_type: Some("application/json".to_string()),
                response_schema: Some(schema.clone()),
                ..GenerationConfig::default()
            }),
            ..GenerateRequest::default()
        };
        let mut usage = UsageMetadata::default();
        let mut detail = String::new();
        for asked in 1..=ASKS {
            let response = self.generate(model, &request, cancel).await?;
            usage = usage.plus(response.usage_metadata.unwrap_or_default());
            let text = response.text();
            let why = match serde_json::from_str::<T>(&text).map_err(|e| e.to_string()) {
                Ok(value) => match check(value) {
                    Ok(value) => {
                        return Ok(Structured {
                            value,
                            usage,
                            requests: asked,
                        });
                    }
                    Err(why) => why,
                },
                Err(why) => why,
            };
            let start: String = text.chars().take(MISFIT_SHOWN).collect();
            detail = format!("{why}: {}", crate::text::one_line(&start));
            tracing::info!(asked, %detail, "a structured Gemini reply did not fit");
        }
        Err(StructuredError::Misfit { detail, usage })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_writes_the_schema_google_reads() {
        let schema = Schema::array(
            Schema::object([
                ("class", Schema::string_enum(["Rent", "Software"])),
                ("confidence", Schema::number()),
                ("reason", Schema::string().nullable()),
            ])
            .optional("reason"),
        )
        .max_items(50);
        assert_eq!(
            serde_json::to_value(&schema).unwrap(),
            serde_json::json!({"type": "ARRAY", "maxItems": 50, "items": {"type": "OBJECT",
                "properties": {
                    "class": {"type": "STRING", "enum": ["Rent", "Software"]},
                    "confidence": {"type": "NUMBER"},
                    "reason": {"type": "STRING", "nullable": true}},
                "required": ["class", "confidence"],
                "propertyOrdering": ["class", "confidence", "reason"]}})
        );
    }
}
