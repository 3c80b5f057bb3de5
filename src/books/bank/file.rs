//! A bank statement file where the person importing it is: read whole but bounded, read by the
//! readers with the account's CSV rules, and described for the import's audit record (name,
//! size, SHA-256). The CSV rules a first import guessed are kept per account in a folder beside
//! the config file (`{config dir}/bank-rules/{account key}.rules`, the rules' own text format).
//! The command line and the dashboard both import through here, so a file is read, named in its
//! errors and remembered the same way whichever front end is used.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::account::{MAX_ACCOUNT_KEY, account_key};
use super::csv::CsvRules;
use super::import::ImportedFile;
use super::read::{Reading, read_statement};
use super::statement::{ParsedStatement, ReadError, bounds};

/// Why a bank file, or an account's rules, could not be used; nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}\ncheck the path and that you may read the file")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is a folder, not a statement\nname a file in it (Tab lists them)")]
    Folder { path: String },
    #[error(
        "{path} is {size_mb} MB, more than a bank statement ({max_mb} MB at most)\nexport a shorter period",
        max_mb = bounds::MAX_FILE_BYTES / (1024 * 1024)
    )]
    TooLarge { path: String, size_mb: u64 },
    #[error(
        "{name} holds more than {holder} takes in one request ({size_mb} MB as sent)\nexport it in shorter periods and import them one by one, or import it while that one is stopped"
    )]
    TooLargeToSend {
        name: String,
        holder: String,
        size_mb: u64,
    },
    #[error(transparent)]
    Reading(#[from] ReadError),
    #[error(
        "{name} holds no statement: nothing was imported\ncheck that it is the bank's export of the account (OFX, QFX, CAMT.053 or CSV)"
    )]
    Empty { name: String },
    #[error(
        "{name:?} cannot name a bank account\nuse letters or digits, at most {max} once spaces and punctuation become '-' (\"Studio checking\")",
        max = MAX_ACCOUNT_KEY
    )]
    AccountName { name: String },
    #[error(
        "cannot read the rules file {path}: {source}\ncheck the path, or remove the file to guess the rules again"
    )]
    RulesUnreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot keep the rules in {path}: {source}\ncheck that the config folder is writable")]
    RulesNotKept {
        path: String,
        source: std::io::Error,
    },
}

/// A statement file's bytes, with the name its errors and its audit record carry.
#[derive(Debug, Clone)]
pub struct StatementFile {
    /// The file's own name (not its folder): what the summary and the errors say.
    pub name: String,
    pub bytes: Vec<u8>,
}

