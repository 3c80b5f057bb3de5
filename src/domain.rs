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

/// Which integration: a provider and, for the further Mindbody sites of a chain, which site.
///
/// The hub's first Mindbody site is `mindbody` (no site here; its site id is a setting), so a
/// store, a Postgres row or a script made before chains keeps its key. Every further site is
/// `mindbody@<site id>`: that key is the integration's key in the `integrations`, tokens and
/// sync-log trees and its `provider` text in Postgres, which keeps `UNIQUE(user_id, provider)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IntegrationId {
    pub provider: Provider,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

impl IntegrationId {
    /// A further site of a chain (its Mindbody site id).
    pub fn site(provider: Provider, site: &str) -> IntegrationId {
        IntegrationId {
            provider,
            site: Some(site.to_string()),
        }
    }

    /// The key in the trees and the `provider` text in Postgres.
    pub fn key(&self) -> String {
        match &self.site {
            None => self.provider.id().to_string(),
            Some(site) => format!("{}@{site}", self.provider.id()),
        }
    }

    /// The integration a tree key names; None for a key no version of the hub writes.
    pub fn from_key(key: &str) -> Option<IntegrationId> {
        let (provider, site) = match key.split_once('@') {
            Some((provider, site)) if !site.is_empty() => (provider, Some(site.to_string())),
            Some(_) => return None,
            None => (key, None),
        };
        Some(IntegrationId {
            provider: Provider::from_id(provider)?,
            site,
        })
    }

    /// As a person reads it: `Mindbody`, `Mindbody · site 5567`.
    pub fn label(&self) -> String {
        match &self.site {
            None => self.provider.name().to_string(),
            Some(site) => format!("{} · site {site}", self.provider.name()),
        }
    }
}

impl From<Provider> for IntegrationId {
    fn from(provider: Provider) -> IntegrationId {
        IntegrationId {
            provider,
            site: None,
        }
    }
}

impl From<&IntegrationId> for IntegrationId {
    fn from(id: &IntegrationId) -> IntegrationId {
        id.clone()
    }
}

impl std::fmt::Display for IntegrationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
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

    /// Holding a working sign-in (the error, if any, is something a sync may get past).
    pub fn signed_in(self) -> bool {
        matches!(self, Status::Connected | Status::Error | Status::Syncing)
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

/// Which front end is speaking: the command line names commands, the dashboard names keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontEnd {
    CommandLine,
    Dashboard,
}

/// What the user can do to mend a state or an error. The core says which step; each front end
/// says it in its own words ([`NextStep::said`]), so a hint never names a key on the command
/// line or a command in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Enter Mindbody's site id, client id, API key and client secret.
    ConfigureMindbody,
    /// Sign in to Mindbody.
    ConnectMindbody,
    /// Sign in to Mindbody again: it no longer accepts the saved sign-in.
    ReconnectMindbody,
    /// Paste the address the browser ended on instead of waiting for the loopback listener.
    PasteSignIn,
    /// Read Mindbody's full answer in the failed run of the sync history.
    ShowMindbodyHistory,
    /// Save a Gemini API key.
    ConfigureGemini,
    /// Test the Gemini key (which also offers replacements for retired models).
    TestGemini,
    /// Add a further site of a chain to the hub.
    AddMindbodySite,
}

impl NextStep {
    pub const ALL: [NextStep; 8] = [
        NextStep::ConfigureMindbody,
        NextStep::ConnectMindbody,
        NextStep::ReconnectMindbody,
        NextStep::PasteSignIn,
        NextStep::ShowMindbodyHistory,
        NextStep::ConfigureGemini,
        NextStep::TestGemini,
        NextStep::AddMindbodySite,
    ];

    /// Whether the step mends something that was working (monitoring's "needs attention"),
    /// rather than a step not taken yet.
    pub fn needs_attention(self) -> bool {
        self == NextStep::ReconnectMindbody
    }

