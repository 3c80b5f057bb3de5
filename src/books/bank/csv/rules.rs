//! The rules file: read from, and written as, a subset of hledger's `.csv.rules`.
//!
//! Read: `skip [N]`, `separator X` (`,` `;` `|`, `TAB`), `fields a, b, ...`, `date-format FMT`,
//! `decimal-mark X`, `encoding NAME`, `newest-first`, `currency CODE`, comments (`#`, `;`, `*`).
//! Accepted and ignored, because they choose accounts and categories, which the books do
//! elsewhere: account and comment assignments (`account1 assets:bank`, `comment ...`), `status`,
//! `balance-type`, `source`, `archive`, `intra-day-reversed`, and `if` blocks, except that an
//! `if` block whose body is `skip` leaves matching records out ([`CsvRules::skip_if`]).
//! Refused, naming the line: assignments to the fields this reader takes from columns (`amount
//! -%4`: name the column in `fields` instead), `include`, and anything unknown.

use super::super::amount::DecimalMark;
use super::super::statement::ReadError;
use super::super::text::{Charset, clean};
use super::{CsvRules, DateFormat, Field};

/// Lines a rules file may have.
const MAX_RULE_LINES: usize = 10_000;
/// Columns a `fields` line may name.
pub(super) const MAX_FIELDS: usize = 256;

/// Directives that hledger uses to choose accounts and categories: read and ignored.
const IGNORED: &[&str] = &[
    "account",
    "comment",
    "status",
    "balance-type",
    "source",
    "archive",
    "intra-day-reversed",
    "timezone",
];

fn rule_error(line: usize, what: impl Into<String>, hint: &str) -> ReadError {
    ReadError::at(line, what, hint)
}

fn separator_of(value: &str) -> Option<u8> {
    match value {
        "," | "comma" | "COMMA" => Some(b','),
        ";" | "semicolon" | "SEMICOLON" => Some(b';'),
        "|" | "pipe" | "PIPE" => Some(b'|'),
        "TAB" | "tab" | "\\t" | "\t" => Some(b'\t'),
        _ => None,
    }
}

