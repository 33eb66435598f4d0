//! Prodigy / spaCy JSONL reader. Input: 1 option byte (unit, strict, rejected kept), then
//! the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("prodigy", ieval_fuzz::scratch(), data));
