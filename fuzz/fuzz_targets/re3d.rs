//! re3d folder reader. Input: 1 option byte (strict), then
//! `documents.json \0 entities.json \0 relations.json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("re3d", ieval_fuzz::scratch(), data));
