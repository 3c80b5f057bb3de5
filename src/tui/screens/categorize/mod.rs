//! Categorization (`7`): bank lines and transactions without a financial class on the left,
//! each with the class suggested for it (by the user's rule, an earlier answer for the same
//! payee, or Gemini) and how sure it is; on the right the selected one's original text, cleaned
//! payee, reason and source, and what the last run asked of Gemini and what it cost. Nothing is
//! applied unseen: Enter accepts (←→ picks another class first), `r` accepts and makes a rule of
//! it, `x` rejects, `u` takes a decision back, `A` accepts every suggestion at least as sure as
//! the threshold (`+`/`-` move it), after a question. `g` runs categorization: rules and the
//! cache at once, Gemini only after a question that says how many requests and tokens it takes.

mod keys;
mod state;
pub(crate) mod update;
pub(crate) mod view;

pub use keys::KEYS;
pub use state::CategorizeScreen;
