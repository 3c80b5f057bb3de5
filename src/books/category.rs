//! A provider's revenue categories, and the mapping from them to the books' financial classes.
//! An unmapped category is listed for the user, never dropped: its transactions wait with no
//! class until it is mapped.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub service: bool,
    pub source: String,
    /// The financial class it maps to; None: not mapped yet.
    #[serde(default)]
    pub class: Option<String>,
}

impl crate::store::codec::Record for Category {
    const KIND: &'static str = "category";
    const VERSION: u32 = 1;
}
