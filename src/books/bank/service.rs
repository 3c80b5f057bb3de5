//! Bank statements in the engine: the statements a front end read from a file, stored into the
//! account they belong to. Which account: the one named; else the one whose bank account id the
//! file carries; else the only one there is.

use crate::books::bank::account::account_key;
use crate::books::bank::import::{ImportOptions, ImportSummary, ImportedFile, import_statements};
use crate::books::bank::statement::ParsedStatement;
use crate::engine::host::{Core, EngineError};

impl Core {
    pub async fn import_bank(
        &self,
        account: Option<String>,
        currency: Option<String>,
        file: ImportedFile,
        statements: Vec<ParsedStatement>,
    ) -> Result<ImportSummary, EngineError> {
        let store = &self.inner.store;
        let options = ImportOptions {
            currency: currency.map(|c| c.trim().to_ascii_uppercase()),
            ..ImportOptions::default()
        };
        let name = match account.filter(|a| !a.trim().is_empty()) {
            Some(name) => name,
            None => {
                let accounts = store.bank_accounts()?;
                let in_file = statements.iter().find_map(|s| s.account_id.clone());
                let by_id = in_file.as_ref().and_then(|id| {
                    accounts
                        .iter()
                        .find(|a| a.bank_account_id.as_deref() == Some(id.as_str()))
                });
                match (by_id, accounts.as_slice()) {
                    (Some(found), _) => found.name.clone(),
                    (None, [only]) if in_file.is_none() => only.name.clone(),
                    _ => {
                        return Err(EngineError::Invalid(format!(
                            "which bank account is {}? name it with --account NAME (a new name makes a new account{})",
                            file.name,
                            if accounts.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    "; there are {}",
                                    accounts
                                        .iter()
                                        .map(|a| a.key.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            }
                        )));
                    }
                }
            }
        };
        if account_key(&name).is_none() {
            return Err(EngineError::Invalid(format!(
                "{name:?} cannot name a bank account: use letters or digits (\"Chase Business\")"
            )));
        }
        let _one_at_a_time = self.reconciling();
        let summary = import_statements(store, &name, &file, &statements, &options)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        if summary.import.lines_new > 0 {
            self.keep_standing_of_account(&summary.account.key);
        }
        Ok(summary)
    }
}

impl Core {
    /// Says which Mindbody site of a chain pays into a bank account (None: every site's): its
    /// lines are then reconciled against that site's sales alone. The engine checks first that
    /// the hub serves the site (the books do not ask Mindbody's room).
    pub async fn set_bank_account_site(
        &self,
        account: &str,
        site: Option<String>,
    ) -> Result<crate::books::bank::account::BankAccount, EngineError> {
        let store = &self.inner.store;
        let key = account_key(account).unwrap_or_default();
        let mut stored = store
            .bank_accounts()?
            .into_iter()
            .find(|a| a.key == key || a.name == account)
            .ok_or_else(|| {
                EngineError::Invalid(format!(
                    "no bank account called {account}: `legion-hub import bank FILE --account {account}` makes it"
                ))
            })?;
        stored.site = site.map(|s| s.trim().to_string());
        store.put_bank_account(&stored)?;
        self.keep_standing_of_account(&stored.key);
        Ok(stored)
    }
}
