//! The revenue report over a date range (`legion-hub report revenue`), and the table both it and
//! the overview fill: groups by columns, read from the kept totals of one currency.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};

use super::groups::{Labels, dimension_of, groups_of, of_site};
use super::{add_amounts, add_totals, studio_currency};
use crate::api::reports::{
    Amounts, GroupRef, Grouping, Period, PeriodColumn, RevenueQuery, RevenueReport, RevenueRow,
};
use crate::engine::host::EngineError;
use crate::store::Store;
use crate::store::daily_totals::{DayTotals, Granularity, TotalsKey};

/// The longest range a report covers (a century), and the most columns it has: bounds on what a
/// query can make the books hold.
const MAX_DAYS: i64 = 36_525;
pub const MAX_COLUMNS: usize = 4_000;

/// Groups by columns. Only the first `summed` columns count in a row's total (the overview
/// keeps the same month a year earlier as one more column beside its twelve).
pub(super) struct Table {
    columns: usize,
    summed: usize,
    rows: HashMap<Option<GroupRef>, Vec<Amounts>>,
    children: HashMap<GroupRef, Vec<Amounts>>,
}

/// A row as the table gives it back: group, label, parent's label, columns, total.
pub(super) struct TableRow {
    pub group: Option<GroupRef>,
    pub label: String,
    pub parent: Option<String>,
    pub columns: Vec<Amounts>,
    pub total: Amounts,
}

impl Table {
    pub fn new(columns: usize, summed: usize) -> Table {
        Table {
            columns,
            summed,
            rows: HashMap::new(),
            children: HashMap::new(),
        }
    }

    pub fn add(
        &mut self,
        key: &TotalsKey,
        totals: &DayTotals,
        column: usize,
        by: Option<Grouping>,
    ) {
        let columns = self.columns;
        let (group, child) = groups_of(key, by);
        if let Some(child) = child {
            let cells = self
                .children
                .entry(child)
                .or_insert_with(|| vec![Amounts::default(); columns]);
            add_totals(&mut cells[column], totals);
        }
        let cells = self
            .rows
            .entry(group)
            .or_insert_with(|| vec![Amounts::default(); columns]);
        add_totals(&mut cells[column], totals);
    }

    /// Each column's total over the rows (children are within their rows).
    pub fn column_totals(&self) -> Vec<Amounts> {
        let mut totals = vec![Amounts::default(); self.columns];
        for cells in self.rows.values() {
            for (total, cell) in totals.iter_mut().zip(cells) {
                add_amounts(total, cell);
            }
        }
        totals
    }

    fn total(&self, cells: &[Amounts]) -> Amounts {
        let mut total = Amounts::default();
        for cell in &cells[..self.summed.min(cells.len())] {
            add_amounts(&mut total, cell);
        }
        total
    }

    /// The rows, largest net first, each class's categories right after it (largest first).
    pub fn into_rows(self, labels: &Labels) -> Vec<TableRow> {
        let row = |group: Option<GroupRef>, parent: Option<String>, columns: Vec<Amounts>| {
            let label = group
                .as_ref()
                .map_or_else(|| "All sales".to_string(), |g| labels.label(g));
            TableRow {
                total: self.total(&columns),
                group,
                label,
                parent,
                columns,
            }
        };
        let by_net = |a: &TableRow, b: &TableRow| {
            b.total
                .net
                .cmp(&a.total.net)
                .then_with(|| a.label.cmp(&b.label))
        };
        let mut children: HashMap<Option<String>, Vec<TableRow>> = HashMap::new();
        for (group, columns) in &self.children {
            if let GroupRef::ClassCategory { class, .. } = group {
                let parent = super::groups::class_label(class.as_deref());
                children.entry(class.clone()).or_default().push(row(
                    Some(group.clone()),
                    Some(parent),
                    columns.clone(),
                ));
            }
        }
        let mut top: Vec<TableRow> = self
            .rows
            .iter()
            .map(|(group, columns)| row(group.clone(), None, columns.clone()))
            .collect();
        top.sort_by(by_net);
        let mut out = Vec::with_capacity(top.len() + self.children.len());
        for parent in top {
            let class = match &parent.group {
                Some(GroupRef::Class { class }) => Some(class.clone()),
                _ => None,
            };
            out.push(parent);
            if let Some(mut beneath) = class.and_then(|c| children.remove(&c)) {
                beneath.sort_by(by_net);
                out.extend(beneath);
            }
        }
        out
    }
}

