//! Customers, and how a provider's client is matched to one already in the books: by the
//! provider's id, then by email, then by name; a match by name alone is uncertain and left for
//! the user to confirm.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// `mindbody:client:100000009`, or another source's key.
    pub key: String,
    #[serde(default)]
    pub mindbody_id: Option<String>,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub source: String,
    #[serde(default)]
    pub modified_at: Option<NaiveDateTime>,
    /// Another customer this one may be (same name, nothing else to go on), for the user to
    /// confirm or dismiss.
    #[serde(default)]
    pub possible_duplicate_of: Option<String>,
}

impl crate::store::codec::Record for Customer {
    const KIND: &'static str = "customer";
    const VERSION: u32 = 1;
}

impl Customer {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name.trim(), self.last_name.trim())
            .trim()
            .to_string()
    }
}

fn normal(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The customers already in the books, looked up three ways.
#[derive(Debug, Default)]
pub struct CustomerIndex {
    by_mindbody_id: HashMap<String, String>,
    by_email: HashMap<String, String>,
    by_name: HashMap<String, String>,
}

/// Where a provider's client goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The customer already linked to this client.
    Linked(String),
    /// A customer from elsewhere with the same email: the same person.
    ByEmail(String),
    /// A new customer that may be this existing one (same name only).
    Uncertain {
        candidate: String,
    },
    New,
}

impl CustomerIndex {
    pub fn new<'a>(customers: impl IntoIterator<Item = &'a Customer>) -> CustomerIndex {
        let mut index = CustomerIndex::default();
        for c in customers {
            index.add(c);
        }
        index
    }

    pub fn add(&mut self, c: &Customer) {
        if let Some(id) = &c.mindbody_id {
            self.by_mindbody_id.insert(id.clone(), c.key.clone());
        }
        if let Some(email) = c.email.as_deref().filter(|e| e.contains('@')) {
            self.by_email
                .entry(normal(email))
                .or_insert_with(|| c.key.clone());
        }
        let name = normal(&c.full_name());
        if !name.is_empty() {
            self.by_name.entry(name).or_insert_with(|| c.key.clone());
        }
    }

    pub fn find(&self, mindbody_id: &str, email: Option<&str>, name: &str) -> Match {
        if let Some(key) = self.by_mindbody_id.get(mindbody_id) {
            return Match::Linked(key.clone());
        }
        if let Some(key) = email
            .filter(|e| e.contains('@'))
            .and_then(|e| self.by_email.get(&normal(e)))
        {
            return Match::ByEmail(key.clone());
        }
        match self.by_name.get(&normal(name)) {
            Some(key) if !name.trim().is_empty() => Match::Uncertain {
                candidate: key.clone(),
            },
            _ => Match::New,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(
        key: &str,
        id: Option<&str>,
        email: Option<&str>,
        first: &str,
        last: &str,
    ) -> Customer {
        Customer {
            key: key.into(),
            mindbody_id: id.map(str::to_string),
            first_name: first.into(),
            last_name: last.into(),
            email: email.map(str::to_string),
            phone: None,
            source: "books".into(),
            modified_at: None,
            possible_duplicate_of: None,
        }
    }

    #[test]
    fn id_then_email_then_name() {
        let existing = [
            customer(
                "mindbody:client:1",
                Some("1"),
                Some("a@x.com"),
                "Ann",
                "Lee",
            ),
            customer("books:7", None, Some("Jane.Doe@Example.com"), "Jane", "Doe"),
            customer("books:8", None, None, "Omar", "Haddad"),
        ];
        let index = CustomerIndex::new(&existing);
        assert_eq!(
            index.find("1", None, "x"),
            Match::Linked("mindbody:client:1".into())
        );
        assert_eq!(
            index.find("2", Some("jane.doe@example.com"), "J D"),
            Match::ByEmail("books:7".into())
        );
        assert_eq!(
            index.find("3", None, " omar  haddad"),
            Match::Uncertain {
                candidate: "books:8".into()
            }
        );
        assert_eq!(index.find("4", Some("new@x.com"), "New Person"), Match::New);
    }
}
