//! What the last catch-up (a sales sync while webhooks deliver) found that webhooks had missed,
//! kept in `meta` and shown in the hub. A leaf.

use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};

use crate::api::view::Fact;

/// What the last sales sync found that webhooks had missed (shown in the hub).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CatchUp {
    pub only_by_sync: u64,
    pub at: DateTime<Utc>,
}

impl CatchUp {
    pub fn fact(&self) -> Fact {
        let local = self.at.with_timezone(&Local);
        Fact {
            label: "Catch-up".into(),
            value: match self.only_by_sync {
                0 => format!(
                    "{}: every sale had come by webhook",
                    local.format("%d %b %H:%M")
                ),
                1 => format!(
                    "{}: 1 sale arrived only by sync",
                    local.format("%d %b %H:%M")
                ),
                n => format!(
                    "{}: {n} sales arrived only by sync",
                    local.format("%d %b %H:%M")
                ),
            },
        }
    }
}

pub(crate) const CATCH_UP: &str = "mindbody.webhooks.catch_up";
