//! A Mindbody Public API page (sales, clients, card transactions, categories).
#![no_main]

#[path = "../../tests/it/support/readers.rs"]
mod readers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| readers::mindbody_page(data));
