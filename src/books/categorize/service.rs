//! Categorization in the engine: the subjects gathered from the store (bank lines no match
//! holds and with no class yet, transactions without a class), a run's suggestions saved, and
//! the user's decisions (accept, with a rule if asked; reject; undo; accept all above a
//! confidence). Accepting writes the class on the transaction, or the bank line's class record.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};

use super::Categorizing;
use super::classes::{known_class, studio_classes};
use super::local::{Answer, Item, Local, rule_for};
use super::payee::{clean_payee, payee_key};
use super::records::{CachedAnswer, Rule, StoredSuggestion};
use crate::api::categorize::{
    CategorizeView, Decide, Decision, RuleMade, RuleRef, RunReport, Source, Subject, SuggestionView,
};
use crate::engine::host::{Core, EngineError};

/// The most subjects one run looks at: a bound on what a store can make it hold in memory.
pub const MAX_ITEMS: usize = 100_000;
/// The longest pattern of a rule.
const MAX_PATTERN: usize = 80;

/// What a run works on, read from the store.
pub struct Gathered {
    pub items: Vec<Item>,
    pub classes: Vec<String>,
    pub rules: Vec<Rule>,
    pub cache: HashMap<String, CachedAnswer>,
    /// Payee keys whose earlier answer the user rejected: not answered from the cache, and not
    /// asked again (Gemini would say the same).
    pub refused: HashSet<String>,
    /// The open suggestions saved before, by subject id (the ones a run no longer finds go).
    open_before: HashSet<String>,
}

