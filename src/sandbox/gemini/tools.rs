//! Function calling in the sandbox's Gemini, the real way: `tools[].functionDeclarations[]`,
//! `toolConfig.functionCallingConfig` (AUTO calls a function the prompt names, by its name or
//! its description's words; ANY always calls, among `allowedFunctionNames` when given; NONE never
//! does), replies of `functionCall` parts with a `thoughtSignature`, and the caller's turn of
//! `functionResponse` parts, answered with text that quotes the responses' values. A history the
//! real API refuses (a response without its call, a call turn without its signature) is refused
//! in its words.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::words::Words;
use super::{meaning, periods, schema};

/// The most function declarations read from one request: a bound on outside input.
const MAX_DECLARATIONS: usize = 512;
/// The most values quoted from the tools' responses in one answer.
const MAX_QUOTED: usize = 64;

/// One declared function.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub name: String,
    description: String,
    parameters: Option<Value>,
}

fn field<'a>(value: &'a Value, camel: &str, proto: &str) -> Option<&'a Value> {
    value.get(camel).or_else(|| value.get(proto))
}

/// Every function the request declares.
pub fn declarations(body: &Value) -> Vec<Declaration> {
    let tools = body.get("tools").and_then(Value::as_array);
    tools
        .into_iter()
        .flatten()
        .filter_map(|t| field(t, "functionDeclarations", "function_declarations"))
        .filter_map(Value::as_array)
        .flatten()
        .take(MAX_DECLARATIONS)
        .filter_map(|d| {
            Some(Declaration {
                name: d.get("name")?.as_str()?.to_string(),
                description: d
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                parameters: d.get("parameters").cloned(),
            })
        })
        .collect()
}

/// What the schema rules say of each declaration's parameters.
pub fn violations(body: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let tools = body.get("tools").and_then(Value::as_array);
    for (i, tool) in tools.into_iter().flatten().enumerate() {
        let declared = field(tool, "functionDeclarations", "function_declarations");
        for (j, d) in declared
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(parameters) = d.get("parameters") {
                let at = format!("tools[{i}].function_declarations[{j}].parameters");
                found.extend(schema::violations(parameters, &at));
            }
        }
    }
    found
}

/// `toolConfig.functionCallingConfig`.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Auto,
    Any { allowed: Vec<String> },
    None,
}

pub fn mode(body: &Value) -> Mode {
    let config = field(body, "toolConfig", "tool_config")
        .and_then(|c| field(c, "functionCallingConfig", "function_calling_config"));
    let named = config.and_then(|c| c.get("mode")).and_then(Value::as_str);
    match named.map(str::to_uppercase).as_deref() {
        Some("ANY") => Mode::Any {
            allowed: config
                .and_then(|c| field(c, "allowedFunctionNames", "allowed_function_names"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        },
        Some("NONE") => Mode::None,
        _ => Mode::Auto,
    }
}

/// How strongly a question points to a function, as the real model weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pointed {
    Not,
    /// One word of its description, and the question names a period the function takes dates
    /// for ("how much did we sell in November?" to a sales summary between two dates).
    ByTopicAndPeriod,
    /// Its name, or at least two words of its description (or the one it has), by their stems.
    Named,
}

/// Whether a function's parameters take a date (a string described as `YYYY-MM-DD`).
fn takes_dates(declaration: &Declaration) -> bool {
    declaration
        .parameters
        .as_ref()
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object)
        .is_some_and(|properties| {
            properties.values().any(|p| {
                p.get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| d.contains("YYYY-MM-DD"))
            })
        })
}

fn pointed(declaration: &Declaration, asked: &BTreeSet<String>, period: bool) -> Pointed {
    if meaning::stems(&declaration.name).is_subset(asked) {
        return Pointed::Named;
    }
    let described: BTreeSet<String> = declaration
        .description
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 5)
        .map(meaning::stem)
        .collect();
    let found = described.intersection(asked).count();
    if !described.is_empty() && found >= described.len().min(2) {
        Pointed::Named
    } else if found >= 1 && period && takes_dates(declaration) {
        Pointed::ByTopicAndPeriod
    } else {
        Pointed::Not
    }
}

