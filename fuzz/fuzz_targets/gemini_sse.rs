//! A Gemini `streamGenerateContent?alt=sse` body; the first byte picks how it is split on the
//! wire (1 to 256 bytes a piece).
#![no_main]

#[path = "../../tests/it/support/readers.rs"]
mod readers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((cut, body)) = data.split_first() else {
        return;
    };
    readers::gemini_stream(body, &[usize::from(*cut) + 1]);
});