impl Core {
    pub(crate) async fn categorizing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.state::<Categorizing>().0.lock().await
    }

    /// The studio's classes: the category map's, the default chart, `[books] classes`.
    pub fn studio_classes(&self) -> Result<Vec<String>, EngineError> {
        let categories = self.inner.store.categories()?;
        let mapped = categories.iter().filter_map(|c| c.class.as_deref());
        Ok(studio_classes(mapped, &self.inner.config.books.classes))
    }

    /// The bank lines no match holds and with no class, and the transactions with no class,
    /// that nobody has decided on yet.
    pub fn gather_for_categorizing(&self) -> Result<Gathered, EngineError> {
        let store = &self.inner.store;
        let claims = store.claims()?;
        let line_classes = store.bank_line_classes()?;
        let mut decided = HashSet::new();
        let mut open_before = HashSet::new();
        let mut rejected = HashSet::new();
        for stored in store.suggestions()? {
            let view = &stored.view;
            let id = view.subject.id();
            match (&view.decision, &view.class) {
                (Decision::Open, _) => {
                    open_before.insert(id);
                }
                (Decision::Rejected { .. }, Some(class)) => {
                    let key = payee_key(&clean_payee(&view.original), &view.original);
                    rejected.insert((key, class.clone()));
                    decided.insert(id);
                }
                _ => {
                    decided.insert(id);
                }
            }
        }
        let mut cache = store.categorize_cache()?;
        let mut refused = HashSet::new();
        for (key, class) in rejected {
            if cache.get(&key).is_some_and(|cached| cached.class == class) {
                cache.remove(&key);
                refused.insert(key);
            }
        }
        let mut items = Vec::new();
        let (first_day, last_day) = (
            NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
        );
        'accounts: for account in store.bank_accounts()? {
            for line in store.bank_lines_between(&account.key, first_day, last_day)? {
                if claims.contains_key(&line.key) || line_classes.contains_key(&line.key) {
                    continue;
                }
                let subject = Subject::BankLine(line.key.clone());
                if decided.contains(&subject.id()) {
                    continue;
                }
                let original = joined(&line.payee, &line.memo);
                items.push(item(
                    subject,
                    line.date,
                    line.amount,
                    &line.currency,
                    &original,
                ));
                if items.len() == MAX_ITEMS {
                    break 'accounts;
                }
            }
        }
        if items.len() < MAX_ITEMS {
            for tx in store.transactions_with_prefix("")? {
                if tx.class.is_some() {
                    continue;
                }
                let subject = Subject::Transaction(tx.key.clone());
                if decided.contains(&subject.id()) {
                    continue;
                }
                items.push(item(
                    subject,
                    tx.date.date(),
                    tx.amount,
                    &tx.currency,
                    &tx.description,
                ));
                if items.len() == MAX_ITEMS {
                    break;
                }
            }
        }
        Ok(Gathered {
            items,
            classes: self.studio_classes()?,
            rules: store.categorize_rules()?,
            cache,
            refused,
            open_before,
        })
    }

    /// Saves a run: every subject's suggestion (from its rule, the cache or Gemini's answers
    /// by payee key, else none), Gemini's answers in the cache, and the report.
    pub fn save_categorize_run(
        &self,
        gathered: Gathered,
        local: Local,
        from_gemini: HashMap<String, Answer>,
        mut report: RunReport,
    ) -> Result<RunReport, EngineError> {
        let store = &self.inner.store;
        let now = Utc::now();
        let mut write = Vec::with_capacity(gathered.items.len());
        let mut seen = HashSet::with_capacity(gathered.items.len());
        for (item, answer) in gathered.items.into_iter().zip(local.answers) {
            let answer = answer.or_else(|| from_gemini.get(&item.key).cloned());
            match answer.as_ref().map(|a| a.source) {
                Some(Source::Rule) => report.by_rule += 1,
                Some(Source::Cache) => report.by_cache += 1,
                Some(Source::Gemini) => report.by_gemini += 1,
                None => report.unanswered += 1,
            }
            seen.insert(item.subject.id());
            write.push(StoredSuggestion {
                view: view_of(item, answer),
                suggested_at: now,
            });
        }
        let remove: Vec<String> = gathered
            .open_before
            .into_iter()
            .filter(|id| !seen.contains(id))
            .collect();
        store.write_suggestions(&write, &remove)?;
        let cached: Vec<(String, CachedAnswer)> = from_gemini
            .into_iter()
            .map(|(key, a)| {
                let entry = CachedAnswer {
                    class: a.class,
                    confidence: a.confidence,
                    reason: a.reason,
                    payee: a.payee,
                    source: Source::Gemini,
                    at: now,
                };
                (key, entry)
            })
            .collect();
        store.cache_answers(&cached)?;
        report.open = write.len() as u64;
        store.put_categorize_run(&report)?;
        Ok(report)
    }

    /// Categorization as the screen shows it.
    pub async fn categorize_view(&self) -> Result<CategorizeView, EngineError> {
        let _one_at_a_time = self.categorizing().await;
        let store = &self.inner.store;
        let mut items: Vec<SuggestionView> =
            store.suggestions()?.into_iter().map(|s| s.view).collect();
        items.sort_by(|a, b| {
            let decided = |s: &SuggestionView| s.decision != Decision::Open;
            (decided(a), std::cmp::Reverse(a.date), a.subject.id()).cmp(&(
                decided(b),
                std::cmp::Reverse(b.date),
                b.subject.id(),
            ))
        });
        let mut answers: HashMap<&str, u64> = HashMap::new();
        for s in &items {
            if let (Some(rule), false) = (&s.rule, matches!(s.decision, Decision::Rejected { .. }))
            {
                *answers.entry(rule.as_str()).or_default() += 1;
            }
        }
        let rules = store
            .categorize_rules()?
            .iter()
            .map(|r| r.view(answers.get(r.id.as_str()).copied().unwrap_or(0)))
            .collect();
        Ok(CategorizeView {
            classes: self.studio_classes()?,
            rules,
            last_run: store.last_categorize_run()?,
            items,
        })
    }

    /// Accepts, rejects or takes back one suggestion; the suggestion as it is now.
    pub async fn decide_suggestion(
        &self,
        subject: Subject,
        decide: Decide,
    ) -> Result<SuggestionView, EngineError> {
        let _one_at_a_time = self.categorizing().await;
        let store = &self.inner.store;
        let id = subject.id();
        let mut stored = store.suggestion(&id)?.ok_or_else(|| {
            EngineError::Invalid(format!(
                "no suggestion for {id}: `legion-hub categorize` lists them with their ids"
            ))
        })?;
        let decision = stored.view.decision.clone();
        let mut rule_made = None;
        match decide {
            Decide::Accept {
                class,
                rule,
                pattern,
            } => {
                still_open(&id, &decision)?;
                let classes = self.studio_classes()?;
                let class = match class {
                    Some(wanted) => known_class(&classes, &wanted).ok_or_else(|| {
                        EngineError::Invalid(format!(
                            "“{}” is not one of the studio's classes ({}); add it to `[books] classes` in the config first",
                            crate::text::one_line_within(&wanted, 60),
                            classes.join(", ")
                        ))
                    })?,
                    None => stored.view.class.clone().ok_or_else(|| {
                        EngineError::Invalid(format!(
                            "nothing was suggested for {id}: say the class (`categorize accept {id} --class CLASS`)"
                        ))
                    })?,
                };
                let pattern = if rule {
                    Some(rule_pattern(pattern.as_deref(), &stored.view)?)
                } else {
                    None
                };
                self.apply_class(&subject, Some(&class))?;
                if let Some(pattern) = pattern {
                    let (rule, replaced) = store.add_categorize_rule(&pattern, &class)?;
                    rule_made = Some(self.rule_made(rule, replaced, &stored.view)?);
                }
                let cleaned = clean_payee(&stored.view.original);
                let key = payee_key(&cleaned, &stored.view.original);
                // Gemini's name for the payee, when it gave one, stays with the payee.
                let named = (stored.view.payee != cleaned).then(|| stored.view.payee.clone());
                store.cache_answers(&[(
                    key,
                    CachedAnswer {
                        class: class.clone(),
                        confidence: 1.0,
                        reason: format!("you accepted {class} for this payee"),
                        payee: named,
                        source: Source::Cache,
                        at: Utc::now(),
                    },
                )])?;
                stored.view.decision = Decision::Accepted {
                    class,
                    at: Utc::now(),
                };
            }
            Decide::Reject => {
                still_open(&id, &decision)?;
                stored.view.decision = Decision::Rejected { at: Utc::now() };
            }
            Decide::Undo => {
                match decision {
                    Decision::Open => {
                        return Err(EngineError::Invalid(format!(
                            "{id} is open: there is nothing to undo"
                        )));
                    }
                    Decision::Accepted { .. } => self.apply_class(&subject, None)?,
                    Decision::Rejected { .. } => {}
                }
                stored.view.decision = Decision::Open;
            }
        }
        store.write_suggestions(std::slice::from_ref(&stored), &[])?;
        stored.view.rule_made = rule_made;
        Ok(stored.view)
    }

    /// What a rule made from accepting `view` did: the rules with its words it replaced, and
    /// a more specific rule that would still answer the payee first, if there is one (then the
    /// new rule does not fire for it, and the user is told so).
    fn rule_made(
        &self,
        rule: Rule,
        replaced: Vec<Rule>,
        view: &SuggestionView,
    ) -> Result<RuleMade, EngineError> {
        let rules = self.inner.store.categorize_rules()?;
        let line = item(
            view.subject.clone(),
            view.date,
            view.amount,
            &view.currency,
            &view.original,
        );
        let first = rule_for(&rules, &line).filter(|first| first.id != rule.id);
        Ok(RuleMade {
            rule: rule_ref(&rule),
            replaced: replaced.iter().map(rule_ref).collect(),
            outranked_by: first.map(rule_ref),
        })
    }

    /// Accepts every open suggestion at least this sure (0 to 1); how many.
    pub async fn accept_suggestions_above(&self, at_least: f64) -> Result<u64, EngineError> {
        if !(0.0..=1.0).contains(&at_least) {
            return Err(EngineError::Invalid(format!(
                "a confidence is between 0 and 1 (0.9 is 90%), not {at_least}"
            )));
        }
        let _one_at_a_time = self.categorizing().await;
        let store = &self.inner.store;
        let mut accepted = Vec::new();
        for mut stored in store.suggestions()? {
            let view = &stored.view;
            let Some(class) = view.class.clone() else {
                continue;
            };
            if view.decision != Decision::Open || view.confidence < at_least {
                continue;
            }
            self.apply_class(&view.subject, Some(&class))?;
            stored.view.decision = Decision::Accepted {
                class,
                at: Utc::now(),
            };
            accepted.push(stored);
        }
        store.write_suggestions(&accepted, &[])?;
        Ok(accepted.len() as u64)
    }

    /// Forgets a rule (what it suggested stays as it is); false when there was none.
    pub async fn delete_categorize_rule(&self, id: String) -> Result<bool, EngineError> {
        let _one_at_a_time = self.categorizing().await;
        Ok(self.inner.store.delete_categorize_rule(&id)?)
    }

    /// Writes (or, with None, takes away) the subject's class in the books.
    fn apply_class(&self, subject: &Subject, class: Option<&str>) -> Result<(), EngineError> {
        let store = &self.inner.store;
        match subject {
            Subject::BankLine(key) => {
                if store.bank_line(key)?.is_none() {
                    return Err(EngineError::Invalid(format!(
                        "the bank line {key} is no longer in the books"
                    )));
                }
                store.set_bank_line_class(key, class)?;
            }
            Subject::Transaction(key) => {
                if !store.set_transaction_class(key, class)? {
                    return Err(EngineError::Invalid(format!(
                        "the transaction {key} is no longer in the books"
                    )));
                }
            }
        }
        Ok(())
    }
}

