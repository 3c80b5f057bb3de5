//! The import overlay (`i` on the Reconcile screen): a bank statement file, with Tab completing
//! its path as a shell does ([`complete`]), the account it belongs to and, for a new account
//! whose file does not say, its currency. Enter reads and imports it in the background
//! ([`job`]) while the overlay says so; a CSV with no rules kept for the account shows the
//! guess first, to keep (Enter) or not (Esc); then what the import did, or why nothing was
//! stored.

pub mod complete;
pub mod job;
pub mod view;

use std::path::PathBuf;

use ratatui::crossterm::event::{Event as TermEvent, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::{CsvRules, KeptRules, summary_headline, summary_words};
use crate::tui::action::{Action, Request};
use crate::tui::overlay::Step;
use crate::tui::screens::context::Outbox;
use job::{ImportAnswer, ImportJob};

/// The overlay's fields, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    File,
    Account,
    Currency,
}

impl Field {
    const ALL: [Field; 3] = [Field::File, Field::Account, Field::Currency];
}

/// Where the import is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// The fields are being filled in.
    Editing,
    /// The file is being read and imported in the background: `file` names it.
    Working { file: String },
    /// A CSV with no rules kept for the account: the guess in words, scrolled this far.
    Confirming {
        words: Vec<String>,
        rules: CsvRules,
        scroll: u16,
    },
    /// What the import did, scrolled this far.
    Done { words: Vec<String>, scroll: u16 },
}

#[derive(Debug, Clone)]
pub struct ImportView {
    pub file: Input,
    pub account: Input,
    pub currency: Input,
    pub focus: Field,
    pub stage: Stage,
    /// The names a second Tab listed (empty until then).
    pub choices: Vec<String>,
    /// Under the fields: what Tab found, or why Enter did not import (is it an error).
    pub note: Option<(String, bool)>,
    /// The file field's text when Tab last left several names to choose from: Tab again on
    /// the same text lists them.
    tabbed: Option<String>,
    kept: Option<KeptRules>,
    home: Option<PathBuf>,
}

impl ImportView {
    /// The overlay for `account` (the one on screen, if any).
    pub fn new(account: Option<&str>, kept: Option<KeptRules>) -> ImportView {
        ImportView {
            file: Input::default(),
            account: Input::new(account.unwrap_or_default().to_string()),
            currency: Input::default(),
            focus: Field::File,
            stage: Stage::Editing,
            choices: Vec::new(),
            note: None,
            tabbed: None,
            kept,
            home: complete::home(),
        }
    }

    /// The home folder `~` stands for (tests give their own).
    pub fn with_home(mut self, home: Option<PathBuf>) -> ImportView {
        self.home = home;
        self
    }

    pub fn editing(&self) -> bool {
        self.stage == Stage::Editing
    }

    pub fn input(&self, field: Field) -> &Input {
        match field {
            Field::File => &self.file,
            Field::Account => &self.account,
            Field::Currency => &self.currency,
        }
    }

    fn input_mut(&mut self, field: Field) -> &mut Input {
        match field {
            Field::File => &mut self.file,
            Field::Account => &mut self.account,
            Field::Currency => &mut self.currency,
        }
    }

    /// Takes the overlay's actions; None when the action is not its own.
    pub(crate) fn update(&mut self, action: &Action, out: &mut Outbox) -> Option<Step> {
        match (&mut self.stage, action) {
            (Stage::Editing, Action::Edit(key)) => self.edit(*key),
            (Stage::Editing, Action::Complete) if self.focus == Field::File => self.complete(),
            (Stage::Editing, Action::Complete | Action::FormNext) => self.move_focus(1),
            (Stage::Editing, Action::FormPrev) => self.move_focus(-1),
            (Stage::Editing, Action::Submit) => self.start(None, out),
            (Stage::Editing, Action::Back) => {
                out.notify("Nothing imported.", false);
                return Some(Step::Close);
            }
            (Stage::Working { .. }, Action::Back) => {
                out.notify("The import goes on: what it did will show here.", false);
                return Some(Step::Close);
            }
            (Stage::Confirming { rules, .. }, Action::Submit) => {
                let rules = rules.clone();
                self.start(Some(rules), out);
            }
            (Stage::Confirming { .. }, Action::Back) => {
                self.stage = Stage::Editing;
                self.note = Some(("Nothing kept, nothing imported.".into(), false));
            }
            (
                Stage::Confirming { words, scroll, .. } | Stage::Done { words, scroll },
                Action::Move(delta),
            ) => {
                let most = words.len() as i64;
                *scroll = (i64::from(*scroll) + delta).clamp(0, most) as u16;
            }
            (Stage::Done { .. }, Action::Back | Action::Submit) => return Some(Step::Close),
            _ => return None,
        }
        Some(Step::Stay)
    }

