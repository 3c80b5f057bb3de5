//! The `integration_tokens` tree: OAuth tokens per integration (a chain's further Mindbody sites
//! each have their own), each value sealed whole.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::outbox::MirroredTable;
use super::{Store, StoreError, decode_value};
use crate::domain::IntegrationId;
use crate::secret::Secret;

pub const TREE: &str = "integration_tokens";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: Secret,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    pub token_type: String,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub scope: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Record for TokenSet {
    const KIND: &'static str = "token set";
    const VERSION: u32 = 1;
}

/// What a provider's tokens are sealed for, by the provider's id (its key in the tree).
pub(super) fn seal_context(id: &str) -> String {
    format!("{TREE}/{id}")
}

impl Store {
    pub fn put_tokens(
        &self,
        id: impl Into<IntegrationId>,
        tokens: &TokenSet,
    ) -> Result<(), StoreError> {
        let key = id.into().key();
        let plain = zeroize::Zeroizing::new(codec::encode(tokens));
        let sealed = self.seal(&seal_context(&key), &plain)?;
        let _noted = self.note_changes(MirroredTable::IntegrationTokens, [key.as_bytes()])?;
        self.hub.tokens.insert(key.as_bytes(), sealed)?;
        self.flush_hub()
    }

    pub fn tokens(&self, id: impl Into<IntegrationId>) -> Result<Option<TokenSet>, StoreError> {
        let key = id.into().key();
        let Some(sealed) = self.hub.tokens.get(key.as_bytes())? else {
            return Ok(None);
        };
        let plain = self.unseal(&seal_context(&key), &sealed)?;
        decode_value(TREE, key.as_bytes(), &plain).map(Some)
    }

    pub fn delete_tokens(&self, id: impl Into<IntegrationId>) -> Result<(), StoreError> {
        let key = id.into().key();
        let _noted = self.note_changes(MirroredTable::IntegrationTokens, [key.as_bytes()])?;
        self.hub.tokens.remove(key.as_bytes())?;
        self.flush_hub()
    }
}