fn item(
    subject: Subject,
    date: NaiveDate,
    amount: rust_decimal::Decimal,
    currency: &str,
    original: &str,
) -> Item {
    let original = crate::text::one_line_within(original, 400);
    let payee = clean_payee(&original);
    Item {
        key: payee_key(&payee, &original),
        subject,
        date,
        amount,
        currency: currency.to_string(),
        original,
        payee,
    }
}

/// OFX's limit on `NAME`: a bank writes a longer description's first 32 characters there and
/// the rest in `MEMO`, cutting where the 32nd falls, inside a word or a number.
const OFX_NAME_CHARS: usize = 32;

/// A bank line's description, from its payee and memo: a payee as long as OFX's `NAME` is the
/// first part of one text, cut anywhere, so the memo goes on without a space.
fn joined(payee: &str, memo: &str) -> String {
    if memo.trim().is_empty() {
        payee.to_string()
    } else if payee.chars().count() == OFX_NAME_CHARS {
        format!("{payee}{memo}")
    } else {
        format!("{payee} {memo}")
    }
}

fn view_of(item: Item, answer: Option<Answer>) -> SuggestionView {
    // Gemini's name for a payee it knows ("Adobe Creative Cloud") reads better than the rules'
    // tidy of the bank's text ("Adobe Creative Cld"); it is taken only when it shares a word
    // with that text, so a name made up for another payee is never shown.
    let payee = match answer.as_ref().and_then(|a| a.payee.clone()) {
        Some(named) if item.payee.is_empty() || names_the_line(&named, &item.original) => named,
        _ => item.payee,
    };
    SuggestionView {
        subject: item.subject,
        date: item.date,
        amount: item.amount,
        currency: item.currency,
        original: item.original,
        payee,
        class: answer.as_ref().map(|a| a.class.clone()),
        confidence: answer.as_ref().map_or(0.0, |a| a.confidence),
        reason: answer
            .as_ref()
            .map_or_else(|| "nothing answered yet".to_string(), |a| a.reason.clone()),
        source: answer.as_ref().map(|a| a.source),
        rule: answer.and_then(|a| a.rule),
        decision: Decision::Open,
        rule_made: None,
    }
}

