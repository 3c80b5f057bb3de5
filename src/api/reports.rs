//! What the revenue reports show: the sales of a date range grouped by service (financial class,
//! with the provider's categories beneath), payment method or location, and cut into days, weeks
//! or months ([`RevenueReport`]); the Reports screen's month at a glance ([`RevenueOverview`]);
//! and the transactions behind one of its cells ([`RevenueCell`]). Every amount is exact, in one
//! currency (never added across currencies), and refunds and discounts are shown apart from sales.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::books::Transaction;

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// The financial class (in the overview, with its categories beneath).
    Class,
    /// The provider's revenue category, by its name.
    Category,
    /// How the sale was paid (card, cash, ..., split when several ways).
    Method,
    /// The studio location.
    Location,
    /// The site (a Mindbody site, each a studio of a chain): every site's sales side by side.
    Site,
}

impl Grouping {
    pub const ALL: [Grouping; 5] = [
        Grouping::Class,
        Grouping::Category,
        Grouping::Method,
        Grouping::Location,
        Grouping::Site,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Grouping::Class => "class",
            Grouping::Category => "category",
            Grouping::Method => "method",
            Grouping::Location => "location",
            Grouping::Site => "site",
        }
    }

    pub fn parse(text: &str) -> Option<Grouping> {
        Grouping::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The grouping after this one (the screen's `g` goes round them).
    pub fn next(self) -> Grouping {
        match self {
            Grouping::Class => Grouping::Category,
            Grouping::Category => Grouping::Method,
            Grouping::Method => Grouping::Location,
            Grouping::Location => Grouping::Site,
            Grouping::Site => Grouping::Class,
        }
    }
}

/// The columns of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    /// Weeks start on Monday.
    Week,
    Month,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Day, Period::Week, Period::Month];

    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn parse(text: &str) -> Option<Period> {
        Period::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// The sales of one cell, in its report's currency. `net = sales - refunds`, exactly the sum
/// of the transactions' amounts; `refunds` is positive (what was given back).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    pub sales: Decimal,
    pub refunds: Decimal,
    pub discounts: Decimal,
    pub tax: Decimal,
    pub net: Decimal,
    /// Transactions (items sold or returned).
    pub count: u64,
}

/// One group, named so a cell can be drilled into: `None` is the group of sales without one
/// (no class, no category, no method or location said). A category or location is its
/// account's (`mindbody@5567`): each Mindbody site numbers its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum GroupRef {
    Class {
        class: Option<String>,
    },
    /// A category beneath its class (the overview by class).
    ClassCategory {
        class: Option<String>,
        account: String,
        category: Option<i64>,
    },
    Category {
        account: String,
        category: Option<i64>,
    },
    Method {
        method: Option<String>,
    },
    /// A site's sales (its account, `mindbody@5567`).
    Site {
        account: String,
    },
    Location {
        account: String,
        location: Option<i64>,
    },
}

/// What `legion-hub report revenue` asks for. `to` is included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The rows; None: one row of all sales.
    pub by: Option<Grouping>,
    /// The columns; None: one column, the whole range.
    pub period: Option<Period>,
    /// None: the currency most of the range's sales are in.
    pub currency: Option<String>,
    /// Only this site's sales (a Mindbody site id); None: every site's.
    #[serde(default)]
    pub site: Option<String>,
}

/// One column of a report: the days it covers (within the query's range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodColumn {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `2026-11-03`, `2026-11-02` (the week's Monday), `2026-11`, or `2025-12-01..2026-11-30`.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueRow {
    /// None for the row of all sales (a report with no grouping).
    pub group: Option<GroupRef>,
    /// `Class revenue`, `Drop-ins` (a category's name), `Card`, `Legion Fitness North` (a
    /// location's name; `Location 2` for one the hub has no name for).
    pub label: String,
    /// The row's class when it is a category beneath one.
    pub parent: Option<String>,
    /// One per column.
    pub periods: Vec<Amounts>,
    pub total: Amounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: Option<Grouping>,
    pub period: Option<Period>,
    pub currency: String,
    /// The site the report is of (its id); None: every site.
    #[serde(default)]
    pub site: Option<String>,
    /// Currencies other sales of the range are in (not in these figures).
    pub other_currencies: Vec<String>,
    pub columns: Vec<PeriodColumn>,
    /// Largest net first.
    pub rows: Vec<RevenueRow>,
    /// Each column's total over every row.
    pub column_totals: Vec<Amounts>,
    pub total: Amounts,
}

/// One group of the overview over its twelve months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub group: GroupRef,
    pub label: String,
    /// The class of a category row (grouping by class puts each class's categories beneath it,
    /// right after it).
    pub parent: Option<String>,
    /// One per month of [`RevenueOverview::months`].
    pub months: Vec<Amounts>,
    pub total: Amounts,
    /// The same group in the month a year before the overview's month.
    pub same_month_last_year: Amounts,
}

/// One day of the overview's month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayAmounts {
    pub day: NaiveDate,
    pub amounts: Amounts,
}

/// The Reports screen's picture of month M: twelve months ending at M by group, M against the
/// month before and the same month a year earlier, and M day by day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueOverview {
    /// The first day of M.
    pub month: NaiveDate,
    pub by: Grouping,
    /// The studio's currency: the one most sales of the twelve months are in.
    pub currency: String,
    /// Other currencies some of the sales are in (left out of these figures).
    pub other_currencies: Vec<String>,
    /// The first days of the twelve months, oldest first; the last is M.
    pub months: Vec<NaiveDate>,
    /// Largest net over the twelve months first (categories right after their class).
    pub rows: Vec<OverviewRow>,
    /// Each month's total over every group (categories not counted twice).
    pub month_totals: Vec<Amounts>,
    pub total: Amounts,
    pub this_month: Amounts,
    pub last_month: Amounts,
    pub same_month_last_year: Amounts,
    /// Every day of M, in order (days without sales are zero): the sparkline.
    pub days: Vec<DayAmounts>,
}

/// The transactions behind one cell of the overview (a group in a month), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueCell {
    pub month: NaiveDate,
    pub group: GroupRef,
    pub currency: String,
    /// What the cell adds up to (all of its transactions, listed or not).
    pub amounts: Amounts,
    pub transactions: Vec<Transaction>,
    /// How many transactions the cell holds; more than listed when the list was cut.
    pub total_count: u64,
}

/// The most transactions one cell lists.
pub const CELL_LIMIT: usize = 5_000;
