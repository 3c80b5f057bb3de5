//! `legion-hub import bank FILE`: a bank statement into the books. The file is read here (the
//! readers are pure), so a bad file is refused before the hub is even asked, naming the line; the
//! statements then go to whoever holds the data, which stores them all or nothing. A CSV needs a
//! rules file: the first import of an account guesses one, shows it with what to check, and
//! keeps it for next time once confirmed.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::api::Role;
use crate::api::currency;
use crate::api::statement_bounds as bounds;
use crate::api::{
    CsvRules, Gap, Guess, ImportSummary, ImportedFile, ReadError, Reading, account_key,
    read_statement,
};
use crate::config::Settings;

pub struct BankImportArgs<'a> {
    pub file: &'a Path,
    pub account: Option<&'a str>,
    pub rules: Option<&'a Path>,
    /// The currency of a new account whose file does not say (most CSV exports).
    pub currency: Option<&'a str>,
    pub yes: bool,
    pub json: bool,
}

/// Where an account's CSV rules are kept: beside the config file, one per account.
pub fn rules_path(settings: &Settings, account: &str) -> PathBuf {
    let dir = settings
        .paths
        .config_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    dir.join("bank-rules").join(format!("{account}.rules"))
}

pub async fn run(settings: &Settings, args: BankImportArgs<'_>) -> anyhow::Result<u8> {
    let bytes = read_bounded(args.file)?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.file.display().to_string());
    let account_name = args.account.map(str::to_string);
    let saved_rules = account_name
        .as_deref()
        .and_then(account_key)
        .map(|key| rules_path(settings, &key))
        .filter(|p| p.exists());
    let rules = match args.rules.map(Path::to_path_buf).or(saved_rules) {
        Some(path) => Some(load_rules(&path)?),
        None => None,
    };
    let with_name = |mut e: ReadError| {
        e.file = Some(name.clone());
        e
    };
    let statements = match read_statement(&bytes, rules.as_ref()).map_err(with_name)? {
        Reading::Statements(statements) => statements,
        Reading::NeedsRules(guess) => {
            let Some(account) = account_name.as_deref() else {
                eprintln!(
                    "{name} is a CSV export: name its account with --account NAME, so the rules read from it are kept for that account's next import"
                );
                return Ok(super::exit::USAGE);
            };
            let rules = confirm_guess(&name, &guess, args.yes)?;
            let Some(rules) = rules else {
                return Ok(super::exit::USAGE);
            };
            if let Some(key) = account_key(account) {
                save_rules(&rules_path(settings, &key), &rules)?;
            }
            match read_statement(&bytes, Some(&rules)).map_err(with_name)? {
                Reading::Statements(statements) => statements,
                Reading::NeedsRules(_) => anyhow::bail!("{name}: the rules given do not read it"),
            }
        }
    };
    let format = statements
        .first()
        .map(|s| s.format)
        .ok_or_else(|| anyhow::anyhow!("{name} holds no statement"))?;
    let file = ImportedFile {
        name: name.clone(),
        sha256: hex(&Sha256::digest(&bytes)),
        size: bytes.len() as u64,
        format,
    };
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    // The running hub reads a request of at most MAX_REQUEST bytes: say so before sending more.
    let size = serde_json::to_vec(&statements).map_or(0, |b| b.len()) as u64;
    if engine.is_remote() && size > crate::server::control::MAX_REQUEST * 9 / 10 {
        let owner = engine
            .attached_to()
            .map(|o| format!("the {} (pid {})", o.role, o.pid))
            .unwrap_or_else(|| "the running hub".into());
        anyhow::bail!(
            "{name} holds more than {owner} takes in one request ({} MB as sent): export it in shorter periods and import them one by one, or import it while the hub is stopped",
            size / (1024 * 1024)
        );
    }
    let summary = engine
        .import_bank(
            account_name,
            args.currency.map(str::to_string),
            file,
            statements,
        )
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(super::exit::OK)
}

