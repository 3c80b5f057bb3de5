//! Structured output and function calling, the client against the loopback sandbox's Gemini:
//! answers of the schema chosen from the prompt's words, the 400s the real API gives, a misfit
//! asked once more, and tool turns whose answer quotes the tools' numbers.

use futures_util::StreamExt;
use legion_hub::http::client as http_client;
use legion_hub::integrations::gemini::GeminiClient;
use legion_hub::integrations::gemini::GeminiError;
use legion_hub::integrations::gemini::structured::{Schema, StructuredError};
use legion_hub::integrations::gemini::tools::{
    FunctionCallingMode, FunctionDeclaration, FunctionResponse, Tool, ToolConfig, ToolReply,
};
use legion_hub::integrations::gemini::types::{Content, GenerateRequest, Part};
use legion_hub::sandbox::gemini::{Failure, GeminiSandbox, SANDBOX_KEY};
use legion_hub::secret::Secret;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::gemini_client::post_generate;

const MODEL: &str = "gemini-3.8-flash";

fn client(sandbox: &GeminiSandbox) -> GeminiClient {
    GeminiClient::new(http_client(), &sandbox.base_url(), Secret::new(SANDBOX_KEY))
}

#[derive(Debug, Deserialize, PartialEq)]
struct Suggestion {
    class: String,
    confidence: f64,
    reason: Option<String>,
}

fn suggestions() -> Schema {
    Schema::array(
        Schema::object([
            ("class", Schema::string_enum(["Rent", "Software", "Other"])),
            ("confidence", Schema::number()),
            ("reason", Schema::string().nullable()),
        ])
        .optional("reason"),
    )
    .max_items(50)
}

const BATCH: &str = "Classify 2 lines.\nADOBE CREATIVE CLD software 0.9\nLANDLORD monthly rent 0.8";

#[tokio::test]
async fn a_json_answer_fits_its_schema_follows_the_prompts_words_and_counts_its_tokens() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let client = client(&sandbox);
    let cancel = CancellationToken::new();
    let answer = client
        .generate_json::<Vec<Suggestion>>(MODEL, vec![Part::text(BATCH)], &suggestions(), &cancel)
        .await
        .unwrap();
    let classes: Vec<(&str, f64)> = answer
        .value
        .iter()
        .map(|s| (s.class.as_str(), s.confidence))
        .collect();
    assert_eq!(classes, vec![("Software", 0.9), ("Rent", 0.8)]);
    assert_eq!(answer.requests, 1);
    let asked = GenerateRequest {
        contents: vec![Content::text(Some("user"), BATCH)],
        ..GenerateRequest::default()
    };
    let counted = client.count_tokens(MODEL, &asked, &cancel).await.unwrap();
    assert_eq!(
        answer.usage.prompt_token_count, counted,
        "the same counting"
    );
    assert!(answer.usage.candidates_token_count > 0);

    let (status, body) = post_generate(
        &sandbox,
        json!({"contents": [{"role": "user", "parts": [{"text": "Is ADOBE rent or software?"}]}],
            "generationConfig": {"responseMimeType": "text/x.enum",
                "responseSchema": {"type": "STRING", "enum": ["Rent", "Software"]}}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["candidates"][0]["content"]["parts"][0]["text"], "Rent",
        "both values are named: the first of them"
    );
}

#[tokio::test]
async fn what_the_real_api_refuses_is_refused_with_its_400_body() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let user = json!([{"role": "user", "parts": [{"text": "hi"}]}]);
    let json_of = |schema: Value| {
        json!({"contents": user,
        "generationConfig": {"responseMimeType": "application/json", "responseSchema": schema}})
    };
    let cases = [
        (
            json_of(json!({"type": "DECIMAL"})),
            "Invalid value at 'generation_config.response_schema.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), \"DECIMAL\"",
        ),
        (
            json_of(
                json!({"type": "OBJECT", "properties": {"n": {"type": "INTEGER", "enum": ["1"]}}}),
            ),
            "* GenerateContentRequest.generation_config.response_schema.properties[n].enum: only allowed for STRING type",
        ),
        (
            json_of(
                json!({"type": "OBJECT", "properties": {"a": {"type": "STRING"}}, "required": ["a", "b"]}),
            ),
            "* GenerateContentRequest.generation_config.response_schema.required[1]: property is not defined",
        ),
        (
            json!({"contents": user, "generationConfig": {"responseSchema": {"type": "STRING"}}}),
            "* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be one of the following: [application/json, text/x.enum] when response_schema is set.",
        ),
        (
            json!({"contents": user, "generationConfig": {"responseMimeType": "application/json"},
                "tools": [{"functionDeclarations": [{"name": "f", "description": "d"}]}]}),
            "Function calling with a response mime type: 'application/json' is unsupported",
        ),
        // JSON Schema's words that the API's OpenAPI subset has not: unknown fields to its
        // parser, wherever they are in a schema.
        (
            json_of(json!({"type": "OBJECT", "additionalProperties": false})),
            "Invalid JSON payload received. Unknown name \"additionalProperties\" at 'generation_config.response_schema': Cannot find field.",
        ),
        (
            json!({"contents": user, "tools": [{"functionDeclarations": [{"name": "f", "description": "d",
                "parameters": {"type": "OBJECT", "properties": {"a": {"type": "STRING"},
                    "b": {"type": "STRING", "const": "x"}}}}]}]}),
            "Invalid JSON payload received. Unknown name \"const\" at 'tools[0].function_declarations[0].parameters.properties[1].value': Cannot find field.",
        ),
    ];
    for (body, message) in cases {
        let (status, reply) = post_generate(&sandbox, body).await;
        assert_eq!(status, 400, "{reply}");
        assert_eq!(reply["error"]["code"], 400);
        assert_eq!(reply["error"]["status"], "INVALID_ARGUMENT");
        assert_eq!(reply["error"]["message"], message);
    }
}