fn is_ignored(directive: &str) -> bool {
    IGNORED.iter().any(|ignored| {
        directive == *ignored
            || directive
                .strip_prefix(ignored)
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// A skip pattern from an `if` line or matcher: plain text, optionally anchored with `^`.
fn skip_pattern(matcher: &str, line: usize) -> Result<String, ReadError> {
    let (anchor, text) = match matcher.strip_prefix('^') {
        Some(rest) => ("^", rest),
        None => ("", matcher),
    };
    let regex = text.chars().any(|c| {
        matches!(
            c,
            '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '\\' | '$'
        )
    });
    if regex || text.starts_with('%') || text.trim().is_empty() {
        return Err(rule_error(
            line,
            format!(
                "`if {}` ... `skip` needs plain text to find",
                clean(matcher)
            ),
            "write the words the lines to leave out start with or contain, without regular \
             expressions or %field matchers",
        ));
    }
    Ok(format!("{anchor}{}", text.trim()))
}

/// An `if` block's matchers and whether its body is `skip`.
struct IfBlock {
    first_line: usize,
    matchers: Vec<String>,
    has_body: bool,
    skips: bool,
}

impl IfBlock {
    fn close(self, rules: &mut CsvRules) -> Result<(), ReadError> {
        if self.skips {
            for matcher in &self.matchers {
                rules.skip_if.push(skip_pattern(matcher, self.first_line)?);
            }
        }
        Ok(())
    }
}

impl CsvRules {
    /// Reads a rules file; see the module comment for what it may say.
    pub fn parse(text: &str) -> Result<CsvRules, ReadError> {
        let mut rules = CsvRules::default();
        let mut fields_seen = false;
        let mut block: Option<IfBlock> = None;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            if line > MAX_RULE_LINES {
                return Err(rule_error(
                    line,
                    format!("the rules have more than {MAX_RULE_LINES} lines"),
                    "keep only the rules for reading the bank's file",
                ));
            }
            let indented = raw.starts_with([' ', '\t']);
            let trimmed = raw.trim();
            // An `if` block runs over its matchers (unindented, before any body line) and its
            // indented body; a blank line or another directive ends it.
            if let Some(open) = block.as_mut() {
                if trimmed.is_empty() {
                    if let Some(done) = block.take() {
                        done.close(&mut rules)?;
                    }
                    continue;
                }
                if indented {
                    open.has_body = true;
                    let directive = trimmed.split_whitespace().next().unwrap_or_default();
                    if directive == "skip" || directive == "end" {
                        open.skips = true;
                    }
                    continue;
                }
                if !open.has_body {
                    open.matchers.push(trimmed.to_owned());
                    continue;
                }
                if let Some(done) = block.take() {
                    done.close(&mut rules)?;
                }
            }
            if trimmed.is_empty() || trimmed.starts_with(['#', ';', '*']) {
                continue;
            }
            let (directive, value) = match trimmed.split_once(char::is_whitespace) {
                Some((directive, value)) => (directive, value.trim()),
                None => (trimmed, ""),
            };
            match directive {
                "skip" => {
                    rules.skip = if value.is_empty() {
                        1
                    } else {
                        value.parse().map_err(|_| {
                            rule_error(
                                line,
                                format!("`skip {}` needs a number of lines", clean(value)),
                                "write for example `skip 1` to leave out a header line",
                            )
                        })?
                    };
                }
                "separator" => {
                    rules.separator = separator_of(value).ok_or_else(|| {
                        rule_error(
                            line,
                            format!("`{}` is not a separator I read", clean(value)),
                            "write `separator ,`, `separator ;`, `separator |` or `separator TAB`",
                        )
                    })?;
                }
                "fields" => {
                    if fields_seen {
                        return Err(rule_error(
                            line,
                            "a second `fields` line",
                            "name the columns once",
                        ));
                    }
                    fields_seen = true;
                    rules.fields = value
                        .split(',')
                        .map(|name| {
                            Field::from_name(name).ok_or_else(|| {
                                rule_error(
                                    line,
                                    format!("`{}` is not a field name", clean(name)),
                                    "use date, date2, description, payee, memo, amount, \
                                     amount-in, amount-out, balance, code, currency, or _ to skip \
                                     a column",
                                )
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    if rules.fields.len() > MAX_FIELDS {
                        return Err(rule_error(
                            line,
                            format!("more than {MAX_FIELDS} fields"),
                            "name the columns the bank writes",
                        ));
                    }
                }
                "date-format" => {
                    DateFormat::new(Some(value)).map_err(|why| {
                        rule_error(
                            line,
                            format!("`date-format {}`: {why}", clean(value)),
                            "write a strftime format such as %d.%m.%Y or %m/%d/%Y",
                        )
                    })?;
                    rules.date_format = Some(value.to_owned());
                }
                "decimal-mark" => {
                    rules.decimal_mark = match value {
                        "." => DecimalMark::Point,
                        "," => DecimalMark::Comma,
                        _ => {
                            return Err(rule_error(
                                line,
                                format!("`decimal-mark {}` is neither . nor ,", clean(value)),
                                "write `decimal-mark ,` for amounts like 1.234,56",
                            ));
                        }
                    };
                }
                "encoding" => {
                    rules.encoding = Some(Charset::from_label(value).ok_or_else(|| {
                        rule_error(
                            line,
                            format!("`encoding {}` is not one I read", clean(value)),
                            "write `encoding utf-8`, `encoding latin1` or `encoding windows-1252`",
                        )
                    })?);
                }
                "newest-first" => rules.newest_first = true,
                "currency" => {
                    let code = value.trim();
                    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
                        return Err(rule_error(
                            line,
                            format!("`currency {}` is not a currency code", clean(code)),
                            "write the ISO code, for example `currency EUR`",
                        ));
                    }
                    rules.currency = Some(code.to_ascii_uppercase());
                }
                "if" => {
                    block = Some(IfBlock {
                        first_line: line,
                        matchers: Some(value.to_owned())
                            .filter(|m| !m.is_empty())
                            .into_iter()
                            .collect(),
                        has_body: false,
                        skips: false,
                    });
                }
                _ if directive.starts_with("if")
                    && !directive
                        .get(2..)
                        .unwrap_or_default()
                        .starts_with(char::is_alphanumeric) =>
                {
                    // hledger's table form (`if,field,...`): categorization, ignored to its end.
                    block = Some(IfBlock {
                        first_line: line,
                        matchers: Vec::new(),
                        has_body: true,
                        skips: false,
                    });
                }
                "include" => {
                    return Err(rule_error(
                        line,
                        "`include` is not read",
                        "copy the included rules into this file",
                    ));
                }
                _ if is_ignored(directive) => {}
                _ if Field::from_name(directive)
                    .is_some_and(|f| !matches!(f, Field::Ignored(_))) =>
                {
                    return Err(rule_error(
                        line,
                        format!("`{directive}` is assigned here, which I do not read"),
                        "name the column in the `fields` line instead (for example \
                         `fields date, description, amount`)",
                    ));
                }
                _ => {
                    return Err(rule_error(
                        line,
                        format!("`{}` is not a rule I know", clean(directive)),
                        "the rules know skip, separator, fields, date-format, decimal-mark, \
                         encoding, newest-first, currency, and hledger's account and if rules",
                    ));
                }
            }
        }
        if let Some(done) = block.take() {
            done.close(&mut rules)?;
        }
        if !fields_seen {
            return Err(rule_error(
                0,
                "the rules have no `fields` line",
                "name the columns, for example `fields date, description, amount`",
            ));
        }
        Ok(rules)
    }

    /// The rules as a file `parse` reads back to the same rules.
    pub fn to_text(&self) -> String {
        let mut out =
            String::from("# How legion-hub reads this bank's CSV (hledger .csv.rules syntax)\n");
        out.push_str(&format!("skip {}\n", self.skip));
        let separator = match self.separator {
            b'\t' => "TAB".to_owned(),
            other => char::from(other).to_string(),
        };
        out.push_str(&format!("separator {separator}\n"));
        let names: Vec<&str> = self.fields.iter().map(Field::name).collect();
        out.push_str(&format!("fields {}\n", names.join(", ")));
        if let Some(format) = &self.date_format {
            out.push_str(&format!("date-format {format}\n"));
        }
        if self.decimal_mark == DecimalMark::Comma {
            out.push_str("decimal-mark ,\n");
        }
        if let Some(encoding) = self.encoding {
            out.push_str(&format!("encoding {}\n", encoding.label()));
        }
        if self.newest_first {
            out.push_str("newest-first\n");
        }
        if let Some(currency) = &self.currency {
            out.push_str(&format!("currency {currency}\n"));
        }
        for pattern in &self.skip_if {
            out.push_str(&format!("\nif {pattern}\n  skip\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HLEDGER: &str = "\
# Sparkasse export
skip 7
separator ;
fields date, date2, description, _, memo, amount-out, amount-in, balance, currency
date-format %d.%m.%Y
decimal-mark ,
encoding latin1
newest-first
account1 assets:bank:checking
account2 expenses:unknown

if REWE|EDEKA
  account2 expenses:groceries

if ^Kontostand
  skip
";

    #[test]
    fn an_hledger_file_reads() {
        let rules = CsvRules::parse(HLEDGER).unwrap();
        assert_eq!(rules.skip, 7);
        assert_eq!(rules.separator, b';');
        assert_eq!(rules.fields.len(), 9);
        assert_eq!(rules.fields[5], Field::AmountOut);
        assert_eq!(rules.date_format.as_deref(), Some("%d.%m.%Y"));
        assert_eq!(rules.decimal_mark, DecimalMark::Comma);
        assert_eq!(rules.encoding, Some(Charset::Windows1252));
        assert!(rules.newest_first);
        assert_eq!(rules.skip_if, vec!["^Kontostand".to_owned()]);
    }

    #[test]
    fn to_text_reads_back_the_same() {
        let rules = CsvRules::parse(HLEDGER).unwrap();
        assert_eq!(CsvRules::parse(&rules.to_text()).unwrap(), rules);
        let tab = CsvRules {
            separator: b'\t',
            fields: vec![Field::Date, Field::Ignored("ref_no".into()), Field::Amount],
            currency: Some("GBP".into()),
            ..CsvRules::default()
        };
        assert_eq!(CsvRules::parse(&tab.to_text()).unwrap(), tab);
    }

    #[test]
    fn what_is_not_read_is_refused_with_its_line() {
        for (text, line) in [
            ("fields date, amount\nfrobnicate 3", 2),
            ("fields date, amount\n\namount -%3", 3),
            ("skip x\nfields date, amount", 1),
            ("fields date, amo unt", 1),
            ("fields date, amount\ndate-format %Q", 2),
            ("fields date, amount\ninclude other.rules", 2),
            ("fields date, amount\nif (a|b)\n  skip", 2),
            ("fields date, amount\nencoding ebcdic", 2),
        ] {
            assert_eq!(CsvRules::parse(text).unwrap_err().line, line, "{text}");
        }
        assert_eq!(CsvRules::parse("skip 1").unwrap_err().line, 0, "no fields");
    }
}
