//! Fuzz target `cifar_targz`: see `harness::cifar_targz`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::cifar_targz(data));
