//! ieval JSONL reader. Input: 1 option byte (offset unit), then the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("jsonl", ieval_fuzz::scratch(), data));
