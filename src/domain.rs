//! The words every part of the hub shares: which provider, what state it is in, how a sync went.
//! Plain serde types, so they cross the control socket unchanged.

use serde::{Deserialize, Serialize};

/// An integration the hub knows about. The order here is the order on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Gemini,
    Mindbody,
    Stripe,
    GoCardless,
}

impl Provider {
    pub const ALL: [Provider; 4] = [
        Provider::Gemini,
        Provider::Mindbody,
        Provider::Stripe,
        Provider::GoCardless,
    ];

    /// The id used in keys, URLs, JSON and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Provider::Gemini => "gemini",
            Provider::Mindbody => "mindbody",
            Provider::Stripe => "stripe",
            Provider::GoCardless => "gocardless",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::Gemini => "Gemini",
            Provider::Mindbody => "Mindbody",
            Provider::Stripe => "Stripe",
            Provider::GoCardless => "GoCardless",
        }
    }

    pub fn from_id(id: &str) -> Option<Provider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(id))
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an integration stands, as the Legion Finance `integrations.status` column has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Connected,
    Disconnected,
    Error,
    NeedsReauth,
    Syncing,
    ComingSoon,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Connected => "connected",
            Status::Disconnected => "disconnected",
            Status::Error => "error",
            Status::NeedsReauth => "needs re-auth",
            Status::Syncing => "syncing",
            Status::ComingSoon => "coming soon",
        }
    }

    /// A mark that carries the meaning without colour (NO_COLOR, 16-colour terminals).
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Connected => "●",
            Status::Disconnected => "○",
            Status::Error => "✖",
            Status::NeedsReauth => "!",
            Status::Syncing => "↻",
            Status::ComingSoon => "·",
        }
    }

    /// Someone has to act: `status` exits 3 for these.
    pub fn needs_attention(self) -> bool {
        matches!(self, Status::Error | Status::NeedsReauth)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// How one sync run ended (or that it is still running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    Started,
    Completed,
    Failed,
    /// Cut off by a crash or a kill; the next sync resumes from its last saved page.
    Interrupted,
    /// Not run: an earlier type of the same sync met an error no later type could get past.
    Skipped,
}

impl SyncStatus {
    pub fn label(self) -> &'static str {
        match self {
            SyncStatus::Started => "running",
            SyncStatus::Completed => "completed",
            SyncStatus::Failed => "failed",
            SyncStatus::Interrupted => "interrupted",
            SyncStatus::Skipped => "skipped",
        }
    }
}
