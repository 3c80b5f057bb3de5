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

    /// Not connected to Postgres: the glance's exit code and the dashboard's colour say so.
    pub fn needs_attention(&self) -> bool {
        self.configured && !self.state.connected
    }

    /// One line, for `status`.
    pub fn line(&self, now: DateTime<Utc>) -> Option<String> {
        let ago = |sent| crate::format::ago(Some(sent), now);
        let standing = self.standing(now, ago)?;
        Some(format!("Mirror → {}: {standing}", self.target()))
    }

    /// Where it points: `host:port/database`.
    pub fn target(&self) -> &str {
        self.target.as_deref().unwrap_or("Postgres")
    }

    /// How it stands ("connected, up to date, last sent just now"; while it cannot reach
    /// Postgres, the first line of why), for the line above and the dashboard's line under the
    /// integrations; `when` words the last send (a screen that is not redrawn wants a clock
    /// reading, not "5 min ago").
    pub fn standing(
        &self,
        now: DateTime<Utc>,
        when: impl Fn(DateTime<Utc>) -> String,
    ) -> Option<String> {
        if !self.configured {
            return None;
        }
        let mut line = if self.state.connected {
            "connected".to_string()
        } else {
            "not connected".to_string()
        };
        // Why first, where a narrow screen does not cut it off.
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
            line.push_str(&format!(", last sent {}", when(sent)));
        }
        Some(line)
    }
}
