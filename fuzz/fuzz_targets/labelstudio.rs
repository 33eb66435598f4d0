//! Label Studio JSON reader. Input: 1 option byte (strict, which annotation), then the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("labelstudio", ieval_fuzz::scratch(), data));
