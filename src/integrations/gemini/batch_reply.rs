//! Whether Gemini's answer to one categorization batch fits, beyond what JSON of the schema
//! already is: every item names one of the batch's lines by the number the prompt gave it, no
//! line twice, every line answered, every class one of the studio's, every confidence within 0
//! to 1. A reply that does not fit is refused whole: an answer is tied to its line by the number
//! the model echoed, never by its place in the array (a skipped item and a doubled one would
//! shift classes onto the wrong lines unnoticed), and a batch is applied whole or not at all.

use serde::Deserialize;

use crate::api::categorize::Source;
use crate::books::categorize::local::Answer;

/// The longest reason and payee kept from an answer.
const MAX_ANSWER_CHARS: usize = 120;

/// One item of Gemini's answer, as the schema asks for it.
#[derive(Debug, Clone, Deserialize)]
pub struct Suggested {
    /// The number of the prompt's line it answers (1 for the first).
    pub line: i64,
    pub class: String,
    pub confidence: f64,
    pub reason: String,
    /// The payee's full name, when the model knows who it is.
    #[serde(default)]
    pub payee: Option<String>,
}

/// Why a batch's reply was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchMisfit {
    #[error("an answer is for line {line}, which is not one of the batch's 1 to {lines}")]
    NoSuchLine { line: i64, lines: usize },
    #[error("line {0} is answered twice")]
    Twice(i64),
    #[error("{missing} of the {lines} lines are not answered (line {first} is one)")]
    Unanswered {
        missing: usize,
        lines: usize,
        first: usize,
    },
    #[error("line {line}'s class “{class}” is not one of the studio's")]
    NotAClass { line: i64, class: String },
    #[error("line {line}'s confidence {confidence} is not within 0 to 1")]
    Confidence { line: i64, confidence: f64 },
}

/// The answers of a reply to a batch of `lines` lines, in line order (index 0 is line 1); the
/// first reason it does not fit, otherwise.
pub fn fitted(
    reply: Vec<Suggested>,
    lines: usize,
    classes: &[String],
) -> Result<Vec<Answer>, BatchMisfit> {
    let mut answers: Vec<Option<Answer>> = vec![None; lines];
    for suggested in reply {
        let line = suggested.line;
        let slot = usize::try_from(line)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| answers.get_mut(i))
            .ok_or(BatchMisfit::NoSuchLine { line, lines })?;
        if slot.is_some() {
            return Err(BatchMisfit::Twice(line));
        }
        let class = classes
            .iter()
            .find(|c| **c == suggested.class)
            .ok_or_else(|| BatchMisfit::NotAClass {
                line,
                class: crate::text::one_line_within(&suggested.class, MAX_ANSWER_CHARS),
            })?;
        // Also refuses NaN, which JSON cannot carry but a caller could.
        if !(0.0..=1.0).contains(&suggested.confidence) {
            return Err(BatchMisfit::Confidence {
                line,
                confidence: suggested.confidence,
            });
        }
        let payee = suggested
            .payee
            .as_deref()
            .map(|p| crate::text::one_line_within(p, MAX_ANSWER_CHARS))
            .filter(|p| !p.is_empty());
        *slot = Some(Answer {
            class: class.clone(),
            confidence: suggested.confidence,
            reason: crate::text::one_line_within(&suggested.reason, MAX_ANSWER_CHARS),
            source: Source::Gemini,
            rule: None,
            payee,
        });
    }
    let missing = answers.iter().filter(|a| a.is_none()).count();
    if let Some(first) = answers.iter().position(Option::is_none) {
        return Err(BatchMisfit::Unanswered {
            missing,
            lines,
            first: first + 1,
        });
    }
    Ok(answers.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Vec<String> {
        vec!["Software".to_string(), "Rent".to_string()]
    }

    fn said(line: i64, class: &str, confidence: f64) -> Suggested {
        Suggested {
            line,
            class: class.into(),
            confidence,
            reason: format!("line {line}"),
            payee: None,
        }
    }

    #[test]
    fn answers_are_tied_to_their_lines_by_number_not_by_place() {
        let mut named = said(1, "Software", 0.85);
        named.payee = Some("  Adobe   Creative Cloud ".into());
        let mut blank = said(2, "Rent", 1.0);
        blank.payee = Some(" ".into());
        let answers = fitted(vec![blank, named], 2, &classes()).unwrap();
        let got: Vec<(&str, f64, &str, Option<&str>)> = answers
            .iter()
            .map(|a| {
                (
                    a.class.as_str(),
                    a.confidence,
                    a.reason.as_str(),
                    a.payee.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Software", 0.85, "line 1", Some("Adobe Creative Cloud")),
                ("Rent", 1.0, "line 2", None),
            ]
        );
        assert!(answers.iter().all(|a| a.source == Source::Gemini));
    }

    #[test]
    fn a_line_the_batch_does_not_have_is_refused() {
        for line in [0, 3, -1, i64::MAX] {
            let reply = vec![said(1, "Rent", 0.9), said(line, "Rent", 0.9)];
            assert_eq!(
                fitted(reply, 2, &classes()),
                Err(BatchMisfit::NoSuchLine { line, lines: 2 })
            );
        }
    }

    #[test]
    fn a_line_answered_twice_is_refused() {
        let reply = vec![said(1, "Rent", 0.9), said(1, "Software", 0.9)];
        assert_eq!(fitted(reply, 2, &classes()), Err(BatchMisfit::Twice(1)));
    }

    #[test]
    fn a_line_left_unanswered_is_refused() {
        let reply = vec![said(1, "Rent", 0.9), said(3, "Rent", 0.9)];
        assert_eq!(
            fitted(reply, 4, &classes()),
            Err(BatchMisfit::Unanswered {
                missing: 2,
                lines: 4,
                first: 2
            })
        );
        assert!(matches!(
            fitted(Vec::new(), 1, &classes()),
            Err(BatchMisfit::Unanswered { missing: 1, .. })
        ));
    }

    #[test]
    fn a_class_outside_the_studios_is_refused_not_dropped() {
        let reply = vec![said(1, "Rent", 0.9), said(2, "Snacks", 0.9)];
        assert_eq!(
            fitted(reply, 2, &classes()),
            Err(BatchMisfit::NotAClass {
                line: 2,
                class: "Snacks".into()
            })
        );
        // Case counts: the enum is the studio's words exactly.
        assert!(fitted(vec![said(1, "rent", 0.9)], 1, &classes()).is_err());
    }

    #[test]
    fn a_confidence_outside_0_to_1_is_refused_not_clamped() {
        for confidence in [1.5, -0.1, f64::NAN] {
            let error = fitted(vec![said(1, "Rent", confidence)], 1, &classes()).unwrap_err();
            assert!(
                matches!(error, BatchMisfit::Confidence { line: 1, .. }),
                "{error}"
            );
        }
        assert!(fitted(vec![said(1, "Rent", 0.0)], 1, &classes()).is_ok());
    }

    #[test]
    fn the_misfit_says_why_in_words() {
        assert_eq!(
            BatchMisfit::NoSuchLine { line: 7, lines: 2 }.to_string(),
            "an answer is for line 7, which is not one of the batch's 1 to 2"
        );
        assert_eq!(
            BatchMisfit::Unanswered {
                missing: 1,
                lines: 2,
                first: 2
            }
            .to_string(),
            "1 of the 2 lines are not answered (line 2 is one)"
        );
    }
}
