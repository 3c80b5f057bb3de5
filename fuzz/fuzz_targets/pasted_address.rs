//! The address a person pastes back after signing in to Mindbody.
#![no_main]

#[path = "../../tests/it/support/readers.rs"]
mod readers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| readers::pasted_address(&String::from_utf8_lossy(data)));
