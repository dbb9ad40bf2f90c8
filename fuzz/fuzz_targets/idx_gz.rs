//! Fuzz target `idx_gz`: see `harness::idx_gz`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::idx_gz(data));
