//! Customers, and how a provider's client is matched to one already in the books: by the
//! provider's id, then by email, then by name; a match by name alone is uncertain and left for
//! the user to confirm, unless their emails or phones tell the two apart (a studio has several
//! Jane Does, each with her own email).

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
    /// When the customer last changed at its source (Mindbody's `LastModifiedDateTime`, or a
    /// webhook event's origination time), studio-local. A change stamped earlier never replaces
    /// this copy: webhooks arrive out of order.
    #[serde(default)]
    pub modified_at: Option<NaiveDateTime>,
    /// What brought the copy the books hold: `sync`, or the webhook event and its message id.
    #[serde(default)]
    pub modified_by: Option<String>,
    /// Another customer this one may be (same name, and no email or phone that differs), for
    /// the user to confirm or dismiss.
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

    /// Whether what the two say of themselves makes them different people: both have an email
    /// and they differ, or both have a phone and they differ. A name shared and nothing else
    /// known leaves them possibly one.
    pub fn told_apart_from(&self, other: &Customer) -> bool {
        Contact::of(self).told_apart_from(&Contact::of(other))
    }

    /// Whether this copy is newer than a change stamped `stamp`, which must then not replace
    /// it. Without a stamp on either side there is nothing to order by: not newer.
    pub fn newer_than(&self, stamp: Option<NaiveDateTime>) -> bool {
        matches!((self.modified_at, stamp), (Some(mine), Some(theirs)) if mine > theirs)
    }
}