/// The calls the model makes for this prompt: `(name, args)`, none for a text answer. `today`
/// is the day the system instruction gives, for the dates a question means without writing
/// them ("today", "last month", "in November").
pub fn calls(
    declarations: &[Declaration],
    mode: &Mode,
    prompt: &str,
    today: NaiveDate,
) -> Vec<(String, Value)> {
    let asked = meaning::stems(prompt);
    let mut words = Words::new(prompt);
    let period = if words.has_dates() {
        None
    } else {
        periods::period_meant(prompt, today)
    };
    if let Some((from, to)) = period {
        words = words.with_dates(&[from.to_string(), to.to_string()]);
    }
    // The functions the question points to most strongly: a function it names outright wins
    // over one it only touches with a period.
    let wanted = |open: &[&Declaration]| -> Vec<usize> {
        let weights: Vec<Pointed> = open
            .iter()
            .map(|d| pointed(d, &asked, period.is_some()))
            .collect();
        let best = weights.iter().copied().max().unwrap_or(Pointed::Not);
        if best == Pointed::Not {
            return Vec::new();
        }
        (0..open.len()).filter(|i| weights[*i] == best).collect()
    };
    let chosen: Vec<&Declaration> = match mode {
        Mode::None => Vec::new(),
        Mode::Auto => {
            let open: Vec<&Declaration> = declarations.iter().collect();
            wanted(&open).into_iter().map(|i| open[i]).collect()
        }
        Mode::Any { allowed } => {
            let open: Vec<&Declaration> = declarations
                .iter()
                .filter(|d| allowed.is_empty() || allowed.contains(&d.name))
                .collect();
            let picked = wanted(&open);
            if picked.is_empty() {
                open.into_iter().take(1).collect()
            } else {
                picked.into_iter().map(|i| open[i]).collect()
            }
        }
    };
    chosen
        .into_iter()
        .map(|d| {
            let args = d
                .parameters
                .as_ref()
                .map(|p| schema::value_for(p, &mut words.clone()))
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({}));
            (d.name.clone(), args)
        })
        .collect()
}

/// The signature the sandbox gives a call turn: opaque to clients, as Google's is.
fn signature(names: &[&str]) -> String {
    format!("c2FuZGJveC1zaWduYXR1cmU6{}", names.join("-"))
}

/// The model turn's parts for these calls; the first carries the thought signature, as
/// Gemini 3 models send it for parallel calls.
pub fn call_parts(calls: &[(String, Value)]) -> Vec<Value> {
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            let mut part = json!({"functionCall": {"name": name, "args": args}});
            if i == 0 {
                part["thoughtSignature"] = json!(signature(&names));
            }
            part
        })
        .collect()
}

