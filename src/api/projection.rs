//! The revenue projection: this month and the next three, by financial class and in all, with
//! the method in words. Plain serde types.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How many weeks back the same-weekday average of drop-ins and retail looks.
pub const PATTERN_WEEKS: u32 = 8;

/// How many months a projection covers: this one and the next three.
pub const PROJECTED_MONTHS: u32 = 4;

/// The projection made on `today`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub today: NaiveDate,
    pub currency: String,
    /// The weeks behind the same-weekday average ([`PATTERN_WEEKS`]).
    pub pattern_weeks: u32,
    /// The average day of drop-ins and retail by weekday, Monday first, in all classes.
    pub weekday_average: [Decimal; 7],
    /// This month first, then the next three.
    pub months: Vec<MonthProjection>,
}

/// One month's projection; each part is the sum of the classes' parts, so the columns add up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthProjection {
    /// The month's first day.
    pub month: NaiveDate,
    pub parts: ProjectionParts,
    /// By financial class ("Unclassified" for sales with no class), the largest projection
    /// first.
    pub classes: Vec<ClassProjection>,
    /// How the figure was made, in words: "so far 3,120.00 + 14 autopays 1,540.00 + 17 days at
    /// the last 8 weeks' same-weekday average of drop-ins and retail 2,210.00 = 6,870.00".
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassProjection {
    pub class: String,
    pub parts: ProjectionParts,
}

/// The three parts of a projection and their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectionParts {
    /// Net sales of the month up to now (zero for a month not begun).
    pub so_far: Decimal,
    /// Members' autopays scheduled on the days still to come (active contracts only).
    pub autopays: Decimal,
    pub autopay_count: u64,
    /// The days still to come, each at its weekday's average of drop-ins and retail.
    pub pattern: Decimal,
    pub pattern_days: u32,
    /// `so_far + autopays + pattern`.
    pub projected: Decimal,
}
