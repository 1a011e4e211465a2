#![no_main]
//! Fuzz target: see `jitgate::unstable::fuzzing::load`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::unstable::fuzzing::load(data));