fn parts(content: &Value) -> &[Value] {
    content
        .get("parts")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn function_call(part: &Value) -> Option<&Value> {
    field(part, "functionCall", "function_call")
}

fn function_response(part: &Value) -> Option<&Value> {
    field(part, "functionResponse", "function_response")
}

/// What the real API says of a history whose function turns do not pair up, or whose call turn
/// lost its thought signature; `None` when the history is sound.
pub fn history_refusal(contents: &[Value]) -> Option<String> {
    for (i, content) in contents.iter().enumerate() {
        let calls: Vec<&Value> = parts(content).iter().filter_map(function_call).collect();
        if !calls.is_empty() {
            let signed = parts(content)
                .iter()
                .filter(|p| function_call(p).is_some())
                .any(|p| field(p, "thoughtSignature", "thought_signature").is_some());
            if !signed {
                let name = calls
                    .first()
                    .and_then(|c| c.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                return Some(format!(
                    "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:{name}` , position {}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
                    i + 1
                ));
            }
        }
        let responses: Vec<&Value> = parts(content)
            .iter()
            .filter_map(function_response)
            .collect();
        if responses.is_empty() {
            continue;
        }
        let before: Vec<&Value> = i
            .checked_sub(1)
            .and_then(|b| contents.get(b))
            .map(|c| parts(c).iter().filter_map(function_call).collect())
            .unwrap_or_default();
        if before.is_empty() {
            return Some(
                "Please ensure that function response turn comes immediately after a function call turn."
                    .to_string(),
            );
        }
        let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
        let mut called: Vec<Option<String>> = before.iter().map(|c| name(c)).collect();
        let mut answered: Vec<Option<String>> = responses.iter().map(|r| name(r)).collect();
        called.sort();
        answered.sort();
        if called != answered {
            return Some(
                "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn."
                    .to_string(),
            );
        }
    }
    None
}

/// The `functionResponse` parts of the last turn, if it is a turn of them.
pub fn last_responses(contents: &[Value]) -> Vec<Value> {
    contents
        .last()
        .map(|c| {
            parts(c)
                .iter()
                .filter_map(function_response)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The answer to a turn of function responses: each function's values, quoted as they came
/// (a string "1234.50" stays "1234.50"), so a test can check the answer came from the tools.
/// A row of a list is a line of its own ("  - rows.0.group = Retail, rows.0.total = 45.00").
pub fn answer_from(responses: &[Value]) -> String {
    let mut lines = vec!["From the tools:".to_string()];
    let mut quoted = 0;
    for response in responses {
        let name = response.get("name").and_then(Value::as_str).unwrap_or("?");
        let mut values = Vec::new();
        leaves(
            response.get("response").unwrap_or(&Value::Null),
            "",
            &mut values,
            0,
        );
        let shown: Vec<String> = values
            .into_iter()
            .take(MAX_QUOTED.saturating_sub(quoted))
            .collect();
        quoted += shown.len();
        // (the row a value belongs to, or "" for the function's own values; its values)
        let mut rows: Vec<(String, Vec<String>)> = Vec::new();
        for value in shown {
            let row = row_of(&value);
            match rows.iter_mut().find(|(r, _)| *r == row) {
                Some((_, values)) => values.push(value),
                None => rows.push((row, vec![value])),
            }
        }
        let own = rows
            .iter()
            .position(|(r, _)| r.is_empty())
            .map(|i| rows.remove(i).1.join(", "))
            .unwrap_or_default();
        lines.push(format!("- {name}: {own}").trim_end().to_string());
        for (_, values) in rows {
            lines.push(format!("  - {}", values.join(", ")));
        }
    }
    lines.join("\n")
}

/// The row a quoted value belongs to: its path up to the last list index ("rows.0" of
/// "rows.0.total = 45.00"), or "" when it is in no list.
fn row_of(value: &str) -> String {
    let path = value.split(" = ").next().unwrap_or_default();
    let segments: Vec<&str> = path.split('.').collect();
    match segments
        .iter()
        .rposition(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
    {
        Some(last) => segments[..=last].join("."),
        None => String::new(),
    }
}

/// `path = value` for each scalar in the response, in order.
fn leaves(value: &Value, path: &str, out: &mut Vec<String>, depth: usize) {
    if depth > 16 || out.len() >= MAX_QUOTED {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(v, &join(k), out, depth + 1);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &join(&i.to_string()), out, depth + 1);
            }
        }
        Value::String(s) => out.push(format!("{path} = {s}")),
        Value::Null => {}
        other => out.push(format!("{path} = {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Value {
        json!({"tools": [{"functionDeclarations": [
            {"name": "todays_sales", "description": "Today's sales total"},
            {"name": "sales_summary", "description": "Sales between two dates",
             "parameters": {"type": "OBJECT", "properties": {
                 "from": {"type": "STRING", "description": "first date, YYYY-MM-DD"},
                 "to": {"type": "STRING", "description": "last date, YYYY-MM-DD"},
                 "group_by": {"type": "STRING", "enum": ["day", "week", "class"]}},
              "required": ["from", "to"]}}]}]})
    }

    #[test]
    fn auto_calls_what_the_prompt_names_with_args_from_its_words() {
        let declared = declarations(&body());
        let made = calls(
            &declared,
            &Mode::Auto,
            "sales summary 2026-11-01 to 2026-11-30 by class",
            today(),
        );
        assert_eq!(
            made,
            vec![(
                "sales_summary".to_string(),
                json!({"from": "2026-11-01", "to": "2026-11-30", "group_by": "class"})
            )]
        );
        assert!(calls(&declared, &Mode::Auto, "hello there", today()).is_empty());
        assert!(calls(&declared, &Mode::None, "todays_sales", today()).is_empty());
        let any = Mode::Any {
            allowed: vec!["todays_sales".into()],
        };
        assert_eq!(
            calls(&declared, &any, "hello", today())[0].0,
            "todays_sales"
        );
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
    }

    /// Questions as people ask them, without the functions' words or dates: the function they
    /// point to most strongly is called, with the dates they mean.
    #[test]
    fn a_question_in_plain_words_calls_what_it_means() {
        let declared = declarations(&body());
        let asked = |q: &str| calls(&declared, &Mode::Auto, q, today());
        assert_eq!(
            asked("How much did we sell today?"),
            vec![("todays_sales".to_string(), json!({}))]
        );
        let november = asked("How much did we sell in November, by class?");
        assert_eq!(
            november,
            vec![(
                "sales_summary".to_string(),
                json!({"from": "2026-11-01", "to": "2026-11-30", "group_by": "class"})
            )]
        );
        // "by class" is the grouping, though "week" is in the question too.
        assert_eq!(
            asked("How much did we sell last week by class?")[0].1,
            json!({"from": "2026-11-23", "to": "2026-11-29", "group_by": "class"})
        );
        // Dates written in the question are the ones used.
        assert_eq!(
            asked("sales between 2026-10-01 and 2026-10-31")[0].1["from"],
            "2026-10-01"
        );
        assert!(asked("How are you?").is_empty());
        // An optional number the question gives none for is left out, as the real model does.
        let top = json!({"type": "OBJECT", "properties": {"from": {"type": "STRING", "description": "first date, YYYY-MM-DD"},
            "n": {"type": "INTEGER"}}, "required": ["from"]});
        let answer = |q: &str| schema::value_for(&top, &mut Words::new(q));
        assert_eq!(
            answer("top customers since 2026-11-01"),
            json!({"from": "2026-11-01"})
        );
        assert_eq!(
            answer("top 5 customers since 2026-11-01"),
            json!({"from": "2026-11-01", "n": 5})
        );
    }

    #[test]
    fn a_response_needs_its_call_and_a_call_turn_its_signature() {
        let call = json!({"role": "model", "parts": call_parts(&[("f".into(), json!({}))])});
        let answer = json!({"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"n": 1}}}]});
        let user = json!({"role": "user", "parts": [{"text": "hi"}]});
        assert_eq!(
            history_refusal(&[user.clone(), call.clone(), answer.clone()]),
            None
        );
        assert!(
            history_refusal(&[user.clone(), answer.clone()])
                .unwrap()
                .contains("immediately after")
        );
        let unsigned =
            json!({"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}}]});
        assert!(
            history_refusal(&[user, unsigned, answer.clone()])
                .unwrap()
                .contains("thought_signature")
        );
        assert_eq!(
            answer_from(&last_responses(&[answer])),
            "From the tools:\n- f: n = 1"
        );
        let rows = json!({"role": "user", "parts": [{"functionResponse": {"name": "s", "response":
            {"from": "2026-11-01", "rows": [{"group": "Retail", "total": "45.00"}, {"group": "Rent", "total": "9.50"}]}}}]});
        assert_eq!(
            answer_from(&last_responses(&[rows])),
            "From the tools:\n- s: from = 2026-11-01\n  - rows.0.group = Retail, rows.0.total = 45.00\n  - rows.1.group = Rent, rows.1.total = 9.50"
        );
    }
}
