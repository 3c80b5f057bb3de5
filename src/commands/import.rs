//! `legion-hub import bank FILE`: a bank statement into the books. The file is read here (the
//! readers are pure), so a bad file is refused before the hub is even asked, naming the line; the
//! statements then go to whoever holds the data, which stores them all or nothing. A CSV needs a
//! rules file: the first import of an account guesses one, shows it with what to check, and
//! keeps it for next time once confirmed. Reading the file, keeping the rules and the words
//! are shared with the dashboard's import (`api::StatementFile`, `api::KeptRules`).

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::api::Role;
use crate::api::{
    CsvRules, Guess, ImportSummary, KeptRules, Reading, StatementFile, guess_words, load_rules,
    summary_words,
};
use crate::config::Settings;

pub struct BankImportArgs<'a> {
    pub file: &'a Path,
    pub account: Option<&'a str>,
    pub rules: Option<&'a Path>,
    /// The currency of a new account whose file does not say (most CSV exports).
    pub currency: Option<&'a str>,
    /// The Mindbody site of a chain that pays into the account.
    pub site: Option<&'a str>,
    pub yes: bool,
    pub json: bool,
}

pub async fn run(settings: &Settings, args: BankImportArgs<'_>) -> anyhow::Result<u8> {
    let file = StatementFile::load(args.file)?;
    let name = file.name.clone();
    let account_name = args.account.map(str::to_string);
    let kept = KeptRules::beside(&settings.paths.config_file);
    let rules = match (args.rules, account_name.as_deref()) {
        (Some(path), _) => Some(load_rules(path)?),
        (None, Some(account)) => kept.load(account)?,
        (None, None) => None,
    };
    let statements = match file.read(rules.as_ref())? {
        Reading::Statements(statements) => statements,
        Reading::NeedsRules(guess) => {
            let Some(account) = account_name.as_deref() else {
                eprintln!(
                    "{name} is a CSV export: name its account with --account NAME, so the rules read from it are kept for that account's next import"
                );
                return Ok(super::exit::USAGE);
            };
            let Some(rules) = confirm_guess(&name, &guess, args.yes)? else {
                return Ok(super::exit::USAGE);
            };
            let Reading::Statements(statements) = file.read(Some(&rules))? else {
                anyhow::bail!("{name}: the rules given do not read it");
            };
            // Kept once they have read the whole file, not before.
            let path = kept.save(account, &rules)?;
            eprintln!(
                "The rules are kept in {} for this account's next import.",
                path.display()
            );
            statements
        }
    };
    let imported = file.imported(&statements)?;
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    if let Some(holder) = engine.attached_to() {
        file.fits_one_request(&statements, crate::api::REQUEST_LIMIT, holder)?;
    }
    // A site the hub does not serve is refused before anything is imported.
    if let Some(site) = args.site {
        engine.resolve_mindbody_site(site.to_string()).await?;
    }
    let mut summary = engine
        .import_bank(
            account_name,
            args.currency.map(str::to_string),
            imported,
            statements,
        )
        .await?;
    if let Some(site) = args.site {
        summary.account = engine
            .set_bank_account_site(summary.account.key.clone(), Some(site.to_string()))
            .await?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(super::exit::OK)
}

/// Shows the guessed rules and what they read; asks on a terminal, else needs --yes.
fn confirm_guess(name: &str, guess: &Guess, yes: bool) -> anyhow::Result<Option<CsvRules>> {
    for line in guess_words(name, guess) {
        eprintln!("{line}");
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
    for line in summary_words(summary) {
        println!("{line}");
    }
    if summary.import.lines_new > 0 {
        println!("Next: `legion-hub reconcile` matches them to the sales.");
    }
}
