//! a bank's CSV export, guessed and read with fixed rules.
#![no_main]

#[path = "../../tests/it/bank_readers/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::csv_file(data));
