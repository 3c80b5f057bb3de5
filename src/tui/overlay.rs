//! What sits on top of the screen, and what the keys mean while it is open. The open overlay is
//! asked first (`Overlay::update`); what it does not take goes to the screen, then to the app.
//! The `/` filter and the `:` palette are the app's to handle (they change the screen below or
//! run the app's commands); the others mean their keys here.

use tui_input::Input;

use super::action::Action;
use super::confirm::Confirm;
use super::form::Form;
use super::screens::context::Outbox;
use super::screens::hub::ConnectView;
use super::screens::reconcile::import::{self, ImportView};
use super::screens::transactions::MappingView;

#[derive(Debug, Clone, Default)]
pub enum Overlay {
    #[default]
    None,
    /// `/`: typing a filter for the list on screen (applied as you type).
    Filter(Input),
    /// `:`: a command line with suggestions.
    Palette(Input),
    /// The keys, scrolled this many lines (for small terminals).
    Help(u16),
    /// A read-only text: `:status`, or the details of a sync run.
    Popup(Popup),
    /// `c`: the selected integration's settings.
    Form(Box<Form>),
    /// `o`: a sign-in under way.
    Connect(Box<ConnectView>),
    /// `m`: revenue categories and the financial classes they map to.
    Mapping(Box<MappingView>),
    /// `i` on the Reconcile screen: a bank statement to import.
    Import(Box<ImportView>),
    /// `x` and other keys that cannot be undone: the question first.
    Confirm(Box<Confirm>),
    /// The demo's first screen: the three things to try. It takes no keys of its own: the
    /// first key closes it and does what it always does.
    Welcome,
    /// `e` on the Reconcile screen: a bank line's group put together by hand.
    GroupEdit(Box<super::screens::reconcile::GroupEdit>),
    /// `e` on the Reports screen's budget: a class's budget to type.
    BudgetEdit(Box<super::screens::reports::BudgetEdit>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Popup {
    pub title: String,
    pub body: String,
    pub scroll: u16,
}

/// Whether an overlay stays open after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Stay,
    Close,
}

impl Overlay {
    /// Takes the action if it is this overlay's; hands it back otherwise. An open overlay takes
    /// every movement and every click, so nothing moves unseen beneath it.
    pub fn update(&mut self, action: Action, out: &mut Outbox) -> Option<Action> {
        let step = match self {
            Overlay::None | Overlay::Welcome | Overlay::Filter(_) | Overlay::Palette(_) => {
                return Some(action);
            }
            // The ends of a text that scrolls.
            Overlay::Help(_) | Overlay::Popup(_)
                if matches!(action, Action::Top | Action::Bottom) =>
            {
                let delta = if action == Action::Top {
                    i64::MIN / 2
                } else {
                    i64::MAX / 2
                };
                return self.update(Action::Move(delta), out);
            }
            Overlay::Help(scroll) => match action {
                Action::Move(delta) => {
                    let most = super::keymap::help().len() as i64;
                    *scroll = (*scroll as i64 + delta).clamp(0, most) as u16;
                    Step::Stay
                }
                other => return swallow_pointer(other),
            },
            Overlay::Popup(popup) => match action {
                Action::Move(delta) | Action::Scroll { delta, .. } => {
                    let lines = popup.body.lines().count() as i64;
                    popup.scroll = (popup.scroll as i64 + delta).clamp(0, lines.max(0)) as u16;
                    Step::Stay
                }
                Action::Back => Step::Close,
                other => return swallow_pointer(other),
            },
            Overlay::Confirm(confirm) => match action {
                // `y` makes the request; Back (every other key) closes the question.
                Action::Confirm => {
                    out.start(confirm.request.clone(), &confirm.working);
                    Step::Close
                }
                Action::Back => {
                    out.notify(confirm.cancelled.clone(), false);
                    Step::Close
                }
                other => return swallow_pointer(other),
            },
            Overlay::Form(form) => {
                match super::screens::hub::settings::update(form, &action, out) {
                    Some(step) => step,
                    None => return swallow_pointer(action),
                }
            }
            Overlay::Connect(view) => match view.update(&action, out) {
                Some(step) => step,
                None => return swallow_pointer(action),
            },
            Overlay::Mapping(view) => match view.update(&action, out) {
                Some(step) => step,
                None => return swallow_pointer(action),
            },
            Overlay::Import(view) => match view.update(&action, out) {
                Some(step) => step,
                None => return swallow_pointer(action),
            },
            Overlay::GroupEdit(edit) => match edit.update(&action, out) {
                Some(step) => step,
                None => return swallow_pointer(action),
            },
            Overlay::BudgetEdit(edit) => match edit.update(&action, out) {
                Some(step) => step,
                None => return swallow_pointer(action),
            },
        };
        if step == Step::Close {
            *self = Overlay::None;
        }
        None
    }

    /// An answer to a request an overlay made (the models for the form, the categories, a
    /// refused address, a sign-in that could not start); it is dropped when the overlay that
    /// asked has been closed.
    pub fn on_answer(&mut self, action: Action, out: &mut Outbox) {
        match (action, &mut *self) {
            (Action::GeminiModelsLoaded(models), Overlay::Form(form)) => {
                super::screens::hub::settings::models_loaded(form, models)
            }
            (Action::CategoriesLoaded(categories), Overlay::Mapping(view)) => {
                view.categories_loaded(categories)
            }
            (Action::PasteRejected(message), Overlay::Connect(view)) => view.rejected(message),
            (Action::BankImport(answer), Overlay::Import(view)) => view.answered(&answer, out),
            (Action::BankImport(answer), _) => import::said_closed(&answer, out),
            (Action::GroupChoicesLoaded(answer), Overlay::GroupEdit(edit)) => {
                edit.choices_loaded(*answer, out)
            }
            (Action::BudgetSaved(answer), Overlay::BudgetEdit(edit)) => {
                let step = edit.saved(*answer, out);
                if step == Step::Close {
                    *self = Overlay::None;
                }
            }
            (Action::BudgetSaved(answer), _) => {
                super::screens::reports::budget_edit::said_closed(*answer, out)
            }
            (Action::GroupEvaluated(answer), Overlay::GroupEdit(edit)) => {
                let (group, answer) = *answer;
                edit.evaluated(group, answer)
            }
            (Action::ConnectFailed(message), _) => {
                if matches!(self, Overlay::Connect(_)) {
                    *self = Overlay::None;
                }
                out.notify(message, true);
            }
            _ => {}
        }
    }

    /// The engine's news for the sign-in overlay: the address is ready, or it is over.
    pub fn on_event(&mut self, event: &crate::api::Event) {
        match event {
            crate::api::Event::ConnectWaiting { sign_in, site, .. } => {
                if let Overlay::Connect(view) = self
                    && view.site == *site
                {
                    view.sign_in = Some(sign_in.clone());
                }
            }
            crate::api::Event::ConnectFinished { site, .. } => {
                if matches!(self, Overlay::Connect(view) if view.site == *site) {
                    *self = Overlay::None;
                }
            }
            _ => {}
        }
    }
}

/// Movement, pages and the mouse stop at an open overlay; anything else goes on.
pub(crate) fn swallow_pointer(action: Action) -> Option<Action> {
    match action {
        Action::Move(_)
        | Action::Page(_)
        | Action::Top
        | Action::Bottom
        | Action::Open
        | Action::Click { .. }
        | Action::Scroll { .. } => None,
        other => Some(other),
    }
}
