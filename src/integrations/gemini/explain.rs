//! "Explain this month": the month's figures (revenue by class and by week, beside last month
//! and the same month last year) sent to Gemini with a request for what changed and why it
//! might have; the answer kept in the `insights` tree, shown again until asked anew. Figures
//! are aggregates, so the chat's books access must allow at least those.

use chrono::{NaiveDate, Utc};
use tokio_util::sync::CancellationToken;

use crate::books::access::BooksAccess;
use crate::books::answers::AnswerError;
use crate::books::answers::month::{MonthFigures, month_figures};
use crate::engine::host::{Core, EngineError};
use crate::integrations::gemini::types::{Content, GenerateRequest, UsageMetadata};
use crate::store::insights::Insight;
use crate::store::{ChatMessage, MessageState};

/// An explanation, and whether it was asked for now or kept from before.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explained {
    pub insight: Insight,
    /// False when it was said before and shown again.
    pub asked_now: bool,
}

impl From<AnswerError> for EngineError {
    fn from(error: AnswerError) -> EngineError {
        match error {
            AnswerError::Invalid(why) => EngineError::Invalid(why),
            AnswerError::Store(e) => e.into(),
        }
    }
}

/// What Gemini is asked, with the figures as JSON.
pub fn prompt(figures: &MonthFigures) -> String {
    let json = serde_json::to_string_pretty(figures).unwrap_or_default();
    format!(
        "Explain this month ({}) for a fitness studio's owner. Below are the books' figures: \
         revenue by financial class and by week, beside the month before and the same month a \
         year earlier. Say in a few short Markdown bullets what changed and why it might have; \
         quote amounts exactly as given, with their currency, and say when a comparison has no \
         figures.\n\n{json}\n",
        figures.month
    )
}

impl Core {
    /// The month holding `day` explained: the kept answer, or (when there is none, or `again`)
    /// Gemini's answer now, kept.
    pub async fn explain_month(
        &self,
        day: NaiveDate,
        again: bool,
    ) -> Result<Explained, EngineError> {
        let store = &self.inner.store;
        let figures = month_figures(store, day)?;
        if !again && let Some(insight) = store.insight(&figures.month)? {
            return Ok(Explained {
                insight,
                asked_now: false,
            });
        }
        if !self.books_tools().access.allows(BooksAccess::Aggregates) {
            return Err(EngineError::Invalid(
                "explaining a month sends its totals to Gemini, and `[gemini] books_access` allows the chat none: set it to \"aggregates\" first".into(),
            ));
        }
        let (client, _) = self.gemini_client()?;
        let model = self.resolve_model(None).await?;
        let request = GenerateRequest {
            contents: vec![Content::text(Some("user"), prompt(&figures))],
            ..GenerateRequest::default()
        };
        let response = client
            .generate(&model, &request, &CancellationToken::new())
            .await?;
        let text = response.text();
        if text.trim().is_empty() {
            return Err(EngineError::Invalid(format!(
                "Gemini gave no explanation (finish reason {})",
                response.finish_reason().unwrap_or("none")
            )));
        }
        let insight = Insight {
            month: figures.month,
            text,
            model,
            usage: response.usage_metadata.map(UsageMetadata::token_usage),
            asked_at: Utc::now(),
        };
        store.put_insight(&insight)?;
        Ok(Explained {
            insight,
            asked_now: true,
        })
    }

    /// A chat reply that explained one month from its figures (`month_figures` called for that
    /// month alone) is kept as the month's explanation, as the report's `i` and `legion-hub
    /// explain` show it: the newest explanation wins, wherever it was asked.
    pub(crate) fn keep_chat_explanation(&self, reply: &ChatMessage) -> Result<(), EngineError> {
        if reply.state != MessageState::Complete || reply.text.trim().is_empty() {
            return Ok(());
        }
        let mut months = reply
            .tools
            .iter()
            .filter(|t| t.name == "month_figures")
            .filter_map(|t| explained_month(&t.result));
        let (Some(month), None) = (months.next(), months.next()) else {
            return Ok(());
        };
        self.inner.store.put_insight(&Insight {
            month,
            text: reply.text.clone(),
            model: reply.model.clone().unwrap_or_default(),
            usage: reply.usage,
            asked_at: reply.created_at,
        })?;
        Ok(())
    }
}

/// The month a `month_figures` call answered for, from its one-line result ("2026-11: USD …");
/// `None` for an error.
fn explained_month(result: &str) -> Option<String> {
    let (month, _) = result.split_once(':')?;
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    Some(month.to_string())
}
