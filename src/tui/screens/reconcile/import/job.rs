//! The dashboard's import, off the frame loop: the file is read and parsed on a blocking thread
//! (a large statement takes a while, and a slow disk longer), then its statements go to the
//! engine. A CSV with no rules kept for the account comes back as the guess to confirm; the
//! confirmed guess is kept for the account once it has read the whole file, as the command
//! line does.

use std::path::PathBuf;

use crate::api::{
    CsvRules, Engine, ImportSummary, KeptRules, ParsedStatement, Reading, StatementFile,
    guess_words,
};

/// One import asked for by the overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// The file, `~` already expanded.
    pub path: PathBuf,
    /// The account as the user named it (a new name makes a new account).
    pub account: String,
    /// For a new account whose file does not say.
    pub currency: Option<String>,
    /// Where the account's CSV rules are kept; None when the dashboard has no config folder.
    pub kept: Option<KeptRules>,
    /// The guess the user confirmed: used, and kept for the account.
    pub confirmed: Option<CsvRules>,
}

/// What became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportAnswer {
    /// A CSV with no rules for the account: the guess in words, and the rules to keep.
    NeedsRules {
        words: Vec<String>,
        rules: CsvRules,
    },
    Imported(Box<ImportSummary>),
    /// Nothing was stored: why, and what to do (one line each).
    Failed(String),
}

/// What reading the file gave, before the engine is asked.
enum Read {
    Guess {
        words: Vec<String>,
        rules: CsvRules,
    },
    Ready {
        file: StatementFile,
        statements: Vec<ParsedStatement>,
    },
}

/// Reads the file and imports it; every way it can end is an answer.
pub async fn run(engine: &Engine, job: ImportJob) -> ImportAnswer {
    let account = job.account.clone();
    let currency = job.currency.clone();
    let read = match tokio::task::spawn_blocking(move || read(job)).await {
        Ok(Ok(read)) => read,
        Ok(Err(said)) => return ImportAnswer::Failed(said),
        Err(e) => return ImportAnswer::Failed(format!("reading the file stopped: {e}")),
    };
    let (file, statements) = match read {
        Read::Guess { words, rules } => return ImportAnswer::NeedsRules { words, rules },
        Read::Ready { file, statements } => (file, statements),
    };
    let imported = match file.imported(&statements) {
        Ok(imported) => imported,
        Err(e) => return ImportAnswer::Failed(e.to_string()),
    };
    if let Some(holder) = engine.attached_to()
        && let Err(e) = file.fits_one_request(&statements, crate::api::REQUEST_LIMIT, holder)
    {
        return ImportAnswer::Failed(e.to_string());
    }
    match engine
        .import_bank(Some(account), currency, imported, statements)
        .await
    {
        Ok(summary) => ImportAnswer::Imported(Box::new(summary)),
        Err(e) => ImportAnswer::Failed(crate::tui::explain(&e)),
    }
}

/// The file read with the account's rules (the confirmed guess, else the kept ones); the guess
/// when it is a CSV with none.
fn read(job: ImportJob) -> Result<Read, String> {
    let said = |e: crate::api::FileError| e.to_string();
    let file = StatementFile::load(&job.path).map_err(said)?;
    let rules = match (&job.confirmed, &job.kept) {
        (Some(confirmed), _) => Some(confirmed.clone()),
        (None, Some(kept)) => kept.load(&job.account).map_err(said)?,
        (None, None) => None,
    };
    let statements = match file.read(rules.as_ref()).map_err(|e| e.to_string())? {
        Reading::Statements(statements) => statements,
        Reading::NeedsRules(guess) => {
            return Ok(Read::Guess {
                words: guess_words(&file.name, &guess),
                rules: guess.rules,
            });
        }
    };
    if let (Some(confirmed), Some(kept)) = (&job.confirmed, &job.kept) {
        kept.save(&job.account, confirmed).map_err(said)?;
    }
    Ok(Read::Ready { file, statements })
}
