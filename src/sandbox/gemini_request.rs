//! What the Generative Language API refuses in a `generateContent` (or `countTokens`) body before
//! reading it: a field its schema does not have (at the top, in `generationConfig`, in a content
//! or a part),
//! named with where it is, and a role other than `user` and `model`. Its JSON parser knows each
//! field by its proto name and by its lowerCamelCase form, so both spellings are read. A
//! generate request is also refused for a response schema or function parameters the API does
//! not take, a schema without a mime type that uses it, tools with a JSON answer, and function
//! turns that do not pair up (`gemini/schema.rs`, `gemini/tools.rs`).

use serde_json::{Map, Value, json};

use super::gemini::{schema, tools};

/// `CountTokensRequest`'s fields (proto names): not the generate request's.
const COUNT_REQUEST: &[&str] = &["contents", "generate_content_request"];

/// `GenerateContentRequest`'s fields (proto names).
const REQUEST: &[&str] = &[
    "model",
    "contents",
    "system_instruction",
    "generation_config",
    "safety_settings",
    "tools",
    "tool_config",
    "cached_content",
];

/// `GenerationConfig`'s fields (v1beta, late 2026).
const GENERATION_CONFIG: &[&str] = &[
    "candidate_count",
    "stop_sequences",
    "max_output_tokens",
    "temperature",
    "top_p",
    "top_k",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "response_logprobs",
    "logprobs",
    "response_mime_type",
    "response_schema",
    "response_json_schema",
    "_response_json_schema",
    "response_modalities",
    "enable_enhanced_civic_answers",
    "speech_config",
    "thinking_config",
    "image_config",
    "media_resolution",
];

const CONTENT: &[&str] = &["role", "parts"];

const PART: &[&str] = &[
    "text",
    "inline_data",
    "file_data",
    "function_call",
    "function_response",
    "executable_code",
    "code_execution_result",
    "thought",
    "thought_signature",
    "video_metadata",
    "part_metadata",
    "media_resolution",
];

/// `Schema`'s fields (the OpenAPI subset a `responseSchema` and a function's `parameters` take):
/// `additionalProperties`, `$ref` or `oneOf` are refused as unknown, as the API refuses them.
const SCHEMA: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "max_items",
    "min_items",
    "properties",
    "required",
    "min_properties",
    "max_properties",
    "min_length",
    "max_length",
    "pattern",
    "example",
    "any_of",
    "property_ordering",
    "default",
    "items",
    "minimum",
    "maximum",
];

/// The deepest schema searched for unknown fields: a bound on outside input.
const MAX_SCHEMA_DEPTH: usize = 16;

const ROLES: &[&str] = &["user", "model"];

