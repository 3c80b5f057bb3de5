//! A candidate's lasting name ([`CandidateRef`]) and its view: what the front ends see and send
//! back, made from the matcher's candidate and the inputs it indexes into.

use rust_decimal::Decimal;

use super::clearing::{Clearing, Undeposited};
use super::inputs::{BankEntry, CardPayment};
use super::suggest::{Candidate, Paid, Suggestions};
use crate::api::reconcile::{CandidateRef, CandidateView};

/// What the matcher's indexes point into.
pub struct Inputs<'a> {
    pub lines: &'a [BankEntry],
    pub payments: &'a [CardPayment],
}

pub fn name_of(paid: &Paid, suggestions: &Suggestions, inputs: &Inputs) -> CandidateRef {
    name_parts(
        paid,
        &suggestions.clearing,
        &suggestions.pile,
        inputs.lines,
        inputs.payments,
    )
}

/// The name, from the parts the matcher holds before its suggestions are made.
pub fn name_parts(
    paid: &Paid,
    clearing: &Clearing,
    pile: &Undeposited,
    lines: &[BankEntry],
    payments: &[CardPayment],
) -> CandidateRef {
    match paid {
        Paid::Card {
            merchant,
            batches,
            with,
            ..
        } => CandidateRef::Card {
            merchant: merchant.clone(),
            days: clearing.deposits[batches.clone()]
                .iter()
                .map(|b| b.day)
                .collect(),
            with: with.map(|i| lines[i].key.clone()),
        },
        Paid::Cash { days, .. } => CandidateRef::Cash {
            days: days.iter().map(|&d| pile.days[d].day).collect(),
        },
        Paid::Chargeback { payment, .. } => CandidateRef::Chargeback {
            payment: payments[*payment].key.clone(),
        },
    }
}

/// The name as one line of text: what a rejection is remembered by.
pub fn name_text(name: &CandidateRef) -> String {
    serde_json::to_string(name).unwrap_or_default()
}

pub fn view_of(candidate: &Candidate, suggestions: &Suggestions, inputs: &Inputs) -> CandidateView {
    let (gross, fee, net, payments) = match &candidate.paid {
        Paid::Card {
            gross,
            fee,
            net,
            batches,
            ..
        } => (
            *gross,
            *fee,
            *net,
            suggestions.payments_of(batches).count() as u32,
        ),
        Paid::Cash { days, amount } => (
            *amount,
            Decimal::ZERO,
            *amount,
            days.iter().map(|&d| suggestions.pile.days[d].count).sum(),
        ),
        Paid::Chargeback { payment, fee } => {
            let charged = inputs.payments[*payment].amount;
            (-charged, *fee, -(charged + *fee), 1)
        }
    };
    CandidateView {
        id: name_of(&candidate.paid, suggestions, inputs),
        confidence: candidate.confidence,
        exact: candidate.exact,
        gross,
        fee,
        net,
        gap: candidate.gap,
        payments,
        reason: candidate.reason.clone(),
        refused: None,
    }
}
