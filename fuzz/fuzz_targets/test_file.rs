#![no_main]
//! Fuzz target: see `jitgate::unstable::fuzzing::test_file`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::unstable::fuzzing::test_file(data));
