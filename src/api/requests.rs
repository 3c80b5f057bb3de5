//! What a front end asks the engine to do beyond a bare call: sync with these options, change
//! these settings. Plain serde types: they cross the control socket inside a call.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::integrations::gemini::models::Alias;
use crate::secret::Secret;

/// What `sync mindbody` was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// One sync type, or all of them.
    pub only: Option<SyncKind>,
    /// Re-read from this day (with `full`, from here on everything is re-imported).
    pub since: Option<NaiveDate>,
    /// Re-import everything from `since`, bringing back what the user deleted.
    pub full: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SyncKind {
    Categories,
    Clients,
    Sales,
    Transactions,
}

impl SyncKind {
    /// In this order: classes and customers first, so sales can link to them.
    pub const ALL: [SyncKind; 4] = [
        SyncKind::Categories,
        SyncKind::Clients,
        SyncKind::Sales,
        SyncKind::Transactions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SyncKind::Categories => "categories",
            SyncKind::Clients => "clients",
            SyncKind::Sales => "sales",
            SyncKind::Transactions => "transactions",
        }
    }
}

/// What `gemini configure` changes; None leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GeminiUpdate {
    pub api_key: Option<Secret>,
    pub fast: Option<String>,
    pub pro: Option<String>,
    pub default_alias: Option<Alias>,
    pub temperature: Option<f32>,
}

/// What `mindbody configure` changes; None leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MindbodyUpdate {
    pub site_id: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub api_key: Option<Secret>,
    pub client_secret: Option<Secret>,
}
