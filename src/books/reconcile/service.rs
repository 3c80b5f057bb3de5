//! Reconciliation in the engine: a bank account's lines read with the card and cash payments of
//! the same weeks, the matcher run over what no accepted match holds, and the user's decisions
//! (accept, accept above a confidence, reject, undo) saved, and a group a person put together
//! offered its choices, worked out and accepted. Accepting posts the fee as an expense line in
//! the books (a cash deposit's difference as over or short); undoing takes it away.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::inputs::{BankEntry, CardPayment, CashTaking};
use super::matched::{AcceptedBy, CASH_OVER_SHORT_CLASS, FEES_CLASS, Match, MatchKind};
use super::naming::{self, Inputs};
use super::standing::{BankStanding, waiting_days};
use super::suggest::{self, Candidate, History, Paid, Settings, Suggestions};
use crate::api::reconcile::{CandidateRef, FeeView, LineState, LineView, ReconcileView};
use crate::books::Transaction;
use crate::books::account_key::of_site;
use crate::books::bank::account::{BankAccount, BankLine};
use crate::books::payment::MethodKind;
use crate::engine::host::{Core, EngineError};
use crate::store::matches::{fee_line_key, over_short_line_key};

/// Card payments this many days before the first bank line may still be paid in it.
const LEAD_DAYS: i64 = 30;

/// Everything one run of the matcher saw, to turn into a view or a decision.
pub(super) struct Loaded {
    pub(super) account: BankAccount,
    /// Every line of the account, oldest first.
    pub(super) lines: Vec<BankLine>,
    /// The lines no match holds, as the matcher reads them (`key` is the line's key).
    pub(super) open: Vec<BankEntry>,
    pub(super) payments: Vec<CardPayment>,
    /// Cash payments' keys by day, for the days a cash match claims.
    cash_keys: BTreeMap<NaiveDate, Vec<String>>,
    pub(super) suggestions: Suggestions,
    pub(super) claims: HashMap<String, String>,
    pub(super) matches: HashMap<String, Match>,
}

impl Loaded {
    pub(super) fn inputs(&self) -> Inputs<'_> {
        Inputs {
            lines: &self.open,
            payments: &self.payments,
        }
    }

    pub(super) fn cash_keys_of(&self, day: NaiveDate) -> Vec<String> {
        self.cash_keys.get(&day).cloned().unwrap_or_default()
    }
}

impl Core {
    /// The account (or the only one) reconciled as far as it goes.
    pub async fn reconcile_view(
        &self,
        account: Option<String>,
    ) -> Result<ReconcileView, EngineError> {
        let _one_at_a_time = self.reconciling();
        let loaded = self.load_reconciliation(account.as_deref())?;
        self.keep_standing_of(&loaded);
        self.view_of(&loaded)
    }

    /// Accepts `candidate`, one the matcher offers, for `line`; the new match's id. A name the
    /// matcher no longer offers (the books changed since it was shown) is refused: what would
    /// be posted is not what the person saw.
    pub async fn accept_match(
        &self,
        account: Option<String>,
        line: String,
        candidate: CandidateRef,
    ) -> Result<String, EngineError> {
        let _one_at_a_time = self.reconciling();
        let loaded = self.load_reconciliation(account.as_deref())?;
        let index = open_line(&loaded, &line)?;
        let chosen = offered(&loaded, index, &candidate).ok_or_else(|| {
            EngineError::Invalid(
                "that suggestion no longer fits this line (the books changed since it was shown): look at the line again".into(),
            )
        })?;
        let posting = posting_of_candidate(&loaded, index, chosen);
        let id = self.post_match(&loaded, posting, AcceptedBy::Person)?;
        self.keep_standing_of_account(&loaded.account.key);
        Ok(id)
    }

    /// Business days a processor may take to pay a batch, as the matcher reads them.
    pub(super) fn max_lag(&self) -> u32 {
        self.inner.config.books.payout_days.clamp(1, 30)
    }