#[tokio::test]
async fn a_reply_that_does_not_fit_is_asked_once_more_and_a_second_misfit_is_an_error() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let client = client(&sandbox);
    let cancel = CancellationToken::new();
    sandbox.inject(Failure::Misfit);
    let answer = client
        .generate_json::<Vec<Suggestion>>(MODEL, vec![Part::text(BATCH)], &suggestions(), &cancel)
        .await
        .unwrap();
    assert_eq!(answer.requests, 2);
    assert_eq!(answer.value.len(), 2);
    assert_eq!(sandbox.requests(), 2);

    sandbox.inject(Failure::Misfit);
    sandbox.inject(Failure::Misfit);
    let error = client
        .generate_json::<Vec<Suggestion>>(MODEL, vec![Part::text(BATCH)], &suggestions(), &cancel)
        .await
        .unwrap_err();
    assert_eq!(sandbox.requests(), 4, "asked once more, not again");
    let StructuredError::Misfit { detail, usage } = &error else {
        panic!("a misfit, not {error:?}");
    };
    assert!(detail.contains("Sure! Here it is"), "{detail}");
    assert_eq!(
        usage.prompt_token_count, answer.usage.prompt_token_count,
        "both counted two requests"
    );
    assert!(
        error.to_string().contains("did not fit the schema"),
        "{error}"
    );
}

/// Valid JSON, but not the type asked for: refused the same way, never returned.
#[tokio::test]
async fn json_that_is_not_the_type_is_a_misfit_too() {
    #[derive(Debug, Deserialize)]
    struct NotTheSchema {
        #[allow(dead_code)]
        payee: String,
    }
    let sandbox = GeminiSandbox::start().await.unwrap();
    let error = client(&sandbox)
        .generate_json::<NotTheSchema>(
            MODEL,
            vec![Part::text(BATCH)],
            &suggestions(),
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StructuredError::Misfit { detail, .. } if detail.contains("invalid type")),
        "{error:?}"
    );
    assert_eq!(sandbox.requests(), 2);
}

