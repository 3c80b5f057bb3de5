//! The benches' support: the integration tests' own (`tests/it/support`, included so the two
//! never drift apart) plus `perf`, which publishes a bench's rows into the README's table.
#![allow(dead_code)]

pub mod perf;
#[path = "../../tests/it/support/mod.rs"]
mod shared;

// Each bench uses a different part of it.
#[allow(unused_imports)]
pub use shared::*;
