//! The answers that cost nothing: the user's rules first ("payee contains adobe → Software"),
//! then the cache of earlier answers for the same cleaned payee. What neither answers is left
//! for Gemini, grouped by cleaned payee so each is asked once. Pure, so it is measured alone.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::records::{CachedAnswer, Rule};
use crate::api::categorize::{Source, Subject};

/// One bank line or transaction to categorize.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub subject: Subject,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub currency: String,
    pub original: String,
    /// Cleaned ([`super::payee::clean_payee`]); may be empty.
    pub payee: String,
    /// [`super::payee::payee_key`].
    pub key: String,
}

/// A suggested class and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub class: String,
    pub confidence: f64,
    pub reason: String,
    pub source: Source,
    pub rule: Option<String>,
    /// A name for a payee the rules left nameless.
    pub payee: Option<String>,
}

impl Answer {
    pub fn of_cache(cached: &CachedAnswer, source: Source) -> Answer {
        Answer {
            class: cached.class.clone(),
            confidence: cached.confidence,
            reason: cached.reason.clone(),
            source,
            rule: None,
            payee: cached.payee.clone(),
        }
    }
}

/// Each item's answer by rule or cache, and the items left, by payee key (in key order).
#[derive(Debug, Default)]
pub struct Local {
    pub answers: Vec<Option<Answer>>,
    pub left: BTreeMap<String, Vec<usize>>,
}

/// The rule that answers the item: of the rules whose words the cleaned payee (else the
/// original) contains, the most specific ([`Rule::specificity`]), the newest of equals. So a
/// rule made from an acceptance that changed the class ("adobe creative cld" → Marketing) wins
/// over the broader one it corrects ("adobe" → Software) instead of never firing.
pub fn rule_for<'r>(rules: &'r [Rule], item: &Item) -> Option<&'r Rule> {
    let haystack = if item.payee.is_empty() {
        item.original.to_lowercase()
    } else {
        item.payee.to_lowercase()
    };
    rules
        .iter()
        .filter(|rule| !rule.contains.is_empty() && haystack.contains(&rule.contains))
        .max_by(|a, b| {
            (a.specificity(), a.created_at, &a.id).cmp(&(b.specificity(), b.created_at, &b.id))
        })
}

pub fn answer_locally(
    items: &[Item],
    rules: &[Rule],
    cache: &HashMap<String, CachedAnswer>,
) -> Local {
    let mut local = Local {
        answers: Vec::with_capacity(items.len()),
        left: BTreeMap::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let answer = if let Some(rule) = rule_for(rules, item) {
            Some(Answer {
                class: rule.class.clone(),
                confidence: 1.0,
                reason: format!("your rule: payee contains “{}”", rule.contains),
                source: Source::Rule,
                rule: Some(rule.id.clone()),
                // A name Gemini gave the payee before stays its name.
                payee: cache.get(&item.key).and_then(|c| c.payee.clone()),
            })
        } else {
            cache
                .get(&item.key)
                .map(|cached| Answer::of_cache(cached, Source::Cache))
        };
        if answer.is_none() {
            local.left.entry(item.key.clone()).or_default().push(i);
        }
        local.answers.push(answer);
    }
    local
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn item(n: u32, payee: &str) -> Item {
        Item {
            subject: Subject::BankLine(format!("chase:fp:{n}")),
            date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            amount: Decimal::new(-8999, 2),
            currency: "USD".into(),
            original: payee.to_uppercase(),
            payee: payee.into(),
            key: payee.to_lowercase(),
        }
    }

    fn rule(id: &str, contains: &str, class: &str, minutes: i64) -> Rule {
        Rule {
            id: id.into(),
            contains: contains.into(),
            class: class.into(),
            created_at: chrono::DateTime::UNIX_EPOCH + chrono::Duration::minutes(minutes),
        }
    }

    #[test]
    fn the_most_specific_rule_answers_and_the_newest_of_equals() {
        let adobe = item(1, "Adobe Creative Cld");
        let broad = rule("rule:1", "adobe", "Software", 0);
        let narrow = rule("rule:2", "adobe creative cld", "Marketing", 1);
        assert_eq!(
            rule_for(&[broad.clone(), narrow.clone()], &adobe).map(|r| &r.id),
            Some(&narrow.id),
            "more words win, older or newer"
        );
        let narrow_first = rule("rule:0", "adobe creative cld", "Marketing", -1);
        assert_eq!(
            rule_for(&[narrow_first.clone(), broad.clone()], &adobe).map(|r| &r.id),
            Some(&narrow_first.id)
        );
        // One word each: the longer match is the more specific.
        let creative = rule("rule:3", "creative", "Marketing", -5);
        assert_eq!(
            rule_for(&[broad.clone(), creative.clone()], &adobe).map(|r| &r.id),
            Some(&creative.id)
        );
        // As specific: the newest.
        let again = rule("rule:4", "adobe", "Office", 9);
        assert_eq!(
            rule_for(&[again.clone(), broad.clone()], &adobe).map(|r| &r.id),
            Some(&again.id)
        );
        assert!(rule_for(&[broad], &item(2, "Gusto")).is_none());
    }

    #[test]
    fn rules_come_first_then_the_cache_and_the_rest_is_grouped_by_payee() {
        let now = Utc::now();
        let rules = vec![Rule {
            id: "rule:1".into(),
            contains: "adobe".into(),
            class: "Software".into(),
            created_at: now,
        }];
        let cache = HashMap::from([
            (
                "city of austin".to_string(),
                CachedAnswer {
                    class: "Utilities".into(),
                    confidence: 0.9,
                    reason: "a city's utility bill".into(),
                    payee: None,
                    source: Source::Gemini,
                    at: now,
                },
            ),
            (
                "adobe creative cld".to_string(),
                CachedAnswer {
                    class: "Marketing".into(),
                    confidence: 0.5,
                    reason: "the rule wins".into(),
                    payee: None,
                    source: Source::Gemini,
                    at: now,
                },
            ),
        ]);
        let items = vec![
            item(1, "Adobe Creative Cld"),
            item(2, "City Of Austin"),
            item(3, "Gusto"),
            item(4, "Gusto"),
            item(5, "Blue Bottle"),
        ];
        let local = answer_locally(&items, &rules, &cache);
        let first = local.answers[0].as_ref().unwrap();
        assert_eq!(
            (first.class.as_str(), first.source),
            ("Software", Source::Rule)
        );
        assert_eq!(first.rule.as_deref(), Some("rule:1"));
        let second = local.answers[1].as_ref().unwrap();
        assert_eq!(
            (second.class.as_str(), second.source),
            ("Utilities", Source::Cache)
        );
        assert!(local.answers[2..].iter().all(Option::is_none));
        let left: Vec<(&str, &[usize])> = local
            .left
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        assert_eq!(left, [("blue bottle", &[4][..]), ("gusto", &[2, 3][..])]);
    }
}
