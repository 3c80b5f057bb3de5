//! An import said to a person, the same words in the command line and the dashboard: a CSV's
//! guessed rules with what they read and what to check before keeping them, and what an import
//! did (lines new and already there, each statement's period and closing balance, the gaps).

use super::account::Gap;
use super::csv::Guess;
use super::import::ImportSummary;
use crate::books::currency;
use crate::text::one_line;

/// Lines of the preview shown under a guess.
const PREVIEW_LINES: usize = 5;

/// The guess for `name`, its first lines as read with it, and its doubts, one line each (the
/// rules indented, as they would be written in their file).
pub fn guess_words(name: &str, guess: &Guess) -> Vec<String> {
    let mut lines = vec![
        format!(
            "{} is a CSV export without rules. They were guessed as:",
            one_line(name)
        ),
        String::new(),
    ];
    lines.extend(guess.rules.to_text().lines().map(|l| format!("    {l}")));
    lines.push(String::new());
    lines.push("which reads its first lines as:".into());
    for line in guess.preview.iter().take(PREVIEW_LINES) {
        lines.push(format!(
            "    {}  {:>14}  {}",
            line.date,
            currency::exact(line.amount, line.currency.as_deref().unwrap_or("")),
            one_line(&line.payee)
        ));
    }
    lines.extend(guess.doubts.iter().map(|d| format!("  check: {d}")));
    lines
}

/// The one line that says what the import did ("x.csv (CSV) into studio-checking: 12 new
/// lines, 3 already there.").
pub fn summary_headline(summary: &ImportSummary) -> String {
    let import = &summary.import;
    format!(
        "{} ({}) into {}{}{}: {} new line{}, {} already there.",
        one_line(&import.file_name),
        import.format.label(),
        one_line(&summary.account.name),
        if summary.account_created {
            " (new account)"
        } else {
            ""
        },
        summary
            .account
            .site
            .as_ref()
            .map_or_else(String::new, |site| format!(
                ", paid by Mindbody site {site}"
            )),
        import.lines_new,
        if import.lines_new == 1 { "" } else { "s" },
        import.lines_already_there
    )
}

/// What the import did, in full: the headline, then each statement and its gaps.
pub fn summary_words(summary: &ImportSummary) -> Vec<String> {
    let import = &summary.import;
    let account_currency = &summary.account.currency;
    let money = |amount| currency::exact(amount, account_currency);
    let mut lines = Vec::new();
    if let Some(at) = summary.imported_before {
        lines.push(format!(
            "{} was imported before ({}): nothing new in it.",
            import.file_name,
            at.format("%Y-%m-%d %H:%M")
        ));
    }
    lines.push(summary_headline(summary));
    for statement in &import.statements {
        let period = statement
            .period
            .map(|(from, to)| format!("{from} to {to}"))
            .unwrap_or_else(|| "period not stated".into());
        // The import refuses a statement whose stated opening and lines miss its closing, so
        // a closing shown beside a stated opening is one that was checked.
        let closing = statement
            .closing
            .as_ref()
            .map(|b| {
                let checked = statement.opening.is_some() && !statement.opening_implied;
                format!(
                    ", closing balance {} on {}{}",
                    money(b.amount),
                    b.date,
                    if checked { " (adds up)" } else { "" }
                )
            })
            .unwrap_or_default();
        lines.push(format!("  {period}: {} lines{closing}", statement.lines));
        for gap in &statement.gaps {
            lines.push(match gap {
                Gap::Days { from, to } => format!(
                    "  gap: no statement covers {from} to {to}: import the statement of those days"
                ),
                Gap::Balance {
                    before,
                    closing,
                    after,
                    opening,
                    difference,
                } => format!(
                    "  gap: the balance closed at {} on {before} but opens at {} on {after} ({} unaccounted for): a statement between them is missing",
                    money(*closing),
                    money(*opening),
                    money(*difference)
                ),
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::bank::{Reading, read_statement};

    #[test]
    fn a_guess_shows_its_rules_its_lines_and_its_doubts() {
        let csv = include_bytes!("../../../tests/fixtures/bank/usbank-checking.csv");
        let Ok(Reading::NeedsRules(guess)) = read_statement(csv, None) else {
            panic!("a CSV without rules is guessed");
        };
        let words = guess_words("usbank.csv", &guess);
        assert_eq!(
            words.first().map(String::as_str),
            Some("usbank.csv is a CSV export without rules. They were guessed as:")
        );
        let rules: Vec<String> = guess
            .rules
            .to_text()
            .lines()
            .map(|l| format!("    {l}"))
            .collect();
        assert!(rules.iter().all(|r| words.contains(r)), "{words:#?}");
        let preview = words
            .iter()
            .skip_while(|l| !l.starts_with("which reads"))
            .skip(1)
            .take_while(|l| !l.starts_with("  check:"))
            .count();
        assert_eq!(preview, guess.preview.len().min(PREVIEW_LINES));
        let doubts = words.iter().filter(|l| l.starts_with("  check: ")).count();
        assert_eq!(doubts, guess.doubts.len());
    }
}
