//! Fuzz target `cifar_batch`: see `harness::cifar_batch`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::cifar_batch(data));