    /// The step as `front` says it: a sentence without its closing stop.
    pub fn said(self, front: FrontEnd) -> &'static str {
        match front {
            FrontEnd::CommandLine => self.command(),
            FrontEnd::Dashboard => self.keys(),
        }
    }

    /// The command to run.
    pub fn command(self) -> &'static str {
        match self {
            NextStep::ConfigureMindbody => {
                "run `legion-hub mindbody configure --site-id N --client-id ID` (it asks for the API key and the client secret, or reads MINDBODY_API_KEY and MINDBODY_CLIENT_SECRET)"
            }
            NextStep::ConnectMindbody => {
                "run `legion-hub connect mindbody` to sign in (add --no-browser over SSH)"
            }
            NextStep::ReconnectMindbody => {
                "run `legion-hub connect mindbody` to sign in again (add --no-browser over SSH)"
            }
            NextStep::PasteSignIn => {
                "run `legion-hub connect mindbody --no-browser` and paste the address the browser ends on"
            }
            NextStep::ShowMindbodyHistory => "run `legion-hub history` for Mindbody's full answer",
            NextStep::ConfigureGemini => {
                "save a key with `legion-hub gemini configure --api-key-stdin`"
            }
            NextStep::TestGemini => "run `legion-hub gemini test`",
            NextStep::AddMindbodySite => {
                "add it with `legion-hub mindbody add-site ID` (the number in its Mindbody address), or name one of `legion-hub status`'s sites"
            }
        }
    }

    /// The command to run for a further site of a chain: the Mindbody commands name it.
    pub fn command_at(self, site: Option<&str>) -> std::borrow::Cow<'static, str> {
        let command = self.command();
        let Some(site) = site else {
            return command.into();
        };
        let mut at_site = command.to_string();
        for named in ["legion-hub connect mindbody", "legion-hub history"] {
            at_site = at_site.replace(named, &format!("{named} --site {site}"));
        }
        at_site.into()
    }

    /// The key to press.
    pub fn keys(self) -> &'static str {
        match self {
            NextStep::ConfigureMindbody => {
                "press c on Mindbody to enter the site id, the client id, the API key and the client secret"
            }
            NextStep::ConnectMindbody => "press o on Mindbody to sign in",
            NextStep::ReconnectMindbody => "press o on Mindbody to sign in again",
            NextStep::PasteSignIn => {
                "paste the address the browser ends on into the sign-in window"
            }
            NextStep::ShowMindbodyHistory => {
                "open the failed run in the sync history (Tab, Enter) for Mindbody's full answer"
            }
            NextStep::ConfigureGemini => "press c on Gemini to save a key",
            NextStep::TestGemini => "press t on Gemini to test the key",
            NextStep::AddMindbodySite => {
                "add the site to the hub on the command line (mindbody add-site), or choose one of the hub's sites"
            }
        }
    }
}

/// A hint and its step as one line for `front`: "Text. Step." with one stop between them, never
/// two, and nothing glued.
pub fn advice(text: Option<&str>, step: Option<NextStep>, front: FrontEnd) -> Option<String> {
    advice_at(text, step, front, None)
}

/// [`advice`] for a further site of a chain: the command names the site.
pub fn advice_at(
    text: Option<&str>,
    step: Option<NextStep>,
    front: FrontEnd,
    site: Option<&str>,
) -> Option<String> {
    let step = step.map(|s| match front {
        FrontEnd::CommandLine => capitalized(&s.command_at(site)) + ".",
        FrontEnd::Dashboard => capitalized(s.keys()) + ".",
    });
    match (text.map(str::trim).filter(|t| !t.is_empty()), step) {
        (None, None) => None,
        (Some(text), None) => Some(text.to_string()),
        (None, Some(step)) => Some(step),
        (Some(text), Some(step)) => Some(format!("{} {step}", with_stop(text))),
    }
}

/// Two sentences as one line: the first given its stop, one space, the second.
pub fn sentences(first: &str, second: &str) -> String {
    match second.trim() {
        "" => first.trim().to_string(),
        second => format!("{} {second}", with_stop(first)),
    }
}

/// `text` ending in a full stop (or the `?`/`!`/`:` it already ends with).
pub fn with_stop(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '?', '!', ':']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
