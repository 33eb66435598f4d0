//! BRAT standoff reader. Input: 1 option byte (unit, strict), then `txt \0 ann`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("brat", ieval_fuzz::scratch(), data));
