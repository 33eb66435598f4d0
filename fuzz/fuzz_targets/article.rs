//! Plain-text article reader: the layout heuristic, sentence splitting and tokenization,
//! through the file reader (BOM and UTF-8 handling included). Input: the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("article", ieval_fuzz::scratch(), data));
