//! The OpenAPI subset Gemini takes as `responseSchema` and as a function's `parameters`: what the
//! real API refuses in one (an unknown type, an enum on a non-string, `required` naming a missing
//! property), in Google's words, and the value the sandbox answers for one, chosen from the
//! prompt's words (an enum value whose words are in the prompt, else the first; as many array
//! items as the prompt asks for, within `maxItems`, item i from line i of a batch prompt, so a
//! line's leading number is what its item's first integer echoes; numbers and dates in the
//! prompt's order; a payee's full name when it is a well-known one).

use serde_json::{Map, Value, json};

use super::knowledge;
use super::words::Words;

const TYPES: &[&str] = &["STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT"];
/// The deepest schema walked: a bound on outside input.
const MAX_DEPTH: usize = 16;
/// The most items the sandbox puts in an array that sets no `maxItems`.
const MAX_ITEMS: usize = 100;

/// The schema's type, upper-cased ("string" is read as "STRING", as the API does); `None` when
/// absent.
fn kind(schema: &Value) -> Option<String> {
    schema.get("type")?.as_str().map(str::to_uppercase)
}

fn field<'a>(schema: &'a Value, camel: &str, proto: &str) -> Option<&'a Value> {
    schema.get(camel).or_else(|| schema.get(proto))
}

/// Every rule the schema breaks, each a line in Google's words. `at` is where the schema sits
/// in the request in the proto names Google uses ("generation_config.response_schema").
pub fn violations(schema: &Value, at: &str) -> Vec<String> {
    let mut found = Vec::new();
    walk(schema, at, 0, &mut found);
    found
}

fn walk(schema: &Value, at: &str, depth: usize, found: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        found.push(format!(
            "* GenerateContentRequest.{at}: schema is nested too deeply"
        ));
        return;
    }
    let kind = kind(schema);
    if let Some(Value::String(raw)) = schema.get("type")
        && !TYPES.contains(&raw.to_uppercase().as_str())
    {
        found.push(format!(
            "Invalid value at '{at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), \"{raw}\""
        ));
    }
    if schema.get("enum").is_some() && kind.as_deref() != Some("STRING") {
        found.push(format!(
            "* GenerateContentRequest.{at}.enum: only allowed for STRING type"
        ));
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    if let Some(Value::Array(required)) = schema.get("required") {
        for (i, name) in required.iter().enumerate() {
            let defined = name
                .as_str()
                .is_some_and(|n| properties.is_some_and(|p| p.contains_key(n)));
            if !defined {
                found.push(format!(
                    "* GenerateContentRequest.{at}.required[{i}]: property is not defined"
                ));
            }
        }
    }
    for (name, property) in properties.into_iter().flatten() {
        walk(
            property,
            &format!("{at}.properties[{name}]"),
            depth + 1,
            found,
        );
    }
    if let Some(items) = schema.get("items") {
        walk(items, &format!("{at}.items"), depth + 1, found);
    }
}

/// The properties in the order they are answered: `propertyOrdering` when given, else the
/// `required` ones in their order, then the rest by name.
fn ordered(schema: &Value) -> Vec<(&String, &Value)> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut names: Vec<&str> = Vec::new();
    let listed = field(schema, "propertyOrdering", "property_ordering")
        .or_else(|| schema.get("required"))
        .and_then(Value::as_array);
    for name in listed.into_iter().flatten().filter_map(Value::as_str) {
        if properties.contains_key(name) && !names.contains(&name) {
            names.push(name);
        }
    }
    for name in properties.keys() {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .filter_map(|n| properties.get_key_value(n))
        .collect()
}

/// How an enum value was chosen, and so how sure the sandbox says it is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Chosen {
    /// The prompt names it.
    Named,
    /// The prompt's well-known words point to it ([`knowledge`]).
    Known,
    /// Neither: the first.
    First,
}

impl Chosen {
    /// The confidence a `confidence` number beside the enum is answered with.
    fn confidence(self) -> f64 {
        match self {
            Chosen::Named => 0.95,
            Chosen::Known => 0.85,
            Chosen::First => 0.3,
        }
    }

    /// The one-line reason a `reason` string beside the enum is answered with.
    fn reason(self, value: &str) -> String {
        match self {
            Chosen::Named => format!("The line names {value}."),
            Chosen::Known => format!("A well-known payee for {value}."),
            Chosen::First => format!("Nothing on the line points to a class; {value} is a guess."),
        }
    }
}

fn choose_enum(schema: &Value, words: &Words) -> Option<(String, Chosen)> {
    let values: Vec<&str> = schema
        .get("enum")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // "by class" names the grouping even when another value's word is about too ("last week").
    let by = words.after("by");
    let grouped = values.iter().find(|v| {
        by.is_some_and(|by| {
            v.split(['_', ' '])
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(by))
        })
    });
    if let Some(named) = grouped.or_else(|| values.iter().find(|v| words.contain_all(v))) {
        return Some((named.to_string(), Chosen::Named));
    }
    if let Some(known) = knowledge::known_value(&values, words) {
        return Some((known.to_string(), Chosen::Known));
    }
    values.first().map(|v| (v.to_string(), Chosen::First))
}

