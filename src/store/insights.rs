//! The `insights` tree (in the `records` database): what Gemini said of a month when asked to
//! explain it ("what changed and why"), keyed by the month (`2026-11`), kept so it is shown
//! again without asking (and paying) again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::chat::TokenUsage;
use super::codec::{self, Record};
use super::{Store, StoreError, decode_value};

pub const TREE: &str = "insights";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insight {
    /// `2026-11`
    pub month: String,
    pub text: String,
    pub model: String,
    #[serde(default)]
    pub usage: Option<TokenUsage>,
    pub asked_at: DateTime<Utc>,
}

impl Record for Insight {
    const KIND: &'static str = "insight";
    const VERSION: u32 = 1;
}

impl Store {
    pub fn insight(&self, month: &str) -> Result<Option<Insight>, StoreError> {
        let records = self.records()?;
        records
            .insights
            .get(month.as_bytes())?
            .map(|v| decode_value(TREE, month.as_bytes(), &v))
            .transpose()
    }

    /// Keeps `insight` for its month, replacing what was said before.
    pub fn put_insight(&self, insight: &Insight) -> Result<(), StoreError> {
        let records = self.records()?;
        records
            .insights
            .insert(insight.month.as_bytes(), codec::encode(insight))?;
        records.db.flush()?;
        Ok(())
    }
}