    /// Accepts every best suggestion at least this confident; how many.
    pub async fn accept_above(
        &self,
        account: Option<String>,
        at_least: f64,
    ) -> Result<u64, EngineError> {
        if !(0.0..=1.0).contains(&at_least) || at_least.is_nan() {
            return Err(EngineError::Invalid(format!(
                "a confidence is between 0 and 1 (0.95 is 95%), not {at_least}"
            )));
        }
        let _one_at_a_time = self.reconciling();
        let loaded = self.load_reconciliation(account.as_deref())?;
        let mut accepted = 0;
        let mut posted: HashSet<usize> = HashSet::new();
        for suggestion in &loaded.suggestions.lines {
            let Some(best) = &suggestion.best else {
                continue;
            };
            // A batch paid in two is one match, found from both of its lines.
            if best.confidence < at_least || posted.contains(&suggestion.line) {
                continue;
            }
            if let Paid::Card {
                with: Some(other), ..
            } = &best.paid
            {
                posted.insert(*other);
            }
            posted.insert(suggestion.line);
            self.post_match(
                &loaded,
                posting_of_candidate(&loaded, suggestion.line, best),
                AcceptedBy::Threshold { at_least },
            )?;
            accepted += 1;
        }
        if accepted > 0 {
            self.keep_standing_of_account(&loaded.account.key);
        }
        Ok(accepted)
    }

    /// Remembers that `candidate` is not what `line` pays: it is not offered for it again.
    pub async fn reject_match(
        &self,
        line: String,
        candidate: CandidateRef,
    ) -> Result<(), EngineError> {
        let _one_at_a_time = self.reconciling();
        self.inner
            .store
            .reject_candidate(&line, &naming::name_text(&candidate))?;
        // A rejected exact payout no longer counts as seen in a deposit.
        self.keep_every_standing();
        Ok(())
    }

    /// Takes an accepted match back, with its fee line; false when there was none.
    pub async fn undo_match(&self, id: String) -> Result<bool, EngineError> {
        let _one_at_a_time = self.reconciling();
        let store = &self.inner.store;
        let Some(undone) = store.undo_match(&id)? else {
            return Ok(false);
        };
        if let Some(fee_line) = undone.fee_transaction {
            store.remove_transactions(&[fee_line])?;
        }
        self.keep_standing_of_account(&undone.account);
        Ok(true)
    }