    fn edit(&mut self, key: KeyEvent) {
        self.input_mut(self.focus)
            .handle_event(&TermEvent::Key(key));
        self.choices.clear();
        self.note = None;
        self.tabbed = None;
    }

    fn move_focus(&mut self, delta: i64) {
        let at = Field::ALL
            .iter()
            .position(|f| *f == self.focus)
            .unwrap_or(0) as i64;
        let next = (at + delta).rem_euclid(Field::ALL.len() as i64) as usize;
        self.focus = Field::ALL.get(next).copied().unwrap_or(Field::File);
        self.choices.clear();
    }

    /// Tab in the file field: grow the path as far as the matches agree; a second Tab on names
    /// still to choose from lists them.
    fn complete(&mut self) {
        let typed = self.file.value().to_string();
        let done = complete::complete(&typed, self.home.as_deref(), complete::MAX_LISTED);
        self.note = done.note.map(|n| (n, false));
        let several = done.choices.len() > 1;
        if done.text == typed && several && self.tabbed.as_deref() == Some(typed.as_str()) {
            self.choices = done.choices;
            return;
        }
        self.choices.clear();
        self.tabbed = several.then(|| done.text.clone());
        if done.text != typed {
            self.file = Input::new(done.text);
        } else if several && self.note.is_none() {
            self.note = Some((
                format!(
                    "{} names start so: Tab again lists them",
                    done.choices.len()
                ),
                false,
            ));
        }
    }

    /// Enter: the import asked for, with the guess the user confirmed, if any.
    fn start(&mut self, confirmed: Option<CsvRules>, out: &mut Outbox) {
        let typed = self.file.value().trim().to_string();
        let account = self.account.value().trim().to_string();
        let refuse = |view: &mut ImportView, field, said: &str| {
            view.focus = field;
            view.note = Some((said.to_string(), true));
        };
        if typed.is_empty() {
            return refuse(
                self,
                Field::File,
                "Type the statement file's path (Tab completes it).",
            );
        }
        if account.is_empty() {
            return refuse(
                self,
                Field::Account,
                "Name the account the statement is of (Studio checking, say): a new name makes a new account.",
            );
        }
        let currency =
            Some(self.currency.value().trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
        let path = complete::expand(&typed, self.home.as_deref());
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(typed);
        self.choices.clear();
        self.note = None;
        self.stage = Stage::Working { file };
        out.request(Request::ImportBank(Box::new(ImportJob {
            path,
            account,
            currency,
            kept: self.kept.clone(),
            confirmed,
        })));
    }

    /// The background's answer, while the overlay is open.
    pub(crate) fn answered(&mut self, answer: &ImportAnswer, out: &mut Outbox) {
        if !matches!(self.stage, Stage::Working { .. }) {
            // The answer to an import started before this overlay was opened again: said on
            // the message line, leaving what is being typed here alone.
            match answer {
                ImportAnswer::Imported(summary) => out.notify(summary_headline(summary), false),
                ImportAnswer::Failed(said) => out.notify(said.clone(), true),
                ImportAnswer::NeedsRules { .. } => out.notify(
                    "The earlier file is a CSV without rules: import it again to see the guess.",
                    true,
                ),
            }
            return;
        }
        match answer {
            ImportAnswer::NeedsRules { words, rules } => {
                self.stage = Stage::Confirming {
                    words: words.clone(),
                    rules: rules.clone(),
                    scroll: 0,
                };
            }
            ImportAnswer::Imported(summary) => {
                self.stage = Stage::Done {
                    words: summary_words(summary),
                    scroll: 0,
                };
                out.notify(summary_headline(summary), false);
            }
            ImportAnswer::Failed(said) => {
                self.stage = Stage::Editing;
                self.note = Some((said.clone(), true));
            }
        }
    }
}

/// The answer said on the message line, when the overlay was closed before it came.
pub(crate) fn said_closed(answer: &ImportAnswer, out: &mut Outbox) {
    match answer {
        ImportAnswer::Imported(summary) => out.notify(summary_headline(summary), false),
        ImportAnswer::Failed(said) => out.notify(said.clone(), true),
        ImportAnswer::NeedsRules { .. } => out.notify(
            "The CSV's rules were guessed but not kept: press i and import it again to see and keep them.",
            true,
        ),
    }
}