fn rule_ref(rule: &Rule) -> RuleRef {
    RuleRef {
        id: rule.id.clone(),
        contains: rule.contains.clone(),
        class: rule.class.clone(),
    }
}

fn still_open(id: &str, decision: &Decision) -> Result<(), EngineError> {
    match decision {
        Decision::Open => Ok(()),
        _ => Err(EngineError::Invalid(format!(
            "{id} is decided already: `legion-hub categorize undo {id}` opens it again"
        ))),
    }
}

/// The words a rule made from an acceptance looks for: the ones given, else the payee as the
/// rules clean it (what a rule is matched against: not Gemini's fuller name, "Adobe Creative
/// Cloud" is not on a line that says "ADOBE *CREATIVE CLD").
fn rule_pattern(given: Option<&str>, view: &SuggestionView) -> Result<String, EngineError> {
    let cleaned = clean_payee(&view.original);
    let fallback = if cleaned.is_empty() {
        &view.payee
    } else {
        &cleaned
    };
    let pattern = crate::text::one_line(given.unwrap_or(fallback)).to_lowercase();
    let length = pattern.chars().count();
    if !(2..=MAX_PATTERN).contains(&length) {
        return Err(EngineError::Invalid(format!(
            "a rule's words are 2 to {MAX_PATTERN} characters (“{}” is not): give them with --rule WORDS",
            crate::text::one_line_within(&pattern, MAX_PATTERN)
        )));
    }
    Ok(pattern)
}

/// Whether a payee's name shares a word of three letters or more with the line's text.
fn names_the_line(name: &str, original: &str) -> bool {
    let original = original.to_lowercase();
    let words: Vec<&str> = original
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .collect();
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .any(|w| words.contains(&w))
}

#[cfg(test)]
mod tests {

    /// Gemini's name is shown only when it shares a word with the bank's text.
    #[test]
    fn a_name_from_gemini_must_share_a_word_with_the_line() {
        let line = "POS 4821 ADOBE *CREATIVE CLD 800-833";
        assert!(super::names_the_line("Adobe Creative Cloud", line));
        assert!(!super::names_the_line("Blue Bottle Coffee", line));
        assert!(!super::names_the_line("A B", line));
    }
    use super::*;

    #[test]
    fn a_description_ofx_cut_in_two_is_read_whole() {
        assert_eq!(
            joined("POS 4821 ADOBE *CREATIVE CLD 800", "-833"),
            "POS 4821 ADOBE *CREATIVE CLD 800-833"
        );
        assert_eq!(joined("CHECK 1322", "check 1322"), "CHECK 1322 check 1322");
        assert_eq!(joined("MONTHLY SERVICE FEE", ""), "MONTHLY SERVICE FEE");
    }
}
