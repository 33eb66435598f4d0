//! CoNLL reader under random options: scheme (or guessed), every policy including the
//! anchor tools' chunkers, tag columns, token column, document breaks, delimiter, strict.
//! Input: 4 option bytes, then the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("conll", ieval_fuzz::scratch(), data));
