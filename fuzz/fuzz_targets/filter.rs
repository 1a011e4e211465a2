#![no_main]
//! Fuzz target: see `jitgate::unstable::fuzzing::filter`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::unstable::fuzzing::filter(data));