/// The enum value whose words are all in the prompt, else the one its well-known words point
/// to, else the first; `None` without an enum.
pub fn chosen_enum(schema: &Value, words: &Words) -> Option<String> {
    choose_enum(schema, words).map(|(value, _)| value)
}

/// The value of the schema the sandbox answers for these words.
pub fn value_for(schema: &Value, words: &mut Words) -> Value {
    value_at(schema, words, 0)
}

fn value_at(schema: &Value, words: &mut Words, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match kind(schema).as_deref() {
        Some("OBJECT") => {
            let properties = ordered(schema);
            // A `confidence` beside an enum says how the enum was chosen, unless the prompt
            // gives one (a number from 0 to 1).
            // A `reason` beside it says so in a sentence, as the real model writes one.
            let chosen = properties.iter().find_map(|(_, p)| choose_enum(p, words));
            let required: Option<Vec<&str>> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect());
            let mut object = Map::new();
            for (name, property) in properties {
                let plain_text =
                    kind(property).as_deref() == Some("STRING") && property.get("enum").is_none();
                // A payee's name is the full one when the words are a well-known payee's.
                if plain_text
                    && name.to_lowercase().contains("payee")
                    && let Some(known) = knowledge::known_name(words)
                {
                    object.insert(name.clone(), json!(known));
                    continue;
                }
                // An optional plain text the prompt does not name is left out, as the real
                // model leaves it out; named ("at site -98"), it is the word that follows.
                // Without `required`, every property is optional (OpenAPI's rule).
                let optional = required
                    .as_ref()
                    .is_none_or(|r| !r.contains(&name.as_str()));
                // So is an optional number the prompt gives none for ("top customers" says
                // no how many).
                let numeric = matches!(kind(property).as_deref(), Some("INTEGER" | "NUMBER"));
                if numeric && optional && !words.has_number_left() {
                    continue;
                }
                if plain_text && optional {
                    if let Some(value) = words.after(name) {
                        object.insert(name.clone(), json!(value));
                    }
                    continue;
                }
                let value = match &chosen {
                    Some((_, how))
                        if name == "confidence" && kind(property).as_deref() == Some("NUMBER") =>
                    {
                        confidence_for(words, *how)
                    }
                    Some((value, how))
                        if name == "reason"
                            && kind(property).as_deref() == Some("STRING")
                            && property.get("enum").is_none() =>
                    {
                        json!(how.reason(value))
                    }
                    _ => value_at(property, words, depth + 1),
                };
                object.insert(name.clone(), value);
            }
            Value::Object(object)
        }
        Some("ARRAY") => {
            let limit = field(schema, "maxItems", "max_items")
                .and_then(|m| m.as_str().and_then(|s| s.parse().ok()).or(m.as_u64()))
                .map_or(MAX_ITEMS, |m| (m as usize).min(MAX_ITEMS));
            let count = words.asked_count().unwrap_or(1).min(limit);
            let item = schema
                .get("items")
                .cloned()
                .unwrap_or(json!({"type": "STRING"}));
            let lines: Vec<String> = words.item_lines().into_iter().map(str::to_string).collect();
            (0..count)
                .map(|i| match lines.get(i) {
                    // A batch prompt: item i answers line i.
                    Some(line) if lines.len() >= count => {
                        value_at(&item, &mut Words::new(line), depth + 1)
                    }
                    _ => value_at(&item, words, depth + 1),
                })
                .collect()
        }
        Some("INTEGER") => {
            let number = words.next_number().and_then(|n| {
                n.parse::<i64>()
                    .ok()
                    .or_else(|| n.parse::<f64>().ok().map(|f| f.trunc() as i64))
            });
            json!(number.unwrap_or(0))
        }
        Some("NUMBER") => {
            let number = words
                .next_number()
                .and_then(|n| serde_json::from_str::<serde_json::Number>(n).ok());
            number.map_or(json!(0), Value::Number)
        }
        Some("BOOLEAN") => json!(words.contain_all("true") || words.contain_all("yes")),
        _ => {
            if let Some(choice) = chosen_enum(schema, words) {
                return json!(choice);
            }
            let date = field(schema, "format", "format").and_then(Value::as_str)
                == Some("date-time")
                || schema
                    .get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| d.to_lowercase().contains("date"));
            match words.next_date().filter(|_| date) {
                Some(day) => json!(day),
                None => json!(words.gist()),
            }
        }
    }
}

