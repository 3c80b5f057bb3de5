//! A webhook delivery: the first line is the `X-Mindbody-Signature` header, the rest the body.
#![no_main]

#[path = "../../tests/it/support/readers.rs"]
mod readers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (header, body) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    readers::webhook_signature(&String::from_utf8_lossy(header), body);
    readers::webhook_body(body);
});
