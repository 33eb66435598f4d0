//! MEANTIME CAT XML reader. Input: 1 option byte (strict), then the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("meantime", ieval_fuzz::scratch(), data));
