//! The groups of a report: which kept entries each grouping reads, the group (or groups: a class
//! and its category beneath) an entry adds to, what each is called, and whether a transaction
//! belongs to one (for the drill-down).

use std::collections::{BTreeSet, HashMap};

use crate::api::reports::{GroupRef, Grouping};
use crate::books::Transaction;
use crate::books::payment::MethodKind;
use crate::books::transaction::SPLIT;
use crate::store::daily_totals::{Dimension, TotalsGroup, TotalsKey, account_of};
use crate::store::{Store, StoreError};

/// The kept entries a grouping reads (no grouping: any one dimension adds up to all sales).
pub fn dimension_of(by: Option<Grouping>) -> Dimension {
    match by {
        // Every sale is in one service entry: by site, any dimension adds up to the site's.
        None | Some(Grouping::Class) | Some(Grouping::Category) | Some(Grouping::Site) => {
            Dimension::Service
        }
        Some(Grouping::Method) => Dimension::Method,
        Some(Grouping::Location) => Dimension::Location,
    }
}

/// The group an entry of [`dimension_of`]`(by)` adds to, and for a class its category beneath
/// (None for the row of all sales).
pub fn groups_of(key: &TotalsKey, by: Option<Grouping>) -> (Option<GroupRef>, Option<GroupRef>) {
    let account = || key.account.clone();
    match (&key.group, by) {
        (_, None) => (None, None),
        (TotalsGroup::Service { class, category }, Some(Grouping::Class)) => (
            Some(GroupRef::Class {
                class: class.clone(),
            }),
            Some(GroupRef::ClassCategory {
                class: class.clone(),
                account: account(),
                category: *category,
            }),
        ),
        (TotalsGroup::Service { category, .. }, Some(Grouping::Category)) => (
            Some(GroupRef::Category {
                account: account(),
                category: *category,
            }),
            None,
        ),
        (TotalsGroup::Service { .. }, Some(Grouping::Site)) => {
            (Some(GroupRef::Site { account: account() }), None)
        }
        (TotalsGroup::Method(method), Some(Grouping::Method)) => (
            Some(GroupRef::Method {
                method: method.clone(),
            }),
            None,
        ),
        (TotalsGroup::Location(location), Some(Grouping::Location)) => (
            Some(GroupRef::Location {
                account: account(),
                location: *location,
            }),
            None,
        ),
        // An entry of another dimension: never read for this grouping.
        _ => (None, None),
    }
}

/// Whether a transaction is one of a group's.
pub fn belongs(tx: &Transaction, group: &GroupRef) -> bool {
    let account = account_of(&tx.key);
    match group {
        GroupRef::Class { class } => tx.class == *class,
        GroupRef::ClassCategory {
            class,
            account: a,
            category,
        } => tx.class == *class && account == a && tx.category_id == *category,
        GroupRef::Category {
            account: a,
            category,
        } => account == a && tx.category_id == *category,
        GroupRef::Method { method } => tx.payment_method == *method,
        GroupRef::Site { account: a } => account == a,
        GroupRef::Location {
            account: a,
            location,
        } => account == a && tx.location_id == *location,
    }
}

/// What groups are called: categories and locations by the names their provider gave them
/// ("Location N" for one the hub has no name for), with the account added when several
/// accounts' groups are shown together.
pub struct Labels {
    categories: HashMap<(String, i64), String>,
    locations: HashMap<(String, i64), String>,
    several_accounts: bool,
}

impl Labels {
    /// The names of these accounts' categories and locations, from the store.
    pub fn read<'a>(
        store: &Store,
        accounts: impl IntoIterator<Item = &'a str>,
    ) -> Result<Labels, StoreError> {
        let accounts: BTreeSet<&str> = accounts.into_iter().collect();
        Ok(Labels {
            categories: store.category_names()?,
            locations: store.location_names_of(accounts.iter().copied())?,
            several_accounts: accounts.len() > 1,
        })
    }

    fn with_account(&self, label: String, account: &str) -> String {
        if self.several_accounts {
            format!(
                "{label} ({})",
                account.split_once('@').map_or(account, |(_, a)| a)
            )
        } else {
            label
        }
    }

    pub fn label(&self, group: &GroupRef) -> String {
        match group {
            GroupRef::Class { class } => class_label(class.as_deref()),
            GroupRef::ClassCategory {
                account, category, ..
            }
            | GroupRef::Category { account, category } => {
                let name = match category {
                    None => "Uncategorized".to_string(),
                    Some(id) => self
                        .categories
                        .get(&(account.clone(), *id))
                        .cloned()
                        .unwrap_or_else(|| format!("Category {id}")),
                };
                self.with_account(name, account)
            }
            GroupRef::Method { method } => method_label(method.as_deref()),
            GroupRef::Site { account } => site_label(account),
            GroupRef::Location { account, location } => self.with_account(
                match location {
                    None => "No location".to_string(),
                    Some(id) => self
                        .locations
                        .get(&(account.clone(), *id))
                        .cloned()
                        .unwrap_or_else(|| format!("Location {id}")),
                },
                account,
            ),
        }
    }
}

/// `Mindbody · site 5567` for `mindbody@5567`, as the hub names an integration's account.
pub fn site_label(account: &str) -> String {
    let (provider, site) = account.split_once('@').unwrap_or((account, ""));
    let name = crate::domain::Provider::ALL
        .into_iter()
        .find(|p| p.id() == provider)
        .map_or(provider, |p| p.name());
    format!("{name} · site {site}")
}

/// Only the sales of `site` (a Mindbody site id), when one is asked for.
pub use crate::books::account_key::of_site;

pub fn class_label(class: Option<&str>) -> String {
    class.unwrap_or("Unclassified").to_string()
}

/// `Card`, `Cash`, `ACH`, `Check`, `Other`, `Split`, or `Not said`.
pub fn method_label(method: Option<&str>) -> String {
    let Some(method) = method else {
        return "Not said".into();
    };
    if method == SPLIT {
        return "Split".into();
    }
    match MethodKind::ALL.into_iter().find(|k| k.name() == method) {
        Some(MethodKind::Card) => "Card".into(),
        Some(MethodKind::Ach) => "ACH".into(),
        Some(MethodKind::Cash) => "Cash".into(),
        Some(MethodKind::Check) => "Check".into(),
        Some(MethodKind::Other) => "Other".into(),
        None => method.to_string(),
    }
}
