//! an OFX or QFX file (1.x SGML or 2.x XML).
#![no_main]

#[path = "../../tests/it/bank_readers/properties.rs"]
mod properties;

libfuzzer_sys::fuzz_target!(|data: &[u8]| properties::ofx_file(data));