/// The prompt's next number when it is a confidence (0 to 1), else how the enum was chosen.
fn confidence_for(words: &mut Words, how: Chosen) -> Value {
    let mut peek = words.clone();
    let given = peek
        .next_number()
        .and_then(|n| n.parse::<f64>().ok())
        .filter(|n| (0.0..=1.0).contains(n));
    match given {
        Some(number) => {
            words.next_number();
            json!(number)
        }
        None => json!(how.confidence()),
    }
}

/// Whether `value` is of the schema: what a client may rely on in the sandbox's answers.
#[cfg(test)]
fn fits(schema: &Value, value: &Value) -> bool {
    match (kind(schema).as_deref(), value) {
        (_, Value::Null) => schema.get("nullable") == Some(&json!(true)),
        (Some("OBJECT"), Value::Object(object)) => {
            let required = schema.get("required").and_then(Value::as_array);
            required
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .all(|r| object.contains_key(r))
                && ordered(schema)
                    .iter()
                    .all(|(n, p)| object.get(*n).is_none_or(|v| fits(p, v)))
        }
        (Some("ARRAY"), Value::Array(items)) => {
            let item = schema.get("items").cloned().unwrap_or(json!({}));
            items.iter().all(|v| fits(&item, v))
        }
        (Some("INTEGER"), Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Some("NUMBER"), Value::Number(_)) | (Some("BOOLEAN"), Value::Bool(_)) => true,
        (Some("STRING") | None, Value::String(s)) => schema
            .get("enum")
            .and_then(Value::as_array)
            .is_none_or(|e| e.iter().any(|v| v.as_str() == Some(s))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggestion() -> Value {
        json!({"type": "ARRAY", "maxItems": 3, "items": {"type": "OBJECT",
            "properties": {
                "class": {"type": "STRING", "enum": ["Rent", "Office Software", "Other"]},
                "confidence": {"type": "NUMBER"},
                "reason": {"type": "STRING", "nullable": true}},
            "required": ["class", "confidence"]}})
    }

    #[test]
    fn answers_follow_the_prompts_words_within_the_schema() {
        let schema = suggestion();
        let prompt = "Classify 5 lines.\nADOBE office software 0.9\nLANDLORD rent 0.75\nx\ny\nz";
        let value = value_for(&schema, &mut Words::new(prompt));
        assert!(fits(&schema, &value), "{value}");
        let items = value.as_array().unwrap();
        assert_eq!(items.len(), 3, "maxItems bounds the 5 asked for");
        assert_eq!(items[0]["class"], "Office Software");
        assert_eq!(items[0]["confidence"], json!(0.9));
        assert_eq!(items[1]["class"], "Rent");
        assert_eq!(
            items[2]["class"], "Rent",
            "no words of any value: the first"
        );
    }

    #[test]
    fn each_item_of_a_batch_echoes_its_lines_number_and_names_a_payee_it_knows() {
        let schema = json!({"type": "ARRAY", "maxItems": 50, "items": {"type": "OBJECT",
            "properties": {
                "line": {"type": "INTEGER"},
                "class": {"type": "STRING", "enum": ["Rent", "Software"]},
                "confidence": {"type": "NUMBER"},
                "payee": {"type": "STRING"}},
            "required": ["line", "class", "confidence"],
            "propertyOrdering": ["line", "class", "confidence", "payee"]}});
        let prompt = "Answer each of 3 lines.\n\
            1 | POS 4821 ADOBE *CREATIVE CLD 800-833 | -89.99 USD | 2026-11-14\n\
            2 | LANDLORD 0.2 | -6850 USD | 2026-11-01\n\
            3 | CHECK 1042 | -480 USD | 2026-11-06";
        let value = value_for(&schema, &mut Words::new(prompt));
        assert!(fits(&schema, &value), "{value}");
        let got: Vec<(i64, &str, f64, Option<&str>)> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                (
                    item["line"].as_i64().unwrap(),
                    item["class"].as_str().unwrap(),
                    item["confidence"].as_f64().unwrap(),
                    item.get("payee").and_then(Value::as_str),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, "Software", 0.85, Some("Adobe Creative Cloud")),
                (2, "Rent", 0.2, None),
                (3, "Rent", 0.3, None),
            ]
        );
    }

    #[test]
    fn what_the_api_refuses_is_named_where_it_is() {
        let bad = json!({"type": "OBJECT",
            "properties": {"n": {"type": "INTEGER", "enum": ["1"]}, "s": {"type": "TEXT"}},
            "required": ["n", "missing"]});
        let found = violations(&bad, "generation_config.response_schema");
        assert_eq!(found, vec![
            "* GenerateContentRequest.generation_config.response_schema.required[1]: property is not defined".to_string(),
            "* GenerateContentRequest.generation_config.response_schema.properties[n].enum: only allowed for STRING type".to_string(),
            "Invalid value at 'generation_config.response_schema.properties[s].type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), \"TEXT\"".to_string(),
        ]);
        assert!(violations(&suggestion(), "x").is_empty());
    }
}
