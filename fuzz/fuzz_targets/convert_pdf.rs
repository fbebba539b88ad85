//! The PDF rasteriser (hayro) over any bytes declared as a PDF.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::treat_checked("fuzz.pdf", "application/pdf", data);
});
