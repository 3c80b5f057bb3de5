//! `e` on the Reconcile screen: the selected line's group put together by hand. The overlay lists
//! what the line could pay (the engine's choices, the best suggestion's days ticked); Space ticks
//! and unticks, the running figures come from the choices at once and the engine's reason in
//! words follows in the background; Enter accepts the ticked group, Esc leaves it as it was.

use crate::api::reconcile::{
    CandidateRef, CandidateView, GroupChoices, GroupFigures, GroupMixed, LineState,
};
use crate::tui::action::{Action, Request};
use crate::tui::overlay::{Overlay, Step};
use crate::tui::screens::context::Outbox;

#[derive(Debug, Clone, PartialEq)]
pub struct GroupEdit {
    /// The bank account on show (None: the only one), and the line's key.
    pub account: Option<String>,
    pub line: String,
    /// How the line is named at the top ("Nov 14 · 1,204.18 · STRIPE TRANSFER").
    pub title: String,
    /// None while the engine works them out; why not, when it could not.
    pub choices: Option<Result<GroupChoices, String>>,
    /// Indexes into the choices.
    pub ticked: Vec<usize>,
    /// The row under the cursor.
    pub selected: usize,
    /// The group last sent to be worked out, and the engine's answer for it once it came.
    pub asked: Option<CandidateRef>,
    pub evaluated: Option<Result<CandidateView, String>>,
}

impl GroupEdit {
    /// The overlay for `line` of `account`, waiting for its choices; the request to make.
    pub fn open(account: Option<String>, line: String, title: String) -> (GroupEdit, Request) {
        let request = Request::LoadGroupChoices {
            account: account.clone(),
            line: line.clone(),
        };
        let edit = GroupEdit {
            account,
            line,
            title,
            choices: None,
            ticked: Vec::new(),
            selected: 0,
            asked: None,
            evaluated: None,
        };
        (edit, request)
    }

    fn loaded(&self) -> Option<&GroupChoices> {
        self.choices.as_ref().and_then(|c| c.as_ref().ok())
    }

    /// The ticked choices' figures against the line.
    pub fn figures(&self) -> Option<GroupFigures> {
        self.loaded().map(|choices| choices.figures(&self.ticked))
    }

    /// The group the ticks make, or why they make none.
    pub fn group(&self) -> Option<Result<CandidateRef, GroupMixed>> {
        self.loaded()
            .map(|choices| choices.candidate_of(&self.ticked))
    }

    /// The engine's view of the group ticked now, when it has answered for exactly these ticks.
    pub fn current_evaluation(&self) -> Option<&Result<CandidateView, String>> {
        let group = self.group()?.ok()?;
        (self.asked.as_ref() == Some(&group))
            .then_some(self.evaluated.as_ref())
            .flatten()
    }

    /// Moves (↑↓), ticks (Space), accepts (Enter) or leaves (Esc); None when the action is not
    /// the overlay's.
    pub(crate) fn update(&mut self, action: &Action, out: &mut Outbox) -> Option<Step> {
        let count = self.loaded().map_or(0, |c| c.choices.len());
        match *action {
            Action::Move(delta) => {
                let last = count.saturating_sub(1) as i64;
                self.selected = (self.selected as i64)
                    .saturating_add(delta)
                    .clamp(0, last.max(0)) as usize;
            }
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = count.saturating_sub(1),
            Action::ReconcileGroupToggle if self.selected < count => {
                match self.ticked.iter().position(|&i| i == self.selected) {
                    Some(at) => {
                        self.ticked.remove(at);
                    }
                    None => self.ticked.push(self.selected),
                }
                self.ask(out);
            }
            Action::Submit | Action::Open => return Some(self.accept(out)),
            Action::Back => {
                out.notify("Left the group as it was.", false);
                return Some(Step::Close);
            }
            _ => return None,
        }
        Some(Step::Stay)
    }

    /// Asks the engine to work out the group ticked now, unless it was the last one asked.
    fn ask(&mut self, out: &mut Outbox) {
        let Some(Ok(group)) = self.group() else {
            return;
        };
        if self.asked.as_ref() != Some(&group) {
            self.asked = Some(group.clone());
            self.evaluated = None;
            out.request(Request::EvaluateGroup {
                account: self.account.clone(),
                line: self.line.clone(),
                group,
            });
        }
    }

    fn accept(&mut self, out: &mut Outbox) -> Step {
        let Some(group) = self.group() else {
            return Step::Stay;
        };
        let group = match group {
            Ok(group) => group,
            Err(mixed) => {
                out.notify(mixed.to_string(), true);
                return Step::Stay;
            }
        };
        // Refused as it stands: say why here, and keep the ticks to mend.
        if let Some(Ok(CandidateView {
            refused: Some(why), ..
        })) = self.current_evaluation()
        {
            out.notify(why.clone(), true);
            return Step::Stay;
        }
        out.start(
            Request::AcceptGroup {
                account: self.account.clone(),
                line: self.line.clone(),
                group,
            },
            "Accepting the group…",
        );
        Step::Close
    }

    /// The line's choices arrived: the best suggestion's days are ticked to start from.
    pub(crate) fn choices_loaded(
        &mut self,
        answer: Result<GroupChoices, String>,
        out: &mut Outbox,
    ) {
        if let Ok(choices) = &answer {
            if choices.line != self.line {
                return;
            }
            self.ticked = (0..choices.choices.len())
                .filter(|&i| choices.choices[i].picked)
                .collect();
            self.selected = self.ticked.first().copied().unwrap_or(0);
        }
        self.choices = Some(answer);
        self.ask(out);
    }

    /// The engine worked out a group: kept when it is the one asked last.
    pub(crate) fn evaluated(&mut self, group: CandidateRef, answer: Result<CandidateView, String>) {
        if self.asked.as_ref() == Some(&group) {
            self.evaluated = Some(answer);
        }
    }
}

impl super::ReconcileScreen {
    /// `e`: the overlay for the selected line, unless it is matched already.
    pub(crate) fn edit_group(&self, out: &mut Outbox) {
        let (Some(view), Some(line)) = (&self.view, self.selected_line()) else {
            return;
        };
        if let LineState::Matched { match_id, .. } = &line.state {
            out.notify(
                format!("This line is matched already ({match_id}): u undoes it first."),
                true,
            );
            return;
        }
        let title = format!(
            "{} · {} · {}",
            line.date.format("%b %-d"),
            crate::format::money(line.amount, &view.currency),
            line.payee
        );
        // The account the lines come from: the view names it even when the screen was opened on
        // the only one.
        let (edit, request) = GroupEdit::open(Some(view.account.clone()), line.key.clone(), title);
        out.open(Overlay::GroupEdit(Box::new(edit)));
        out.request(request);
    }
}
