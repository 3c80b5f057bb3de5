//! `config.toml`.
#![no_main]

#[path = "../../tests/it/support/readers.rs"]
mod readers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| readers::config_file(&String::from_utf8_lossy(data)));