fn normal(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// An email worth comparing: lower case, with an `@`.
fn email(text: Option<&str>) -> Option<String> {
    text.map(normal).filter(|e| e.contains('@'))
}

/// A phone as its digits ("+1 (805) 550-0001" → "18055500001"), when it has some.
fn phone(text: Option<&str>) -> Option<String> {
    let digits: String = text?.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// The same number, one written with a country or trunk prefix the other leaves out.
fn same_phone(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.len() >= 7 && long.ends_with(short))
}

/// How a customer can be reached, normalized for comparing.
#[derive(Debug, Clone)]
struct Contact {
    key: String,
    email: Option<String>,
    phone: Option<String>,
}

impl Contact {
    fn of(c: &Customer) -> Contact {
        Contact {
            key: c.key.clone(),
            email: email(c.email.as_deref()),
            phone: phone(c.phone.as_deref()),
        }
    }

    fn told_apart_from(&self, other: &Contact) -> bool {
        let emails_differ = matches!((&self.email, &other.email), (Some(a), Some(b)) if a != b);
        let phones_differ =
            matches!((&self.phone, &other.phone), (Some(a), Some(b)) if !same_phone(a, b));
        emails_differ || phones_differ
    }
}

/// The customers already in the books, looked up three ways.
#[derive(Debug, Default)]
pub struct CustomerIndex {
    by_mindbody_id: HashMap<String, String>,
    by_email: HashMap<String, String>,
    /// Everyone of a name, in the order they were added.
    by_name: HashMap<String, Vec<Contact>>,
}

/// Where a provider's client goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The customer already linked to this client.
    Linked(String),
    /// A customer from elsewhere with the same email: the same person.
    ByEmail(String),
    /// A new customer that may be this existing one (same name, nothing that tells them apart).
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
        let contact = Contact::of(c);
        if let Some(email) = &contact.email {
            self.by_email
                .entry(email.clone())
                .or_insert_with(|| c.key.clone());
        }
        let name = normal(&c.full_name());
        if !name.is_empty() {
            let people = self.by_name.entry(name).or_default();
            // Added again (a client seen twice in a run): once is enough.
            if !people.iter().any(|p| p.key == c.key) {
                people.push(contact);
            }
        }
    }

    /// The customer a Mindbody client is already linked to.
    pub fn linked(&self, mindbody_id: &str) -> Option<&str> {
        self.by_mindbody_id.get(mindbody_id).map(String::as_str)
    }

    /// Where a provider's client (as a customer, with its provider id) goes.
    pub fn find(&self, client: &Customer) -> Match {
        if let Some(key) = client
            .mindbody_id
            .as_ref()
            .and_then(|id| self.by_mindbody_id.get(id))
        {
            return Match::Linked(key.clone());
        }
        let contact = Contact::of(client);
        if let Some(key) = contact.email.as_ref().and_then(|e| self.by_email.get(e)) {
            return Match::ByEmail(key.clone());
        }
        let same_name = self
            .by_name
            .get(&normal(&client.full_name()))
            .into_iter()
            .flatten();
        same_name
            .filter(|other| other.key != client.key)
            .find(|other| !contact.told_apart_from(other))
            .map_or(Match::New, |other| Match::Uncertain {
                candidate: other.key.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(key: &str, email: Option<&str>, phone: Option<&str>, name: &str) -> Customer {
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        Customer {
            key: key.into(),
            mindbody_id: None,
            first_name: first.into(),
            last_name: last.into(),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            source: "books".into(),
            modified_at: None,
            modified_by: None,
            possible_duplicate_of: None,
        }
    }

    /// A Mindbody client as the sync sees it.
    fn client(id: &str, email: Option<&str>, phone: Option<&str>, name: &str) -> Customer {
        Customer {
            mindbody_id: Some(id.into()),
            source: "mindbody".into(),
            ..customer(&format!("mindbody:client:{id}"), email, phone, name)
        }
    }

    #[test]
    fn id_then_email_then_name() {
        let existing = [
            Customer {
                mindbody_id: Some("1".into()),
                ..customer("mindbody:client:1", Some("a@x.com"), None, "Ann Lee")
            },
            customer("books:7", Some("Jane.Doe@Example.com"), None, "Jane Doe"),
            customer("books:8", None, None, "Omar Haddad"),
        ];
        let index = CustomerIndex::new(&existing);
        assert_eq!(
            index.find(&client("1", None, None, "x")),
            Match::Linked("mindbody:client:1".into())
        );
        assert_eq!(
            index.find(&client("2", Some("jane.doe@example.com"), None, "J D")),
            Match::ByEmail("books:7".into())
        );
        assert_eq!(
            index.find(&client("3", None, None, " omar  haddad")),
            Match::Uncertain {
                candidate: "books:8".into()
            }
        );
        assert_eq!(
            index.find(&client("4", Some("new@x.com"), None, "New Person")),
            Match::New
        );
    }

    #[test]
    fn a_different_email_or_phone_rules_a_match_by_name_out() {
        let existing = [
            customer("books:1", Some("jane@one.example"), None, "Jane Doe"),
            customer("books:2", None, Some("+1 (805) 550-0001"), "Jane Doe"),
            customer(
                "books:3",
                Some("omar@x.example"),
                Some("805 550 0009"),
                "Omar Haddad",
            ),
        ];
        let index = CustomerIndex::new(&existing);
        // Her own email and a phone of her own: neither Jane Doe in the books.
        assert_eq!(
            index.find(&client(
                "10",
                Some("jane@two.example"),
                Some("805 550 7777"),
                "Jane Doe"
            )),
            Match::New
        );
        // Another email, no phone: books:1 is ruled out, books:2 (no email) is not.
        assert_eq!(
            index.find(&client("11", Some("jane@two.example"), None, "Jane Doe")),
            Match::Uncertain {
                candidate: "books:2".into()
            }
        );
        // The same phone written with its country code: still possibly her.
        assert_eq!(
            index.find(&client(
                "12",
                Some("jane@two.example"),
                Some("8055500001"),
                "Jane Doe"
            )),
            Match::Uncertain {
                candidate: "books:2".into()
            }
        );
        // Nothing but the name: the first one of that name.
        assert_eq!(
            index.find(&client("13", None, None, "Jane Doe")),
            Match::Uncertain {
                candidate: "books:1".into()
            }
        );
        // Same email case aside is a match by email, not a doubt.
        assert_eq!(
            index.find(&client("14", Some("OMAR@x.example"), None, "O H")),
            Match::ByEmail("books:3".into())
        );
        // Same name, same phone, a different email: told apart by the email.
        assert_eq!(
            index.find(&client(
                "15",
                Some("o.h@y.example"),
                Some("8055500009"),
                "Omar Haddad"
            )),
            Match::New
        );
        assert!(existing[0].told_apart_from(&client("16", Some("x@y.z"), None, "Jane Doe")));
        assert!(!existing[1].told_apart_from(&client("17", Some("x@y.z"), None, "Jane Doe")));
    }

    #[test]
    fn only_a_later_stamp_is_newer() {
        let at = |h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
                .unwrap()
                .and_hms_opt(h, 30, 0)
        };
        let stored = Customer {
            modified_at: at(12),
            ..client("1", None, None, "Ann Lee")
        };
        assert!(stored.newer_than(at(11)), "an older change loses");
        assert!(
            !stored.newer_than(at(12)),
            "the same stamp (a redelivery) applies"
        );
        assert!(!stored.newer_than(at(13)), "a newer change applies");
        assert!(
            !stored.newer_than(None),
            "an unstamped change cannot be ordered"
        );
        let unstamped = client("2", None, None, "Bo Li");
        assert!(!unstamped.newer_than(at(1)));
        assert_eq!(
            CustomerIndex::new([&stored]).linked("1"),
            Some("mindbody:client:1")
        );
    }
}