/// The whole file, refused above the readers' bound before it is read into memory.
fn read_bounded(path: &Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
        .len();
    if size > bounds::MAX_FILE_BYTES as u64 {
        anyhow::bail!(
            "{} is {} MB, more than a bank statement ({} MB at most): export a shorter period",
            path.display(),
            size / (1024 * 1024),
            bounds::MAX_FILE_BYTES / (1024 * 1024)
        );
    }
    std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

fn load_rules(path: &Path) -> anyhow::Result<CsvRules> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read the rules file {}: {e}", path.display()))?;
    CsvRules::parse(&text).map_err(|mut e| {
        e.file = Some(path.display().to_string());
        anyhow::anyhow!(e)
    })
}

fn save_rules(path: &Path, rules: &CsvRules) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot keep the rules in {}: {e}", dir.display()))?;
    }
    std::fs::write(path, rules.to_text())
        .map_err(|e| anyhow::anyhow!("cannot keep the rules in {}: {e}", path.display()))?;
    eprintln!(
        "The rules are kept in {} for this account's next import.",
        path.display()
    );
    Ok(())
}

/// Shows the guessed rules and what they read; asks on a terminal, else needs --yes.
fn confirm_guess(name: &str, guess: &Guess, yes: bool) -> anyhow::Result<Option<CsvRules>> {
    eprintln!("{name} is a CSV export without rules. They were guessed as:\n");
    for line in guess.rules.to_text().lines() {
        eprintln!("    {line}");
    }
    eprintln!("\nwhich reads its first lines as:");
    for line in guess.preview.iter().take(5) {
        eprintln!(
            "    {}  {:>14}  {}",
            line.date,
            currency::exact(line.amount, line.currency.as_deref().unwrap_or("")),
            crate::text::one_line(&line.payee)
        );
    }
    for doubt in &guess.doubts {
        eprintln!("  check: {doubt}");
    }
    if yes {
        return Ok(Some(guess.rules.clone()));
    }
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "\nrun again with --yes to use these rules, or write your own and pass --rules FILE"
        );
        return Ok(None);
    }
    eprint!("\nUse these rules? [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes").then(|| guess.rules.clone()))
}

fn print_summary(summary: &ImportSummary) {
    let import = &summary.import;
    let account = &summary.account;
    if let Some(at) = summary.imported_before {
        println!(
            "{} was imported before ({}): nothing new in it.",
            import.file_name,
            at.format("%Y-%m-%d %H:%M")
        );
    }
    println!(
        "{} ({}) into {}{}: {} new lines, {} already there.",
        import.file_name,
        import.format.label(),
        account.name,
        if summary.account_created {
            " (new account)"
        } else {
            ""
        },
        import.lines_new,
        import.lines_already_there
    );
    for statement in &import.statements {
        let period = statement
            .period
            .map(|(from, to)| format!("{from} to {to}"))
            .unwrap_or_else(|| "period not stated".into());
        let closing = statement
            .closing
            .as_ref()
            .map(|b| {
                format!(
                    ", closing balance {} on {}",
                    currency::exact(b.amount, &account.currency),
                    b.date
                )
            })
            .unwrap_or_default();
        println!("  {period}: {} lines{closing}", statement.lines);
        for gap in &statement.gaps {
            match gap {
                Gap::Days { from, to } => {
                    println!(
                        "  gap: no statement covers {from} to {to}: import the statement of those days"
                    )
                }
                Gap::Balance {
                    before,
                    closing,
                    after,
                    opening,
                    difference,
                } => println!(
                    "  gap: the balance closed at {} on {before} but opens at {} on {after} ({} unaccounted for): a statement between them is missing",
                    currency::exact(*closing, &account.currency),
                    currency::exact(*opening, &account.currency),
                    currency::exact(*difference, &account.currency)
                ),
            }
        }
    }
    if import.lines_new > 0 {
        println!("Next: `legion-hub reconcile` matches them to the sales.");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