impl StatementFile {
    /// Reads the whole file, refused above the readers' bound before it is read into memory.
    pub fn load(path: &Path) -> Result<StatementFile, FileError> {
        let shown = path.display().to_string();
        let unreadable = |source| FileError::Unreadable {
            path: shown.clone(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(unreadable)?;
        if metadata.is_dir() {
            return Err(FileError::Folder { path: shown });
        }
        if metadata.len() > bounds::MAX_FILE_BYTES as u64 {
            return Err(FileError::TooLarge {
                path: shown,
                size_mb: metadata.len() / (1024 * 1024),
            });
        }
        let bytes = std::fs::read(path).map_err(unreadable)?;
        // The file may have grown between the two looks.
        if bytes.len() > bounds::MAX_FILE_BYTES {
            return Err(FileError::TooLarge {
                path: shown,
                size_mb: (bytes.len() / (1024 * 1024)) as u64,
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(shown);
        Ok(StatementFile { name, bytes })
    }

    /// The readers' answer for this file; an error names the file and its line.
    pub fn read(&self, rules: Option<&CsvRules>) -> Result<Reading, ReadError> {
        read_statement(&self.bytes, rules).map_err(|mut e| {
            e.file = Some(self.name.clone());
            e
        })
    }

    /// The import's record of the file: its name, size, SHA-256 and the format read.
    pub fn imported(&self, statements: &[ParsedStatement]) -> Result<ImportedFile, FileError> {
        let format = statements
            .first()
            .map(|s| s.format)
            .ok_or_else(|| FileError::Empty {
                name: self.name.clone(),
            })?;
        Ok(ImportedFile {
            name: self.name.clone(),
            sha256: hex(&Sha256::digest(&self.bytes)),
            size: self.bytes.len() as u64,
            format,
        })
    }
}

impl StatementFile {
    /// Statements for another process cross its control socket, which reads at most `limit`
    /// bytes a request: refused here, saying what to do, rather than cut off there.
    pub fn fits_one_request(
        &self,
        statements: &[ParsedStatement],
        limit: u64,
        holder: &dyn std::fmt::Display,
    ) -> Result<(), FileError> {
        let size = serde_json::to_vec(statements).map_or(0, |b| b.len()) as u64;
        // A tenth left for the request around them.
        if size <= limit / 10 * 9 {
            return Ok(());
        }
        Err(FileError::TooLargeToSend {
            name: self.name.clone(),
            holder: holder.to_string(),
            size_mb: size / (1024 * 1024),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the CSV rules of each account are kept: one file per account key in one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRules {
    pub dir: PathBuf,
}

impl KeptRules {
    /// The folder beside the config file (`{config dir}/bank-rules`).
    pub fn beside(config_file: &Path) -> KeptRules {
        let config_dir = config_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        KeptRules {
            dir: config_dir.join("bank-rules"),
        }
    }

    /// The rules file of the account the user calls `account`.
    pub fn path(&self, account: &str) -> Result<PathBuf, FileError> {
        let key = account_key(account).ok_or_else(|| FileError::AccountName {
            name: account.to_string(),
        })?;
        Ok(self.dir.join(format!("{key}.rules")))
    }

    /// The account's rules, when a first import kept some.
    pub fn load(&self, account: &str) -> Result<Option<CsvRules>, FileError> {
        let path = self.path(account)?;
        if !path.exists() {
            return Ok(None);
        }
        load_rules(&path).map(Some)
    }

    /// Keeps `rules` for the account's next import; where they went.
    pub fn save(&self, account: &str, rules: &CsvRules) -> Result<PathBuf, FileError> {
        let path = self.path(account)?;
        let not_kept = |at: &Path| {
            let at = at.display().to_string();
            move |source| FileError::RulesNotKept { path: at, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(not_kept(&self.dir))?;
        std::fs::write(&path, rules.to_text()).map_err(not_kept(&path))?;
        Ok(path)
    }
}

/// A rules file, read and checked (`--rules FILE`, or one kept for an account).
pub fn load_rules(path: &Path) -> Result<CsvRules, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::RulesUnreadable {
        path: path.display().to_string(),
        source,
    })?;
    CsvRules::parse(&text).map_err(|mut e| {
        e.file = Some(path.display().to_string());
        FileError::Reading(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFX: &[u8] = include_bytes!("../../../tests/fixtures/bank/bank-ofx220.ofx");
    const CSV: &[u8] = include_bytes!("../../../tests/fixtures/bank/usbank-checking.csv");

    #[test]
    fn a_file_is_read_named_and_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("statement.ofx");
        std::fs::write(&path, OFX).unwrap();
        let file = StatementFile::load(&path).unwrap();
        assert_eq!(file.name, "statement.ofx");
        let Reading::Statements(statements) = file.read(None).unwrap() else {
            panic!("an OFX file needs no rules");
        };
        let imported = file.imported(&statements).unwrap();
        assert_eq!(imported.size, OFX.len() as u64);
        assert_eq!(imported.sha256.len(), 64);
        assert_eq!(imported.sha256, hex(&Sha256::digest(OFX)));
        assert!(matches!(file.imported(&[]), Err(FileError::Empty { .. })));
        file.fits_one_request(&statements, 1 << 20, &"the serve")
            .unwrap();
        let too_large = file
            .fits_one_request(&statements, 100, &"the serve (pid 7)")
            .unwrap_err()
            .to_string();
        assert!(
            too_large.starts_with("statement.ofx holds more than the serve (pid 7) takes"),
            "{too_large}"
        );
    }

    #[test]
    fn a_folder_or_a_missing_file_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let folder = StatementFile::load(dir.path()).unwrap_err();
        assert!(matches!(folder, FileError::Folder { .. }), "{folder}");
        let missing = StatementFile::load(&dir.path().join("nope.csv")).unwrap_err();
        assert!(missing.to_string().contains("nope.csv"), "{missing}");
    }

    #[test]
    fn a_read_error_names_the_file() {
        let file = StatementFile {
            name: "broken.ofx".into(),
            bytes: b"%PDF-1.4".to_vec(),
        };
        let error = file.read(None).unwrap_err();
        assert!(error.to_string().starts_with("broken.ofx, "), "{error}");
    }

    #[test]
    fn rules_are_kept_per_account_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let kept = KeptRules::beside(&dir.path().join("config.toml"));
        assert_eq!(kept.dir, dir.path().join("bank-rules"));
        assert_eq!(kept.load("Studio checking").unwrap(), None);
        let file = StatementFile {
            name: "usbank.csv".into(),
            bytes: CSV.to_vec(),
        };
        let Reading::NeedsRules(guess) = file.read(None).unwrap() else {
            panic!("a CSV without rules is guessed");
        };
        let path = kept.save("Studio checking", &guess.rules).unwrap();
        assert_eq!(path, dir.path().join("bank-rules/studio-checking.rules"));
        assert_eq!(kept.load("studio checking").unwrap(), Some(guess.rules));
        assert!(matches!(
            kept.path("!!"),
            Err(FileError::AccountName { .. })
        ));
    }
}
