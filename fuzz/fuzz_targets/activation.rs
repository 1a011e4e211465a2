#![no_main]
//! Fuzz target: see `jitgate::unstable::fuzzing::activation`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::unstable::fuzzing::activation(data));
