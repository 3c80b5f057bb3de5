//! Categorization: a suggested financial class for every bank line reconciliation did not match
//! and every transaction without a class, each with its confidence, its reason and its source.
//!
//! - [`payee`] cleans what the bank printed into a payee's name (the original is kept);
//! - [`classes`] are the studio's classes (the category map's, a default chart, the user's);
//! - [`local`] answers by the user's rules, then by the cache of earlier answers, and groups
//!   what is left by cleaned payee for Gemini (`integrations::gemini::categorize` asks it);
//! - [`service`] gathers the subjects from the store, saves a run's suggestions and takes the
//!   user's decisions: nothing is applied unseen.

pub mod classes;
pub mod local;
pub mod payee;
pub mod records;
pub mod service;

use crate::engine::states::RoomState;

/// Held while categorization reads and writes: a run and a decision at once could apply a
/// class to a suggestion the run is replacing.
#[derive(Default)]
pub struct Categorizing(tokio::sync::Mutex<()>);

impl RoomState for Categorizing {}