    pub(super) fn load_reconciliation(&self, account: Option<&str>) -> Result<Loaded, EngineError> {
        let store = &self.inner.store;
        self.mend_fee_lines()?;
        let accounts = store.bank_accounts()?;
        let account = match account {
            Some(wanted) => accounts
                .into_iter()
                .find(|a| a.key == wanted || a.name == wanted)
                .ok_or_else(|| EngineError::Invalid(format!(
                    "no bank account called {wanted}: `legion-hub import bank FILE --account {wanted}` makes it"
                )))?,
            None => {
                let mut accounts = accounts;
                match accounts.len() {
                    0 => return Err(EngineError::Invalid(
                        "no bank statement imported yet: `legion-hub import bank FILE` brings one in".into(),
                    )),
                    1 => accounts.remove(0),
                    _ => return Err(EngineError::Invalid(format!(
                        "there are {} bank accounts: say which with --account ({})",
                        accounts.len(),
                        accounts.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(", ")
                    ))),
                }
            }
        };
        // Every line of the account: from year 1 to 9999 (the store's day keys are dates a bank
        // can print).
        let (first_day, last_day) = (
            NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
        );
        let lines = store.bank_lines_between(&account.key, first_day, last_day)?;
        let claims = store.claims()?;
        let matches: HashMap<String, Match> = store
            .matches()?
            .into_iter()
            .filter(|m| m.account == account.key)
            .map(|m| (m.id.clone(), m))
            .collect();
        let every_line: Vec<BankEntry> = lines
            .iter()
            .map(|l| BankEntry {
                key: l.key.clone(),
                date: l.date,
                amount: l.amount,
                text: format!("{} {}", l.payee, l.memo),
                parts: (l.parts.len() as u32).max(1),
            })
            .collect();
        let open: Vec<BankEntry> = every_line
            .iter()
            .filter(|l| !claims.contains_key(&l.key))
            .cloned()
            .collect();
        let (first, last) = match (lines.first(), lines.last()) {
            (Some(f), Some(l)) => (f.date, l.date),
            _ => {
                let today = chrono::Local::now().date_naive();
                (today, today)
            }
        };
        let from = (first - Duration::days(LEAD_DAYS))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default();
        let to = (last + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default();
        let every_payment: Vec<CardPayment> = store
            .card_transactions_between(from, to)?
            .into_iter()
            // An account a chain's one site pays into waits for that site's takings alone.
            .filter(|t| t.settled && of_site(account.site.as_deref(), &t.key))
            .map(|t| CardPayment {
                merchant: t.merchant_id.clone().unwrap_or_default(),
                at: t.time,
                amount: t.amount,
                card_type: if t.ach {
                    "ACH".into()
                } else {
                    t.card_type.clone().unwrap_or_else(|| "card".into())
                },
                key: t.key,
            })
            .collect();
        let payments: Vec<CardPayment> = every_payment
            .iter()
            .filter(|p| !claims.contains_key(&p.key))
            .cloned()
            .collect();
        let mut cash_keys: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
        let mut cash: Vec<CashTaking> = Vec::new();
        for method in [MethodKind::Cash, MethodKind::Check] {
            for payment in store.payments_by_method(method, from, to)? {
                if claims.contains_key(&payment.key)
                    || !of_site(account.site.as_deref(), &payment.key)
                {
                    continue;
                }
                let day = payment.date.date();
                cash.push(CashTaking {
                    day,
                    amount: payment.amount,
                    count: 1,
                });
                cash_keys.entry(day).or_default().push(payment.key);
            }
        }
        let rejected = store.rejected_candidates()?;
        let settings = Settings {
            currency: account.currency.clone(),
            max_lag: self.max_lag(),
            learn_from: Some(History {
                payments: every_payment,
                lines: every_line,
            }),
            ..Settings::default()
        };
        let suggestions = suggest::suggest(
            &payments,
            &cash,
            &open,
            &settings,
            &|line, paid, clearing, pile| {
                if rejected.is_empty() {
                    return false;
                }
                let name = naming::name_parts(paid, clearing, pile, &open, &payments);
                rejected.contains(&(open[line].key.clone(), naming::name_text(&name)))
            },
        );
        Ok(Loaded {
            account,
            lines,
            open,
            payments,
            cash_keys,
            suggestions,
            claims,
            matches,
        })
    }

    /// Saves the match and posts its books line (the fee, or a cash deposit's over or short).
    pub(super) fn post_match(
        &self,
        loaded: &Loaded,
        posting: Posting,
        accepted_by: AcceptedBy,
    ) -> Result<String, EngineError> {
        let store = &self.inner.store;
        let id = store.next_match_id()?;
        let Some(&first) = posting.lines.first() else {
            return Err(EngineError::Invalid("a match needs a bank line".into()));
        };
        let bank_line = &loaded.open[first];
        let banked = posting.lines.iter().map(|&l| loaded.open[l].amount).sum();
        let mut accepted = Match {
            id: id.clone(),
            account: loaded.account.key.clone(),
            lines: posting
                .lines
                .iter()
                .map(|&l| loaded.open[l].key.clone())
                .collect(),
            kind: posting.kind,
            payments: posting.payments,
            gross: posting.gross,
            fee: posting.fee,
            banked,
            currency: loaded.account.currency.clone(),
            fee_transaction: None,
            reason: posting.reason,
            confidence: posting.confidence,
            accepted_by,
            accepted_at: Utc::now(),
        };
        accepted.fee_transaction = match accepted.kind {
            MatchKind::Cash { .. } => {
                (!accepted.difference().is_zero()).then(|| over_short_line_key(&id))
            }
            _ => (!accepted.fee.is_zero()).then(|| fee_line_key(&id)),
        };
        if let Some(claimed) = store.accept_match(&accepted)? {
            return Err(EngineError::Invalid(format!(
                "{} is matched already ({}): undo that match first",
                claimed.key, claimed.by
            )));
        }
        if let Some(fee_line) = fee_line_of(&accepted, bank_line.date) {
            store.upsert_transactions(&[fee_line], false)?;
        }
        Ok(id)
    }

    /// Posts the fee lines a crash left unposted, and removes those whose match is gone.
    fn mend_fee_lines(&self) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let (missing, orphans) = store.fee_lines_to_mend()?;
        if !orphans.is_empty() {
            store.remove_transactions(&orphans)?;
        }
        let lines: Vec<Transaction> = missing
            .iter()
            .filter_map(|m| {
                let day = store
                    .bank_line(m.lines.first()?)
                    .ok()
                    .flatten()
                    .map(|l| l.date)
                    .unwrap_or_else(|| m.accepted_at.date_naive());
                fee_line_of(m, day)
            })
            .collect();
        if !lines.is_empty() {
            store.upsert_transactions(&lines, false)?;
        }
        Ok(())
    }