/// JSON of the type that the caller's check refuses (here: the first reply) is a misfit too:
/// asked once more, and only a reply the check passes is returned.
#[tokio::test]
async fn a_reply_the_callers_check_refuses_is_asked_once_more_and_never_returned() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let client = client(&sandbox);
    let cancel = CancellationToken::new();
    let checked = std::sync::atomic::AtomicUsize::new(0);
    let refuse_the_first =
        |value: Vec<Suggestion>| match checked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
            0 => Err("the first reply is refused".to_string()),
            _ => Ok(value.len()),
        };
    let answer = client
        .generate_json_checked(
            MODEL,
            vec![Part::text(BATCH)],
            &suggestions(),
            refuse_the_first,
            &cancel,
        )
        .await
        .unwrap();
    assert_eq!((answer.value, answer.requests), (2, 2));
    assert_eq!(sandbox.requests(), 2);

    let error = client
        .generate_json_checked(
            MODEL,
            vec![Part::text(BATCH)],
            &suggestions(),
            |_: Vec<Suggestion>| Err::<(), _>("line 7 is not one of the batch's".to_string()),
            &cancel,
        )
        .await
        .unwrap_err();
    assert_eq!(sandbox.requests(), 4, "asked once more, not again");
    assert!(
        matches!(&error, StructuredError::Misfit { detail, .. } if detail.starts_with("line 7 is not one of the batch's: [")),
        "{error:?}"
    );
}

fn books_tools() -> Vec<FunctionDeclaration> {
    vec![
        FunctionDeclaration::new("todays_sales", "Total of today's sales", None),
        FunctionDeclaration::new(
            "sales_summary",
            "Sales between two dates, grouped",
            Some(Schema::object([
                ("from", Schema::string().described("first date")),
                ("to", Schema::string().described("last date")),
                (
                    "group_by",
                    Schema::string_enum(["day", "week", "month", "class"]),
                ),
            ])),
        ),
        FunctionDeclaration::new("unreconciled", "Bank lines not yet reconciled", None),
    ]
}

fn asked(text: &str) -> Vec<Content> {
    vec![Content::text(Some("user"), text)]
}

async fn turn(
    client: &GeminiClient,
    history: &[Content],
    mode: &FunctionCallingMode,
) -> Result<legion_hub::integrations::gemini::tools::ToolTurn, GeminiError> {
    let cancel = CancellationToken::new();
    client
        .generate_with_tools(MODEL, history, None, &books_tools(), mode, &cancel)
        .await
}

fn called(reply: &ToolReply) -> Vec<String> {
    match reply {
        ToolReply::Calls(calls) => calls.iter().map(|c| c.name.clone()).collect(),
        ToolReply::Text(_) => Vec::new(),
    }
}

#[tokio::test]
async fn the_modes_decide_whether_and_what_the_model_calls() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let client = client(&sandbox);
    let auto = FunctionCallingMode::Auto;
    let named = turn(
        &client,
        &asked("What is the sales summary from 2026-11-01 to 2026-11-30 by week?"),
        &auto,
    )
    .await
    .unwrap();
    let ToolReply::Calls(calls) = &named.reply else {
        panic!("a call: {:?}", named.reply);
    };
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].name, "sales_summary");
    assert_eq!(
        calls[0].args,
        json!({"from": "2026-11-01", "to": "2026-11-30", "group_by": "week"})
    );
    assert!(named.model_turn.parts[0].thought_signature.is_some());

    let unnamed = turn(&client, &asked("Good morning!"), &auto).await.unwrap();
    assert!(
        matches!(&unnamed.reply, ToolReply::Text(t) if t.contains("Good morning")),
        "{:?}",
        unnamed.reply
    );

    let any = FunctionCallingMode::Any {
        allowed: vec!["unreconciled".into()],
    };
    let forced = turn(&client, &asked("Good morning!"), &any).await.unwrap();
    assert_eq!(called(&forced.reply), vec!["unreconciled"]);
    let only_allowed = turn(&client, &asked("todays sales please"), &any)
        .await
        .unwrap();
    assert_eq!(
        called(&only_allowed.reply),
        vec!["unreconciled"],
        "todays_sales is not allowed"
    );

    let none = turn(
        &client,
        &asked("todays sales please"),
        &FunctionCallingMode::None,
    )
    .await
    .unwrap();
    assert!(matches!(none.reply, ToolReply::Text(_)), "{:?}", none.reply);

    let both = turn(
        &client,
        &asked("todays sales, and what is unreconciled?"),
        &auto,
    )
    .await
    .unwrap();
    assert_eq!(
        called(&both.reply),
        vec!["todays_sales", "unreconciled"],
        "two calls in one turn"
    );
}