fn camel(proto: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in proto.chars().enumerate() {
        if c == '_' && i > 0 {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn known(fields: &[&str], name: &str) -> bool {
    fields.iter().any(|f| *f == name || camel(f) == name)
}

/// A field the schema does not have: its name, and where (`None` at the top).
struct Unknown {
    name: String,
    at: Option<String>,
}

impl Unknown {
    fn description(&self) -> String {
        match &self.at {
            Some(at) => format!(
                "Invalid JSON payload received. Unknown name \"{}\" at '{at}': Cannot find field.",
                self.name
            ),
            None => format!(
                "Invalid JSON payload received. Unknown name \"{}\": Cannot find field.",
                self.name
            ),
        }
    }
}

fn unknown_in(object: &Map<String, Value>, fields: &[&str], at: Option<&str>) -> Vec<Unknown> {
    object
        .keys()
        .filter(|k| !known(fields, k))
        .map(|k| Unknown {
            name: k.clone(),
            at: at.map(str::to_string),
        })
        .collect()
}

/// Every unknown field of a schema and of the schemas inside it. A property's schema is where
/// the proto parser puts it: `properties[i].value`, `i` its place in the map.
fn unknown_in_schema(schema: &Value, at: &str, depth: usize, found: &mut Vec<Unknown>) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if depth > MAX_SCHEMA_DEPTH {
        return;
    }
    found.extend(unknown_in(object, SCHEMA, Some(at)));
    if let Some(Value::Object(properties)) = object.get("properties") {
        for (i, property) in properties.values().enumerate() {
            let at = format!("{at}.properties[{i}].value");
            unknown_in_schema(property, &at, depth + 1, found);
        }
    }
    if let Some(items) = object.get("items") {
        unknown_in_schema(items, &format!("{at}.items"), depth + 1, found);
    }
    let any_of = object.get("anyOf").or_else(|| object.get("any_of"));
    for (i, choice) in any_of
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        unknown_in_schema(choice, &format!("{at}.any_of[{i}]"), depth + 1, found);
    }
}

/// Every unknown field of a request body.
fn unknown_fields(body: &Map<String, Value>, top: &[&str]) -> Vec<Unknown> {
    let mut found = unknown_in(body, top, None);
    let field = |camel: &str, proto: &str| body.get(camel).or_else(|| body.get(proto)).cloned();
    if let Some(Value::Object(config)) = field("generationConfig", "generation_config") {
        found.extend(unknown_in(
            &config,
            GENERATION_CONFIG,
            Some("generation_config"),
        ));
        if let Some(schema) = config
            .get("responseSchema")
            .or_else(|| config.get("response_schema"))
        {
            unknown_in_schema(schema, "generation_config.response_schema", 0, &mut found);
        }
    }
    let tools = body.get("tools").and_then(Value::as_array);
    for (i, tool) in tools.into_iter().flatten().enumerate() {
        let declared = tool
            .get("functionDeclarations")
            .or_else(|| tool.get("function_declarations"))
            .and_then(Value::as_array);
        for (j, declaration) in declared.into_iter().flatten().enumerate() {
            if let Some(parameters) = declaration.get("parameters") {
                let at = format!("tools[{i}].function_declarations[{j}].parameters");
                unknown_in_schema(parameters, &at, 0, &mut found);
            }
        }
    }
    if let Some(Value::Array(contents)) = body.get("contents") {
        for (i, content) in contents.iter().enumerate() {
            let Some(content) = content.as_object() else {
                continue;
            };
            found.extend(unknown_in(
                content,
                CONTENT,
                Some(&format!("contents[{i}]")),
            ));
            let parts = content.get("parts").and_then(Value::as_array);
            for (j, part) in parts.into_iter().flatten().enumerate() {
                if let Some(part) = part.as_object() {
                    let at = format!("contents[{i}].parts[{j}]");
                    found.extend(unknown_in(part, PART, Some(&at)));
                }
            }
        }
    }
    found
}

/// Google's 400 INVALID_ARGUMENT body, with a field violation when there are any.
fn invalid_argument(message: &str, violations: Vec<Value>) -> Value {
    let mut error = json!({"code": 400, "message": message, "status": "INVALID_ARGUMENT"});
    if !violations.is_empty() {
        error["details"] = json!([{
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": violations
        }]);
    }
    json!({ "error": error })
}

/// The mime types a `responseSchema` can go with.
const SCHEMA_MIME_TYPES: &[&str] = &["application/json", "text/x.enum"];

/// The broken rules of structured output and function calling, each a line in Google's words.
fn generate_violations(body: &Value) -> Vec<String> {
    let config = body
        .get("generationConfig")
        .or_else(|| body.get("generation_config"));
    let config_field =
        |camel: &str, proto: &str| config.and_then(|c| c.get(camel).or_else(|| c.get(proto)));
    let mime = config_field("responseMimeType", "response_mime_type").and_then(Value::as_str);
    let mut found = Vec::new();
    if let Some(schema) = config_field("responseSchema", "response_schema") {
        if !mime.is_some_and(|m| SCHEMA_MIME_TYPES.contains(&m)) {
            found.push(
                "* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be one of the following: [application/json, text/x.enum] when response_schema is set."
                    .to_string(),
            );
        }
        found.extend(schema::violations(
            schema,
            "generation_config.response_schema",
        ));
    }
    found.extend(tools::violations(body));
    if mime == Some("application/json") && !tools::declarations(body).is_empty() {
        found.push(
            "Function calling with a response mime type: 'application/json' is unsupported"
                .to_string(),
        );
    }
    found
}

/// The body of Google's refusal of this request to `method`, if it refuses it.
pub fn refusal(method: &str, body: &Value) -> Option<Value> {
    let body = body.as_object()?;
    let top = if method == "countTokens" {
        COUNT_REQUEST
    } else {
        REQUEST
    };
    let unknown = unknown_fields(body, top);
    if !unknown.is_empty() {
        let message = unknown
            .iter()
            .map(Unknown::description)
            .collect::<Vec<_>>()
            .join("\n");
        let violations = unknown
            .iter()
            .map(|u| match &u.at {
                Some(at) => json!({"field": at, "description": u.description()}),
                None => json!({"description": u.description()}),
            })
            .collect();
        return Some(invalid_argument(&message, violations));
    }
    let contents = body.get("contents").and_then(Value::as_array);
    let bad_role = contents.into_iter().flatten().any(|c| {
        c.get("role")
            .and_then(Value::as_str)
            .is_some_and(|r| !r.is_empty() && !ROLES.contains(&r))
    });
    if bad_role {
        return Some(invalid_argument(
            "Please use a valid role: user, model.",
            Vec::new(),
        ));
    }
    if method == "countTokens" {
        return None;
    }
    let whole = Value::Object(body.clone());
    let broken = generate_violations(&whole);
    if !broken.is_empty() {
        return Some(invalid_argument(&broken.join("\n"), Vec::new()));
    }
    let history = contents.cloned().unwrap_or_default();
    tools::history_refusal(&history).map(|message| invalid_argument(&message, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: Value) -> Option<String> {
        refusal("generateContent", &body)
            .map(|r| r["error"]["message"].as_str().unwrap().to_string())
    }

    #[test]
    fn both_spellings_of_known_fields_pass_and_unknown_ones_are_named_where_they_are() {
        assert_eq!(camel("max_output_tokens"), "maxOutputTokens");
        assert_eq!(camel("_response_json_schema"), "_responseJsonSchema");
        let user = json!([{"role": "user", "parts": [{"text": "hi", "thoughtSignature": "x"}]}]);
        assert_eq!(
            refused(json!({"contents": user, "generation_config": {"top_p": 1, "topK": 2}})),
            None
        );
        assert_eq!(
            refused(json!({"contents": [{"role": "user", "parts": [{"txt": "hi"}]}]})).unwrap(),
            "Invalid JSON payload received. Unknown name \"txt\" at 'contents[0].parts[0]': Cannot find field."
        );
        let two = refused(json!({"contents": user, "generationConfig": {"foo": 1, "bar": 2}}));
        let lines: Vec<String> = two.unwrap().lines().map(str::to_string).collect();
        assert_eq!(lines.len(), 2, "one line for each: {lines:?}");
        for name in ["foo", "bar"] {
            let line = format!(
                "Invalid JSON payload received. Unknown name \"{name}\" at 'generation_config': Cannot find field."
            );
            assert!(lines.contains(&line), "{lines:?}");
        }
        let counted = json!({"contents": user, "systemInstruction": {"parts": []}});
        assert!(refusal("countTokens", &counted).is_some());
        assert_eq!(
            refused(json!({"contents": [{"role": "system", "parts": []}]})).unwrap(),
            "Please use a valid role: user, model."
        );
    }
}