    fn view_of(&self, loaded: &Loaded) -> Result<ReconcileView, EngineError> {
        let inputs = loaded.inputs();
        let suggestions = &loaded.suggestions;
        let open_index: HashMap<&str, usize> = loaded
            .open
            .iter()
            .enumerate()
            .map(|(i, l)| (l.key.as_str(), i))
            .collect();
        let mut views: Vec<LineView> = loaded
            .lines
            .iter()
            .map(|line| {
                let (state, others) = match open_index.get(line.key.as_str()) {
                    Some(&i) => {
                        let suggestion = &suggestions.lines[i];
                        let others = suggestion
                            .others
                            .iter()
                            .map(|c| naming::view_of(c, suggestions, &inputs))
                            .collect();
                        let state = match &suggestion.best {
                            Some(best) => LineState::Suggested {
                                best: naming::view_of(best, suggestions, &inputs),
                            },
                            None => LineState::Unmatched,
                        };
                        (state, others)
                    }
                    None => {
                        let by = loaded.claims.get(&line.key).cloned().unwrap_or_default();
                        let found = loaded.matches.get(&by);
                        (
                            LineState::Matched {
                                reason: found.map(|m| m.reason.clone()).unwrap_or_default(),
                                fee: found.map(|m| m.fee).unwrap_or_default(),
                                over_short: found
                                    .filter(|m| matches!(m.kind, MatchKind::Cash { .. }))
                                    .map(|m| m.difference())
                                    .unwrap_or_default(),
                                match_id: by,
                            },
                            Vec::new(),
                        )
                    }
                };
                LineView {
                    key: line.key.clone(),
                    date: line.date,
                    amount: line.amount,
                    payee: line.payee.clone(),
                    memo: line.memo.clone(),
                    state,
                    others,
                }
            })
            .collect();
        // Unmatched first (suggested, then with nothing), newest first within each.
        let rank = |v: &LineView| match v.state {
            LineState::Suggested { .. } => 0,
            LineState::Unmatched => 1,
            LineState::Matched { .. } => 2,
        };
        views.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then(b.date.cmp(&a.date))
                .then(a.key.cmp(&b.key))
        });
        let standing = standing_of(loaded);
        let today = chrono::Local::now().date_naive();
        let after_days = self.inner.config.books.deposit_overdue_days;
        Ok(ReconcileView {
            account: loaded.account.key.clone(),
            site: loaded.account.site.clone(),
            currency: loaded.account.currency.clone(),
            unreconciled: standing.unreconciled,
            unreconciled_sum: standing.unreconciled_sum,
            unreconciled_oldest: standing.unreconciled_oldest,
            fees: fee_views(suggestions),
            batches_close: suggestions
                .clearing
                .cutoff
                .map_or_else(|| "midnight".to_string(), |t| t.format("%H:%M").to_string()),
            overdue: standing.overdue(today, after_days),
            lines: views,
        })
    }
}

