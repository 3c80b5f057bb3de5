//! Which account of a provider a record came from, and the one place keys are spelled.
//!
//! A chain of studios has several Mindbody sites, and each numbers its sales and clients from
//! its own counter: `mindbody:sale:100458:211873` at two sites are two sales. So every natural
//! key of a synced record names its account: `mindbody@5567:sale:100458:211873` (provider, `@`,
//! account, then the provider's own id). Mindbody's account is its site id; Gemini has one
//! account, [`GEMINI_ACCOUNT`].
//!
//! What people see stays the key without its account ([`visible`]): with one site nothing on a
//! screen or in `--json` changes. Keys of schema 1 had no account ([`with_account`] gives them
//! theirs, for the migration).

use std::fmt;

use crate::domain::Provider;

/// Gemini's only account.
pub const GEMINI_ACCOUNT: &str = "default";

/// A provider's account: Mindbody's site id, Gemini's one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey {
    provider: Provider,
    account: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountKeyError {
    #[error(
        "{account:?} cannot name a {provider} account: use 1 to 64 letters, digits, '-', '_' or '.' (a Mindbody site id is a number such as 5567)"
    )]
    Account {
        provider: &'static str,
        account: String,
    },
    #[error("{0:?} is not a key of a synced record (provider@account:id)")]
    Key(String),
}

impl AccountKey {
    /// The account `account` of `provider`; refused when it could not be read back out of a key.
    pub fn new(provider: Provider, account: &str) -> Result<AccountKey, AccountKeyError> {
        let valid = !account.is_empty()
            && account.len() <= 64
            && account
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !valid {
            return Err(AccountKeyError::Account {
                provider: provider.id(),
                account: account.to_string(),
            });
        }
        Ok(AccountKey {
            provider,
            account: account.to_string(),
        })
    }

    pub fn gemini() -> AccountKey {
        AccountKey {
            provider: Provider::Gemini,
            account: GEMINI_ACCOUNT.into(),
        }
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// The natural key of this account's record `local` (`sale:100458:211873`).
    pub fn key(&self, local: &str) -> String {
        key_of(self.provider, &self.account, local)
    }

    /// What every key of this account starts with (for prefix scans).
    pub fn prefix(&self) -> String {
        format!("{self}:")
    }

    /// The name of this account's value `name` in the `meta` tree (`mindbody@5567.cursor.sales`).
    pub fn meta(&self, name: &str) -> String {
        format!("{self}.{name}")
    }

    /// The account a natural key names, and the provider's own id after it.
    pub fn parse(key: &str) -> Result<(AccountKey, &str), AccountKeyError> {
        let bad = || AccountKeyError::Key(key.to_string());
        let (head, local) = key.split_once(':').ok_or_else(bad)?;
        let (provider, account) = head.split_once('@').ok_or_else(bad)?;
        let provider = Provider::from_id(provider).ok_or_else(bad)?;
        let account = AccountKey::new(provider, account).map_err(|_| bad())?;
        Ok((account, local))
    }
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.provider.id(), self.account)
    }
}

/// Whether a record of `account` (`mindbody@5567`, or a whole key that starts with it) is of
/// the Mindbody site `site`, when one is asked for; every record is when none is.
pub fn of_site(site: Option<&str>, account: &str) -> bool {
    site.is_none_or(|site| {
        let account = account.split(':').next().unwrap_or_default();
        account
            .strip_prefix(Provider::Mindbody.id())
            .and_then(|rest| rest.strip_prefix('@'))
            == Some(site)
    })
}

/// The natural key of record `local` of `account` at `provider`, for a record that keeps its
/// account as text (checked when it came in).
pub fn key_of(provider: Provider, account: &str, local: &str) -> String {
    format!("{}@{account}:{local}", provider.id())
}

/// What the keys of every account of `provider` start with.
pub fn provider_prefix(provider: Provider) -> String {
    format!("{}@", provider.id())
}

/// A key as people see it: without its account (`mindbody:sale:100458:211873`). A key that
/// names none is shown as it is.
pub fn visible(key: &str) -> String {
    match AccountKey::parse(key) {
        Ok((account, local)) => format!("{}:{local}", account.provider.id()),
        Err(_) => key.to_string(),
    }
}

