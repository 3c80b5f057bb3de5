//! a CAMT.053 statement.
#![no_main]

#[path = "../../tests/it/bank_readers/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::camt_file(data));