/// What is about to become a match: indexes of its open lines (the first is the one accepted),
/// what it claims and its amounts.
pub(super) struct Posting {
    pub(super) lines: Vec<usize>,
    pub(super) kind: MatchKind,
    pub(super) payments: Vec<String>,
    pub(super) gross: Decimal,
    pub(super) fee: Decimal,
    pub(super) reason: String,
    pub(super) confidence: f64,
}

/// What a cash match of these days of the pile (indexes) is, and the payments it claims.
pub(super) fn cash_claim(loaded: &Loaded, days: &[usize]) -> (MatchKind, Vec<String>) {
    let days: Vec<NaiveDate> = days
        .iter()
        .map(|&d| loaded.suggestions.pile.days[d].day)
        .collect();
    let payments = days.iter().flat_map(|&d| loaded.cash_keys_of(d)).collect();
    (MatchKind::Cash { days }, payments)
}

/// The line's index among the open lines, or why it is not open.
pub(super) fn open_line(loaded: &Loaded, line: &str) -> Result<usize, EngineError> {
    loaded
        .open
        .iter()
        .position(|l| l.key == line)
        .ok_or_else(|| match loaded.claims.get(line) {
            Some(by) => EngineError::Invalid(format!(
                "that bank line is matched already ({by}): undo that match first"
            )),
            None => EngineError::Invalid(format!("no bank line {line} in this account")),
        })
}

/// The candidate the matcher offers open line `index` under this name, if it offers one.
pub(super) fn offered<'a>(
    loaded: &'a Loaded,
    index: usize,
    name: &CandidateRef,
) -> Option<&'a Candidate> {
    let inputs = loaded.inputs();
    let suggestion = loaded.suggestions.lines.get(index)?;
    suggestion
        .best
        .iter()
        .chain(suggestion.others.iter())
        .find(|c| naming::name_of(&c.paid, &loaded.suggestions, &inputs) == *name)
}

/// A candidate the matcher offered for open line `line`, as a posting.
pub(super) fn posting_of_candidate(loaded: &Loaded, line: usize, chosen: &Candidate) -> Posting {
    let suggestions = &loaded.suggestions;
    let (kind, lines, payments, gross, fee) = match &chosen.paid {
        Paid::Card {
            merchant,
            batches,
            gross,
            fee,
            ..
        } => (
            MatchKind::Card {
                merchant: merchant.clone(),
                days: suggestions.clearing.deposits[batches.clone()]
                    .iter()
                    .map(|b| b.day)
                    .collect(),
            },
            std::iter::once(line)
                .chain(suggestions.other_half(line, &chosen.paid))
                .collect(),
            suggestions
                .payments_of(batches)
                .map(|p| loaded.payments[p].key.clone())
                .collect(),
            *gross,
            *fee,
        ),
        Paid::Cash { days, amount } => {
            let (kind, payments) = cash_claim(loaded, days);
            (kind, vec![line], payments, *amount, Decimal::ZERO)
        }
        Paid::Chargeback { payment, fee } => (
            MatchKind::Chargeback,
            vec![line],
            vec![loaded.payments[*payment].key.clone()],
            -loaded.payments[*payment].amount,
            *fee,
        ),
    };
    Posting {
        lines,
        kind,
        payments,
        gross,
        fee,
        reason: chosen.reason.clone(),
        confidence: chosen.confidence,
    }
}

pub(super) fn fee_views(suggestions: &Suggestions) -> Vec<FeeView> {
    suggestions
        .fees
        .iter()
        .map(|(merchant, model)| FeeView {
            merchant: merchant.clone(),
            words: model.words(),
            fits: model.fits,
        })
        .collect()
}