/// The columns of a range: one per day, week (from Monday) or month, cut to the range; one for
/// the whole range when there is no period.
pub fn columns(
    from: NaiveDate,
    to: NaiveDate,
    period: Option<Period>,
) -> Result<Vec<PeriodColumn>, EngineError> {
    if from > to {
        return Err(EngineError::Invalid(format!(
            "the report's range runs backwards: {from} is after {to}"
        )));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(EngineError::Invalid(format!(
            "a report covers at most a century; {from} to {to} is longer"
        )));
    }
    let Some(period) = period else {
        return Ok(vec![PeriodColumn {
            from,
            to,
            label: format!("{from}..{to}"),
        }]);
    };
    let mut out = Vec::new();
    let mut start = from;
    loop {
        let (next, label) = match period {
            Period::Day => (start.succ_opt(), start.to_string()),
            Period::Week => {
                let monday =
                    start - chrono::Days::new(u64::from(start.weekday().num_days_from_monday()));
                (
                    monday.checked_add_days(chrono::Days::new(7)),
                    monday.to_string(),
                )
            }
            Period::Month => {
                let first = start.with_day(1).unwrap_or(start);
                (
                    first.checked_add_months(Months::new(1)),
                    format!("{:04}-{:02}", first.year(), first.month()),
                )
            }
        };
        let end = next.and_then(|n| n.pred_opt()).map_or(to, |e| e.min(to));
        out.push(PeriodColumn {
            from: start,
            to: end,
            label,
        });
        if out.len() > MAX_COLUMNS {
            return Err(EngineError::Invalid(format!(
                "{from} to {to} makes more than {MAX_COLUMNS} {}s: ask for weeks or months, or a shorter range",
                period.name()
            )));
        }
        match end.succ_opt() {
            Some(n) if end < to => start = n,
            _ => break,
        }
    }
    Ok(out)
}

fn is_first_of_month(day: NaiveDate) -> bool {
    day.day() == 1
}

fn is_last_of_month(day: NaiveDate) -> bool {
    day.succ_opt().is_none_or(|n| n.day() == 1)
}

/// The report a query asks for.
pub fn revenue_report(store: &Store, query: &RevenueQuery) -> Result<RevenueReport, EngineError> {
    let columns = columns(query.from, query.to, query.period)?;
    // Whole months by month (or as one column) read the month entries: a dozen a group a year.
    let granularity = if is_first_of_month(query.from)
        && is_last_of_month(query.to)
        && matches!(query.period, None | Some(Period::Month))
    {
        Granularity::Month
    } else {
        Granularity::Day
    };
    let site = query
        .site
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(site) = site {
        crate::books::AccountKey::new(crate::domain::Provider::Mindbody, site)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
    }
    let mut entries =
        store.daily_totals(granularity, dimension_of(query.by), query.from, query.to)?;
    entries.retain(|(key, _)| of_site(site, &key.account));
    let (currency, other_currencies) = match &query.currency {
        Some(currency) => {
            let currency = currency.trim().to_ascii_uppercase();
            let mut others: Vec<String> = entries
                .iter()
                .map(|(k, _)| k.currency.clone())
                .filter(|c| *c != currency)
                .collect();
            others.sort();
            others.dedup();
            (currency, others)
        }
        None => studio_currency(entries.iter().map(|(k, t)| (k.currency.as_str(), t.count))),
    };
    let mut table = Table::new(columns.len(), columns.len());
    for (key, totals) in &entries {
        if key.currency != currency {
            continue;
        }
        let column = columns
            .partition_point(|c| c.from <= key.date)
            .saturating_sub(1);
        table.add(key, totals, column, query.by);
    }
    let labels = Labels::read(store, entries.iter().map(|(k, _)| k.account.as_str()))?;
    let column_totals = table.column_totals();
    let mut total = Amounts::default();
    for cell in &column_totals {
        add_amounts(&mut total, cell);
    }
    let rows = table
        .into_rows(&labels)
        .into_iter()
        .map(|r| RevenueRow {
            group: r.group,
            label: r.label,
            parent: r.parent,
            periods: r.columns,
            total: r.total,
        })
        .collect();
    Ok(RevenueReport {
        from: query.from,
        to: query.to,
        by: query.by,
        period: query.period,
        currency,
        site: site.map(str::to_string),
        other_currencies,
        columns,
        rows,
        column_totals,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn columns_cut_the_range_into_its_periods() {
        let weeks = columns(day(2026, 11, 4), day(2026, 11, 20), Some(Period::Week)).unwrap();
        let spans: Vec<_> = weeks
            .iter()
            .map(|c| (c.from, c.to, c.label.as_str()))
            .collect();
        assert_eq!(
            spans,
            [
                (day(2026, 11, 4), day(2026, 11, 8), "2026-11-02"),
                (day(2026, 11, 9), day(2026, 11, 15), "2026-11-09"),
                (day(2026, 11, 16), day(2026, 11, 20), "2026-11-16"),
            ]
        );
        let months = columns(day(2025, 12, 15), day(2026, 2, 1), Some(Period::Month)).unwrap();
        let labels: Vec<_> = months.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(months[0].to, day(2025, 12, 31));
        assert_eq!(months[2].to, day(2026, 2, 1));
        assert_eq!(
            columns(day(2026, 1, 1), day(2026, 1, 1), Some(Period::Day))
                .unwrap()
                .len(),
            1
        );
        assert!(columns(day(2026, 1, 2), day(2026, 1, 1), None).is_err());
        assert!(columns(day(1900, 1, 1), day(2026, 1, 1), Some(Period::Day)).is_err());
        assert!(columns(day(1900, 1, 1), day(2026, 1, 1), Some(Period::Month)).is_err());
        assert_eq!(
            columns(day(1990, 1, 1), day(2026, 1, 1), Some(Period::Month))
                .unwrap()
                .len(),
            433
        );
    }
}
