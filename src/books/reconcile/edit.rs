//! A group a person puts together for a bank line (`e` on the Reconcile screen, `reconcile
//! accept --days`): the choices around the line, the group worked out against it as it is
//! built, and its acceptance, posting as the fee what the bank kept (or a cash deposit's
//! difference as over or short).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::groups::{self, Evaluated, Group};
use super::matched::{AcceptedBy, MatchKind};
use super::naming;
use super::service::{
    Loaded, Posting, cash_claim, fee_views, offered, open_line, posting_of_candidate,
};
use super::suggest::Suggestions;
use crate::api::reconcile::{CandidateRef, CandidateView, GroupChoices};
use crate::engine::host::{Core, EngineError};

impl Core {
    /// Accepts a group a person put together for `line` (or one the matcher offers): a card
    /// group posts as its fee what the bank kept, a cash group its difference as over or short.
    /// Refused, saying why, when its figures cannot be (see [`groups::evaluate`]).
    pub async fn accept_group(
        &self,
        account: Option<String>,
        line: String,
        group: CandidateRef,
    ) -> Result<String, EngineError> {
        let _one_at_a_time = self.reconciling();
        let loaded = self.load_reconciliation(account.as_deref())?;
        let index = open_line(&loaded, &line)?;
        let posting = match offered(&loaded, index, &group) {
            Some(chosen) => posting_of_candidate(&loaded, index, chosen),
            None => {
                let edited = self.evaluate_loaded(&loaded, index, &group)?;
                if let Some(refused) = edited.refused {
                    return Err(EngineError::Invalid(refused.to_string()));
                }
                posting_of_group(&loaded, index, edited)
            }
        };
        let id = self.post_match(&loaded, posting, AcceptedBy::Person)?;
        self.keep_standing_of_account(&loaded.account.key);
        Ok(id)
    }

    /// What the open bank line `line` could pay, for a person to put the group together.
    pub async fn reconcile_groups(
        &self,
        account: Option<String>,
        line: String,
    ) -> Result<GroupChoices, EngineError> {
        let _one_at_a_time = self.reconciling();
        let loaded = self.load_reconciliation(account.as_deref())?;
        let index = open_line(&loaded, &line)?;
        let currency = &loaded.account.currency;
        let suggestions = &loaded.suggestions;
        let inputs = loaded.inputs();
        let bank_line = &loaded.open[index];
        Ok(GroupChoices {
            line: line.clone(),
            date: bank_line.date,
            amount: bank_line.amount,
            currency: currency.clone(),
            choices: groups::choices(suggestions, &loaded.open, index, self.max_lag(), currency),
            best: suggestions.lines[index]
                .best
                .as_ref()
                .map(|best| naming::name_of(&best.paid, suggestions, &inputs)),
            best_with_amount: suggestions.lines[index]
                .best
                .as_ref()
                .and_then(|best| suggestions.other_half(index, &best.paid))
                .and_then(|other| loaded.open.get(other))
                .map(|other| other.amount),
            fees: fee_views(suggestions),
        })
    }

    /// A group a person put together for `line`, worked out against it: its figures, whether
    /// they agree, and in words (with why it could not be accepted, when it could not).
    pub async fn evaluate_group(
        &self,
        account: Option<String>,
        line: String,
        group: CandidateRef,
    ) -> Result<CandidateView, EngineError> {
        let _one_at_a_time = self.reconciling();
        let loaded = self.load_reconciliation(account.as_deref())?;
        let index = open_line(&loaded, &line)?;
        // The matcher's own candidate keeps its words and its confidence.
        if let Some(candidate) = offered(&loaded, index, &group) {
            return Ok(naming::view_of(
                candidate,
                &loaded.suggestions,
                &loaded.inputs(),
            ));
        }
        let edited = self.evaluate_loaded(&loaded, index, &group)?;
        let id = match group {
            CandidateRef::Card { merchant, with, .. } => CandidateRef::Card {
                merchant,
                days: days_of(&loaded, &edited.group),
                with,
            },
            CandidateRef::Cash { .. } | CandidateRef::Chargeback { .. } => CandidateRef::Cash {
                days: days_of(&loaded, &edited.group),
            },
        };
        Ok(CandidateView {
            id,
            confidence: edited.confidence(),
            exact: edited.exact,
            gross: edited.gross,
            fee: edited.fee,
            net: edited.net,
            gap: edited.gap,
            payments: edited.payments,
            reason: edited.reason,
            refused: edited.refused.map(|r| r.to_string()),
        })
    }

    fn evaluate_loaded(
        &self,
        loaded: &Loaded,
        index: usize,
        group: &CandidateRef,
    ) -> Result<Evaluated, EngineError> {
        let held_by = |merchant: Option<&str>, day: NaiveDate| {
            loaded
                .matches
                .values()
                .find(|m| match (&m.kind, merchant) {
                    (
                        MatchKind::Card {
                            merchant: held,
                            days,
                        },
                        Some(wanted),
                    ) => held == wanted && days.contains(&day),
                    (MatchKind::Cash { days }, None) => days.contains(&day),
                    _ => false,
                })
                .map(|m| m.id.clone())
        };
        groups::evaluate(
            &loaded.suggestions,
            &loaded.open,
            index,
            group,
            &loaded.account.currency,
            &held_by,
        )
        .map_err(|refused| EngineError::Invalid(refused.to_string()))
    }
}

/// A group a person put together for open line `line`, as a posting: a card group's fee is
/// what the bank kept; a cash group's difference is posted as over or short.
fn posting_of_group(loaded: &Loaded, line: usize, edited: Evaluated) -> Posting {
    let suggestions = &loaded.suggestions;
    let confidence = edited.confidence();
    let kept = edited.kept();
    let (kind, lines, payments, fee) = match edited.group {
        Group::Card {
            merchant,
            batches,
            with,
        } => (
            MatchKind::Card {
                days: batch_days(suggestions, &batches),
                merchant,
            },
            std::iter::once(line).chain(with).collect(),
            batches
                .iter()
                .flat_map(|&b| suggestions.clearing.deposits[b].payments.iter())
                .map(|&p| loaded.payments[p].key.clone())
                .collect(),
            kept,
        ),
        Group::Cash { days } => {
            let (kind, payments) = cash_claim(loaded, &days);
            (kind, vec![line], payments, Decimal::ZERO)
        }
    };
    Posting {
        lines,
        kind,
        payments,
        gross: edited.gross,
        fee,
        reason: edited.reason,
        confidence,
    }
}

/// The days a resolved group holds, in order.
fn days_of(loaded: &Loaded, group: &Group) -> Vec<NaiveDate> {
    let suggestions = &loaded.suggestions;
    match group {
        Group::Card { batches, .. } => batch_days(suggestions, batches),
        Group::Cash { days } => days.iter().map(|&d| suggestions.pile.days[d].day).collect(),
    }
}

/// The settlement days of these batches (indexes into the clearing's deposits).
fn batch_days(suggestions: &Suggestions, batches: &[usize]) -> Vec<NaiveDate> {
    batches
        .iter()
        .map(|&b| suggestions.clearing.deposits[b].day)
        .collect()
}
