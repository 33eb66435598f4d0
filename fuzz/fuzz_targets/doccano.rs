//! doccano JSONL reader. Input: 1 option byte (unit, strict), then the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("doccano", ieval_fuzz::scratch(), data));