/// A key as people typed it, in `account`: a visible key (`mindbody:client:7`) of that
/// account's provider gets the account; a key that already names one is kept.
pub fn in_account(key: &str, account: &AccountKey) -> String {
    if AccountKey::parse(key).is_ok() {
        return key.to_string();
    }
    match key.split_once(':') {
        Some((provider, local)) if provider == account.provider.id() => account.key(local),
        _ => key.to_string(),
    }
}

/// A schema-1 key (`mindbody:sale:1:2`, `{provider}:{id}`) with its account: `account_of`
/// says which account a provider's keys belong to. None when the key is not one (already
/// carries an account, or names no provider this build knows).
pub fn with_account(
    old: &str,
    account_of: impl Fn(Provider) -> Option<AccountKey>,
) -> Option<String> {
    if AccountKey::parse(old).is_ok() {
        return None;
    }
    let (provider, local) = old.split_once(':')?;
    let account = account_of(Provider::from_id(provider)?)?;
    Some(account.key(local))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str) -> AccountKey {
        AccountKey::new(Provider::Mindbody, id).unwrap()
    }

    #[test]
    fn a_key_names_its_account_and_reads_back() {
        let key = site("5567").key("sale:100458:211873");
        assert_eq!(key, "mindbody@5567:sale:100458:211873");
        let (account, local) = AccountKey::parse(&key).unwrap();
        assert_eq!(account, site("5567"));
        assert_eq!(local, "sale:100458:211873");
        assert_eq!(site("-99").prefix(), "mindbody@-99:");
        assert_eq!(
            site("5567").meta("cursor.sales"),
            "mindbody@5567.cursor.sales"
        );
        assert_eq!(AccountKey::gemini().key("x"), "gemini@default:x");
        assert!(
            site("5567")
                .key("x")
                .starts_with(&provider_prefix(Provider::Mindbody))
        );
    }

    #[test]
    fn two_sites_never_share_a_key_or_a_prefix() {
        let (a, b) = (site("1"), site("12"));
        assert_ne!(a.key("sale:1:1"), b.key("sale:1:1"));
        assert!(!b.key("sale:1:1").starts_with(&a.prefix()));
        assert!(!a.key("sale:1:1").starts_with(&b.prefix()));
    }

    #[test]
    fn people_see_the_key_without_its_account() {
        assert_eq!(
            visible("mindbody@5567:sale:100458:211873"),
            "mindbody:sale:100458:211873"
        );
        assert_eq!(visible("mindbody:client:7"), "mindbody:client:7");
        assert_eq!(visible("not a key"), "not a key");
        assert_eq!(
            in_account("mindbody:client:7", &site("5567")),
            "mindbody@5567:client:7"
        );
        assert_eq!(
            in_account("mindbody@12:client:7", &site("5567")),
            "mindbody@12:client:7"
        );
        assert_eq!(in_account("stripe:cus_1", &site("5567")), "stripe:cus_1");
    }

    #[test]
    fn accounts_that_could_not_be_read_back_are_refused() {
        for bad in ["", "55:67", "a@b", "site 1", "é", &"9".repeat(65)] {
            assert!(AccountKey::new(Provider::Mindbody, bad).is_err(), "{bad:?}");
        }
        for bad in [
            "mindbody:sale:1:2",
            "nobody@1:x",
            "mindbody@:x",
            "mindbody@1",
        ] {
            assert!(AccountKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_schema_1_key_gets_its_account_once() {
        let account_of = |p: Provider| (p == Provider::Mindbody).then(|| site("-99"));
        assert_eq!(
            with_account("mindbody:sale:1:w1", account_of).as_deref(),
            Some("mindbody@-99:sale:1:w1")
        );
        assert_eq!(with_account("mindbody@-99:sale:1:w1", account_of), None);
        assert_eq!(with_account("stripe:x", account_of), None);
        assert_eq!(with_account("gemini:x", account_of), None);
    }
}
