//! The books' tools as Gemini sees them: a [`FunctionDeclaration`] for each function of
//! `books::answers` (what it does, its parameters' schema), the ones `[gemini] books_access`
//! lets the chat offer, and the run of one call: its arguments read and bounded, the books
//! asked, the answer as the function response and a [`ToolUse`] for the chat screen. A call
//! that cannot be answered (an unknown function, a bad argument) gets its error back, so the
//! model can try again; it never fails the reply.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Value, json};

use super::structured::Schema;
use super::tools::{FunctionCall, FunctionDeclaration};
use crate::books::access::BooksAccess;
use crate::books::answers::sales::{CurrencyTotal, GroupBy};
use crate::books::answers::{
    AnswerError, DateRange, bank, customers, hub, month, rows_wanted, sales, search,
};
use crate::domain::Provider;
use crate::store::{Store, ToolUse};

/// The most characters of a result summary kept on the message.
const SUMMARY_CHARS: usize = 160;

/// What the chat's tools may see, and the day they take as today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BooksTools {
    pub access: BooksAccess,
    pub customer_names: bool,
    pub today: NaiveDate,
    /// `[books] deposit_overdue_days`, for the unreconciled answer.
    pub overdue_after_days: u32,
}

fn range_parameters() -> [(&'static str, Schema); 2] {
    [
        (
            "from",
            Schema::string().described("First date of the range, YYYY-MM-DD"),
        ),
        (
            "to",
            Schema::string().described("Last date of the range (included), YYYY-MM-DD"),
        ),
    ]
}

/// A chain's one site, when the question is about one.
fn site_parameter() -> (&'static str, Schema) {
    (
        "site",
        Schema::string().described(
            "Only this Mindbody site of a chain (its id, e.g. 5567); every site's when left out",
        ),
    )
}

fn n_parameter(what: &str) -> (&'static str, Schema) {
    (
        "n",
        Schema::integer().described(&format!("How many {what}, 1 to 50")),
    )
}

impl BooksTools {
    /// The functions offered: none when the books may not leave, no lines below `lines`.
    pub fn declarations(&self) -> Vec<FunctionDeclaration> {
        if !self.access.allows(BooksAccess::Aggregates) {
            return Vec::new();
        }
        let group_names: Vec<&str> = GroupBy::ALL.iter().map(|g| g.name()).collect();
        let provider_ids: Vec<&str> = Provider::ALL.iter().map(|p| p.id()).collect();
        let mut offered = vec![
            FunctionDeclaration::new(
                "sales_summary",
                "Sales totals (revenue, how much was sold) between two dates, grouped by day, week, month, financial class, revenue category or payment method",
                Some(
                    Schema::object(
                        range_parameters()
                            .into_iter()
                            .chain([("group_by", Schema::string_enum(group_names))])
                            .chain([site_parameter()]),
                    )
                    .optional("site"),
                ),
            ),
            FunctionDeclaration::new(
                "todays_sales",
                "Today's sales total and count",
                Some(Schema::object([site_parameter()]).optional("site")),
            ),
            FunctionDeclaration::new(
                "top_customers",
                "Customers ranked by what they spent between two dates",
                Some(
                    Schema::object(
                        range_parameters()
                            .into_iter()
                            .chain([n_parameter("customers")]),
                    )
                    .optional("n"),
                ),
            ),
            FunctionDeclaration::new(
                "month_figures",
                "To explain a month: its revenue by class and by week, beside the month before and the same month a year earlier",
                Some(Schema::object([(
                    "day",
                    Schema::string().described("Any date in the month, YYYY-MM-DD"),
                )])),
            ),
            FunctionDeclaration::new(
                "unreconciled",
                "Bank lines not yet reconciled (matched to sales or deposits): count, sum and oldest, by bank account",
                None,
            ),
            FunctionDeclaration::new(
                "integration_status",
                "Each integration's status, last sync and last error",
                None,
            ),
            FunctionDeclaration::new(
                "sync_history",
                "An integration's recent sync runs: when, outcome, records and errors",
                Some(
                    Schema::object([
                        ("provider", Schema::string_enum(provider_ids)),
                        n_parameter("runs"),
                    ])
                    .optional("n"),
                ),
            ),
        ];
        if self.access.allows(BooksAccess::Lines) {
            offered.push(FunctionDeclaration::new(
                "search_transactions",
                "Search transactions whose description, class or source contains a text, between two dates",
                Some(
                    Schema::object(
                        [("text", Schema::string().described("The text to look for"))]
                            .into_iter()
                            .chain(range_parameters())
                            .chain([n_parameter("transactions")]),
                    )
                    .optional("n"),
                ),
            ));
        }
        offered
    }

    /// Runs one call against the books: the response for Gemini, and the use for the screen.
    pub fn run(&self, store: &Store, call: &FunctionCall) -> (Value, ToolUse) {
        let args = Args(&call.args);
        let offered = self.declarations().iter().any(|d| d.name == call.name);
        let outcome = if offered {
            self.answer(store, &call.name, &args)
        } else {
            Err(AnswerError::Invalid(format!(
                "there is no tool `{}` here",
                crate::text::one_line_within(&call.name, 64)
            )))
        };
        let (response, result) = match outcome {
            Ok((response, summary)) => (response, summary),
            Err(AnswerError::Invalid(why)) => (json!({ "error": why }), format!("refused: {why}")),
            Err(AnswerError::Store(e)) => {
                tracing::warn!(tool = %call.name, error = %e, "a chat tool could not read the books");
                (
                    json!({ "error": "the books could not be read just now" }),
                    format!("failed: {e}"),
                )
            }
        };
        let used = ToolUse {
            name: crate::text::one_line_within(&call.name, 64),
            arguments: args.words(),
            result: crate::text::one_line_within(&result, SUMMARY_CHARS),
        };
        (response, used)
    }

    fn answer(
        &self,
        store: &Store,
        name: &str,
        args: &Args,
    ) -> Result<(Value, String), AnswerError> {
        match name {
            "sales_summary" => {
                let group_by = GroupBy::parse(args.text("group_by")?)?;
                let answer = sales::sales_summary(store, args.range()?, group_by, args.site()?)?;
                let summary = format!(
                    "{} groups; {}",
                    answer.rows.len(),
                    totals_words(&answer.totals)
                );
                Ok((to_value(&answer), summary))
            }
            "todays_sales" => {
                let answer = sales::todays_sales(store, self.today, args.site()?)?;
                let summary = totals_words(&answer.totals);
                Ok((to_value(&answer), summary))
            }
            "top_customers" => {
                let answer = customers::top_customers(
                    store,
                    args.range()?,
                    rows_wanted(args.number("n")),
                    self.customer_names,
                )?;
                let summary = match answer.customers.first() {
                    Some(top) => format!(
                        "{} customers; the first spent {} {}",
                        answer.customers.len(),
                        top.currency,
                        top.total
                    ),
                    None => "no customer bought anything".to_string(),
                };
                Ok((to_value(&answer), summary))
            }
            "month_figures" => {
                let day = args.text("day")?;
                let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").map_err(|_| {
                    AnswerError::Invalid(format!(
                        "`day` must be a date written YYYY-MM-DD, not {:?}",
                        crate::text::one_line_within(day, 40)
                    ))
                })?;
                let answer = month::month_figures(store, day)?;
                let summary = format!(
                    "{}: {}; {}: {}; {}: {}",
                    answer.month,
                    totals_words(&answer.totals),
                    answer.last_month.month,
                    totals_words(&answer.last_month.totals),
                    answer.same_month_last_year.month,
                    totals_words(&answer.same_month_last_year.totals)
                );
                Ok((to_value(&answer), summary))
            }
            "unreconciled" => {
                let answer = bank::unreconciled(store, self.overdue_after_days)?;
                let summary = if answer.no_bank_accounts {
                    "no bank account imported".to_string()
                } else {
                    answer
                        .accounts
                        .iter()
                        .map(|a| {
                            format!("{}: {} lines, {} {}", a.account, a.count, a.currency, a.sum)
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                Ok((to_value(&answer), summary))
            }
            "integration_status" => {
                let answer = hub::integration_status(store)?;
                let summary = answer
                    .iter()
                    .map(|i| format!("{} {}", i.integration, i.status))
                    .collect::<Vec<_>>()
                    .join(", ");
                Ok((json!({ "integrations": answer }), summary))
            }
            "sync_history" => {
                let answer = hub::sync_history(
                    store,
                    args.text("provider")?,
                    rows_wanted(args.number("n")),
                )?;
                let summary = format!("{} runs of {}", answer.runs.len(), answer.total);
                Ok((to_value(&answer), summary))
            }
            "search_transactions" => {
                let answer = search::search_transactions(
                    store,
                    args.text("text")?,
                    args.range()?,
                    rows_wanted(args.number("n")),
                )?;
                let summary = format!("{} of {} matches", answer.lines.len(), answer.matched);
                Ok((to_value(&answer), summary))
            }
            other => Err(AnswerError::Invalid(format!("there is no tool `{other}`"))),
        }
    }
}

fn to_value(answer: &impl Serialize) -> Value {
    serde_json::to_value(answer).unwrap_or_else(|e| json!({ "error": e.to_string() }))
}

/// "USD 1234.50 in 41 sales" for each currency, or "no sales".
fn totals_words(totals: &[CurrencyTotal]) -> String {
    if totals.is_empty() {
        return "no sales".to_string();
    }
    totals
        .iter()
        .map(|t| format!("{} {} in {} sales", t.currency, t.total, t.count))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A call's arguments, read leniently where the meaning is plain (a number sent as a string).
struct Args<'a>(&'a Value);

impl Args<'_> {
    fn text(&self, name: &str) -> Result<&str, AnswerError> {
        self.0
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| AnswerError::Invalid(format!("`{name}` is missing")))
    }

    fn number(&self, name: &str) -> Option<i64> {
        let value = self.0.get(name)?;
        value
            .as_i64()
            .or_else(|| value.as_f64().map(|f| f as i64))
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
    }

    /// The site asked about, when one is: a Mindbody site id.
    fn site(&self) -> Result<Option<&str>, AnswerError> {
        let Some(site) = self.0.get("site").and_then(Value::as_str) else {
            return Ok(None);
        };
        let site = site.trim();
        crate::books::AccountKey::new(Provider::Mindbody, site)
            .map_err(|e| AnswerError::Invalid(e.to_string()))?;
        Ok(Some(site))
    }

    fn range(&self) -> Result<DateRange, AnswerError> {
        DateRange::parse(self.text("from")?, self.text("to")?)
    }

    /// The arguments in short words: "2026-11-01..2026-11-30 by class".
    fn words(&self) -> String {
        let mut words = Vec::new();
        if let Some(text) = self.0.get("text").and_then(Value::as_str) {
            words.push(format!("{:?}", crate::text::one_line_within(text, 40)));
        }
        if let Some(provider) = self.0.get("provider").and_then(Value::as_str) {
            words.push(crate::text::one_line_within(provider, 20));
        }
        if let Some(site) = self.0.get("site").and_then(Value::as_str) {
            words.push(format!("site {}", crate::text::one_line_within(site, 20)));
        }
        match (
            self.0.get("from").and_then(Value::as_str),
            self.0.get("to").and_then(Value::as_str),
        ) {
            (Some(from), Some(to)) => words.push(format!(
                "{}..{}",
                crate::text::one_line_within(from, 12),
                crate::text::one_line_within(to, 12)
            )),
            (Some(day), None) | (None, Some(day)) => {
                words.push(crate::text::one_line_within(day, 12))
            }
            (None, None) => {}
        }
        if let Some(day) = self.0.get("day").and_then(Value::as_str) {
            words.push(format!(
                "month of {}",
                crate::text::one_line_within(day, 12)
            ));
        }
        if let Some(group) = self.0.get("group_by").and_then(Value::as_str) {
            words.push(format!("by {}", crate::text::one_line_within(group, 20)));
        }
        if let Some(n) = self.number("n") {
            words.push(format!("n={n}"));
        }
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools(access: BooksAccess) -> BooksTools {
        BooksTools {
            access,
            customer_names: false,
            today: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            overdue_after_days: 3,
        }
    }

    fn names(access: BooksAccess) -> Vec<String> {
        tools(access)
            .declarations()
            .into_iter()
            .map(|d| d.name)
            .collect()
    }

    #[test]
    fn access_decides_what_is_offered() {
        assert!(names(BooksAccess::None).is_empty());
        let aggregates = names(BooksAccess::Aggregates);
        assert_eq!(aggregates.len(), 7);
        assert!(aggregates.contains(&"month_figures".to_string()));
        assert!(!aggregates.contains(&"search_transactions".to_string()));
        assert!(names(BooksAccess::Lines).contains(&"search_transactions".to_string()));
    }

    #[test]
    fn arguments_read_as_short_words() {
        let args = json!({"from": "2026-11-01", "to": "2026-11-30", "group_by": "class"});
        assert_eq!(Args(&args).words(), "2026-11-01..2026-11-30 by class");
        let args = json!({"provider": "mindbody", "n": "5"});
        assert_eq!(Args(&args).words(), "mindbody n=5");
        assert_eq!(
            Args(&json!({"day": "2026-11-15"})).words(),
            "month of 2026-11-15"
        );
        assert_eq!(Args(&json!({})).words(), "");
    }
}
