//! The winmail.dat (TNEF) unpacker over any bytes.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::treat_checked("winmail.dat", "application/ms-tnef", data);
});
