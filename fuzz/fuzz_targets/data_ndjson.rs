//! Fuzz bytes as a .ndjson prediction file through `data::load` (see `loader.rs`).
#![no_main]

mod loader;

libfuzzer_sys::fuzz_target!(|data: &[u8]| loader::run("ndjson", data));