/// The card charges (not refunds) seen in no deposit yet: not in an accepted match (those are
/// not in `payments` at all) nor in a payout the matcher found exactly (a deposit seen, waiting
/// only for a yes, even when the line fits something else as exactly). Only those of the
/// merchant accounts that pay into this bank account (one of their payouts is matched or found
/// exactly here as a line's best): a savings account no processor pays into waits for no card
/// sale.
pub(super) fn not_yet_deposited(loaded: &Loaded) -> impl Iterator<Item = &CardPayment> {
    let suggestions = &loaded.suggestions;
    let seen = suggestions.payments_found_exactly();
    let paying_here: HashSet<&str> = suggestions
        .lines
        .iter()
        .filter_map(|s| s.best.as_ref())
        .filter(|best| best.exact)
        .filter_map(|best| match &best.paid {
            Paid::Card { merchant, .. } => Some(merchant.as_str()),
            _ => None,
        })
        .chain(loaded.matches.values().filter_map(|m| match &m.kind {
            MatchKind::Card { merchant, .. } => Some(merchant.as_str()),
            _ => None,
        }))
        .collect();
    loaded
        .payments
        .iter()
        .enumerate()
        .filter(move |(index, p)| {
            !seen.contains(index)
                && p.amount > Decimal::ZERO
                && paying_here.contains(p.merchant.as_str())
        })
        .map(|(_, p)| p)
}

/// What the account comes to, for the glance: its unmatched credits, and the card sales no
/// deposit has paid by day, from the first day the statements cover (before it, the bank's side
/// is unknown).
pub(super) fn standing_of(loaded: &Loaded) -> BankStanding {
    let covered = loaded
        .lines
        .first()
        .zip(loaded.lines.last())
        .map(|(f, l)| (f.date, l.date));
    let credits: Vec<&BankLine> = loaded
        .lines
        .iter()
        .filter(|l| l.amount > Decimal::ZERO && !loaded.claims.contains_key(&l.key))
        .collect();
    BankStanding {
        account: loaded.account.key.clone(),
        name: loaded.account.name.clone(),
        currency: loaded.account.currency.clone(),
        unreconciled: credits.len() as u64,
        unreconciled_sum: credits.iter().map(|l| l.amount).sum(),
        unreconciled_oldest: credits.iter().map(|l| l.date).min(),
        waiting: waiting_days(
            not_yet_deposited(loaded)
                .map(|p| (p.at.date(), p.amount))
                .filter(|(day, _)| covered.is_some_and(|(from, _)| *day >= from)),
        ),
        covered,
        figured_at: Utc::now(),
    }
}

/// The books line a match posts, dated the day its bank line was booked: a card match's fee (or
/// a chargeback's dispute fee) as an expense, a cash deposit's difference from its days as over
/// (income) or short (an expense).
fn fee_line_of(accepted: &Match, day: NaiveDate) -> Option<Transaction> {
    let key = accepted.fee_transaction.clone()?;
    let (description, amount, class) = match &accepted.kind {
        MatchKind::Card { merchant, days } => (
            format!(
                "Card processing fees, merchant {merchant}, {}",
                super::groups::day_list(days)
            ),
            -accepted.fee,
            FEES_CLASS,
        ),
        MatchKind::Chargeback => ("Chargeback fee".to_string(), -accepted.fee, FEES_CLASS),
        MatchKind::Cash { days } => (
            format!(
                "Cash {} in the deposit of {}",
                if accepted.difference() < Decimal::ZERO {
                    "short"
                } else {
                    "over"
                },
                super::groups::day_list(days)
            ),
            accepted.difference(),
            CASH_OVER_SHORT_CLASS,
        ),
    };
    Some(Transaction {
        key,
        date: day.and_hms_opt(0, 0, 0).unwrap_or_default(),
        amount,
        tax: Decimal::ZERO,
        discount: Decimal::ZERO,
        currency: accepted.currency.clone(),
        description,
        category_id: None,
        class: Some(class.to_string()),
        customer: None,
        source: crate::books::transaction::BOOKS_SOURCE.into(),
        returned: false,
        settlement: None,
        location_id: None,
        payment_method: None,
        contract: None,
        synced_at: Utc::now(),
    })
}
