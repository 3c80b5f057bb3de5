//! The Postgres mirror as the front ends see it: where it points (never with the URL's
//! password), whether it reached Postgres, what waits, and how far a backfill got.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::mirror::check::{CheckReport, TableCheck};
pub use crate::mirror::drain::BackfillProgress;
pub use crate::mirror::state::MirrorState;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MirrorStatus {
    /// Whether `[mirror] postgres_url` is set.
    pub configured: bool,
    /// `host:port/database`.
    pub target: Option<String>,
    pub studio_id: Option<String>,
    pub tokens: bool,
    pub state: MirrorState,
    /// Changes waiting to be sent.
    pub rows_waiting: u64,
    /// When the oldest of them was made: the mirror's lag.
    pub oldest_waiting_at: Option<DateTime<Utc>>,
    /// A first backfill still under way.
    pub backfill: Option<BackfillProgress>,
}

impl MirrorStatus {
    /// How far behind Postgres is, in seconds (0 with nothing waiting).
    pub fn lag_seconds(&self, now: DateTime<Utc>) -> f64 {
        self.oldest_waiting_at
            .map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
    }

    /// One line, for `status` and the dashboard.
    pub fn line(&self, now: DateTime<Utc>) -> Option<String> {
        if !self.configured {
            return None;
        }
        let target = self.target.as_deref().unwrap_or("Postgres");
        let mut line = if self.state.connected {
            format!("Mirror → {target}: connected")
        } else {
            format!("Mirror → {target}: not connected")
        };
        match &self.backfill {
            Some(b) if b.rows_total > 0 => line.push_str(&format!(
                ", backfill {} of {} rows",
                b.rows_sent, b.rows_total
            )),
            Some(b) => line.push_str(&format!(
                ", backfill to do ({} sent so far)",
                crate::format::counted(b.rows_sent, "row", "rows")
            )),
            None => {}
        }
        if self.rows_waiting > 0 {
            line.push_str(&format!(
                ", {} waiting, {:.1} s behind",
                crate::format::counted(self.rows_waiting, "change", "changes"),
                self.lag_seconds(now)
            ));
        } else if self.backfill.is_none() && self.state.connected {
            line.push_str(", up to date");
        }
        if let Some(sent) = self.state.last_sent_at {
            line.push_str(&format!(
                ", last sent {}",
                crate::format::ago(Some(sent), now)
            ));
        }
        if let Some(error) = self
            .state
            .last_error
            .as_deref()
            .filter(|_| !self.state.connected)
        {
            // Its first line: the rest is what to do, which `mirror status` says.
            let first = error.lines().next().unwrap_or_default();
            line.push_str(&format!(" ({})", crate::text::one_line(first)));
        }
        Some(line)
    }
}
