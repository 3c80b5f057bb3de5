//! The studio's financial classes, as categorization offers them: the classes its revenue
//! categories map to, a default chart of a studio's income and expenses, and the ones the user
//! adds in `[books] classes`. Each once (case aside), in that order.

use crate::books::reconcile::matched::{CASH_OVER_SHORT_CLASS, FEES_CLASS};

/// The most classes offered (Gemini's enum is sent with every batch).
pub const MAX_CLASSES: usize = 200;
/// The longest class name.
pub const MAX_CLASS_CHARS: usize = 60;

/// A studio's income and expenses, the classes categorization offers from the start.
pub const DEFAULT_CHART: &[&str] = &[
    "Class revenue",
    "Membership revenue",
    "Private sessions",
    "Retail sales",
    "Rent",
    "Payroll",
    "Payroll taxes",
    "Software",
    "Utilities",
    "Telephone and internet",
    "Cleaning",
    "Bank fees",
    FEES_CLASS,
    CASH_OVER_SHORT_CLASS,
    "Transfers",
    "Marketing",
    "Equipment",
    "Supplies",
    "Insurance",
    "Professional fees",
    "Other income",
    "Other expenses",
];

/// The classes from the category map, the chart and the user's own, each once, bounded.
pub fn studio_classes<'a>(
    mapped: impl IntoIterator<Item = &'a str>,
    configured: &'a [String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chart = DEFAULT_CHART.iter().copied();
    for class in mapped
        .into_iter()
        .chain(chart)
        .chain(configured.iter().map(String::as_str))
    {
        let class = crate::text::one_line(class).trim().to_string();
        if class.is_empty() || class.chars().count() > MAX_CLASS_CHARS {
            continue;
        }
        if !out.iter().any(|c| c.eq_ignore_ascii_case(&class)) {
            out.push(class);
        }
        if out.len() == MAX_CLASSES {
            break;
        }
    }
    out
}

/// The class as the studio writes it, for one a person typed in any case; None when the studio
/// has no such class.
pub fn known_class(classes: &[String], wanted: &str) -> Option<String> {
    let wanted = wanted.trim();
    classes
        .iter()
        .find(|c| c.eq_ignore_ascii_case(wanted))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_chart_and_configured_classes_come_once_each() {
        let configured = vec!["Retreats".to_string(), "rent".to_string(), " ".to_string()];
        let classes = studio_classes(["Class revenue", "Yoga teacher training"], &configured);
        assert_eq!(classes[0], "Class revenue");
        assert_eq!(classes[1], "Yoga teacher training");
        assert_eq!(classes.last().map(String::as_str), Some("Retreats"));
        assert_eq!(
            classes
                .iter()
                .filter(|c| c.eq_ignore_ascii_case("rent"))
                .count(),
            1
        );
        assert_eq!(known_class(&classes, " SOFTWARE "), Some("Software".into()));
        assert_eq!(known_class(&classes, "Snacks"), None);
    }
}