#[tokio::test]
async fn the_answer_to_the_tools_responses_quotes_their_numbers() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let client = client(&sandbox);
    let cancel = CancellationToken::new();
    let mut history = asked("What are todays sales, and what is unreconciled?");
    let first = turn(&client, &history, &FunctionCallingMode::Auto)
        .await
        .unwrap();
    let ToolReply::Calls(calls) = first.reply else {
        panic!("calls: {:?}", first.reply);
    };
    history.push(first.model_turn.clone());
    let results = [
        json!({"total": "1234.50", "sales": 17}),
        json!({"lines": 3, "amount": "-88.20"}),
    ];
    let responses = calls
        .iter()
        .zip(results)
        .map(|(call, result)| FunctionResponse::to(call, result))
        .collect();
    history.push(Content::function_responses(responses));
    let answer = turn(&client, &history, &FunctionCallingMode::Auto)
        .await
        .unwrap();
    let ToolReply::Text(text) = &answer.reply else {
        panic!("text: {:?}", answer.reply);
    };
    for number in ["1234.50", "17", "-88.20", "3"] {
        assert!(text.contains(number), "{number} in {text}");
    }
    let request = GenerateRequest {
        contents: history.clone(),
        ..GenerateRequest::default()
    };
    let counted = client.count_tokens(MODEL, &request, &cancel).await.unwrap();
    assert_eq!(
        answer.usage.prompt_token_count, counted,
        "usageMetadata agrees with countTokens"
    );

    // The model turn without its signature: the real API refuses the history.
    let mut unsigned = history.clone();
    for part in &mut unsigned[1].parts {
        part.thought_signature = None;
    }
    let error = turn(&client, &unsigned, &FunctionCallingMode::Auto)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, GeminiError::Rejected { status: 400, message } if message.contains("thought_signature")),
        "{error:?}"
    );

    // Responses that no call asked for.
    let mut stray = asked("hello");
    stray.push(Content::function_responses(vec![FunctionResponse {
        name: "todays_sales".into(),
        response: json!({"total": "1"}),
        id: None,
    }]));
    let error = turn(&client, &stray, &FunctionCallingMode::Auto)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, GeminiError::Rejected { status: 400, message } if message.contains("function response turn comes immediately after a function call turn")),
        "{error:?}"
    );
    let mut one_short = history[..2].to_vec();
    one_short.push(Content::function_responses(vec![FunctionResponse::to(
        &calls[0],
        json!({}),
    )]));
    let error = turn(&client, &one_short, &FunctionCallingMode::Auto)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, GeminiError::Rejected { status: 400, message } if message.contains("number of function response parts")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_stream_carries_function_calls_too() {
    let sandbox = GeminiSandbox::start().await.unwrap();
    let request = GenerateRequest {
        contents: asked("todays sales?"),
        tools: vec![Tool {
            function_declarations: books_tools(),
        }],
        tool_config: Some(ToolConfig::from(&FunctionCallingMode::Auto)),
        ..GenerateRequest::default()
    };
    let stream = client(&sandbox)
        .stream(MODEL, &request, &CancellationToken::new())
        .await
        .unwrap();
    let chunks: Vec<_> = stream.collect().await;
    let calls: Vec<String> = chunks
        .iter()
        .map(|c| c.as_ref().unwrap())
        .flat_map(|c| c.function_calls())
        .map(|c| c.name)
        .collect();
    assert_eq!(calls, vec!["todays_sales"]);
    let last = chunks.last().unwrap().as_ref().unwrap();
    assert_eq!(last.finish_reason(), Some("STOP"));
}
