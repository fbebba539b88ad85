//! The zip unpacker over any bytes declared as a zip: every entry is then
//! treated by its own converter, nested containers included.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::treat_checked("fuzz.zip", "application/zip", data);
});
