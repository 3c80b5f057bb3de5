//! How many cases a property test tries: a default per test in `cargo test`, or
//! `PROPTEST_CASES` for a long run.

use proptest::test_runner::Config as ProptestConfig;

pub fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}
