#![no_main]
//! Fuzz target: see `jitgate::fuzzing::activation`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::fuzzing::activation(data));
