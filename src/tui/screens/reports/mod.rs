//! Reports (`6`): where the money comes from. Revenue by service type (financial class, with the
//! Mindbody categories beneath it) or by category, payment method or location, over the twelve
//! months ending at the month on show, as a table and as bars; that month against the month
//! before and the same month a year earlier, with refunds and discounts apart; and its days as a
//! sparkline. `←→` moves the month, `g` changes the grouping, Enter lists the transactions behind
//! the selected row's month. Everything is read from the daily totals the books keep, so a frame
//! costs the same whatever the size of the history.
//!
//! Tab turns to the cash flow: the members' autopays expected over the next 30, 60 or 90 days
//! (`d`) week by week and by payment method, beside what arrived over as many days before, and
//! the autopays at risk; `r` reads the members' contracts, asking first the first time (each
//! member is a billed call).
//!
//! Tab again turns to the budget: a month's budget per financial class beside what the class
//! made so far and is projected to make (and how the projection is made, in words); `e` sets the
//! selected class's budget in a box, `x` clears it.

mod budget;
pub mod budget_edit;
mod budget_view;
mod cash_flow_view;
mod keys;
mod revenue_view;
mod state;
pub(crate) mod update;
pub(crate) mod view;

pub use budget::BudgetTab;
pub use budget_edit::BudgetEdit;
pub use keys::{BUDGET_EDIT_KEYS, KEYS};
pub use state::{CashFlowView, Drill, HORIZONS, ReportsScreen, ReportsTab};
