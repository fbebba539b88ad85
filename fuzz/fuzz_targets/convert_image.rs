//! The image re-encoder over any bytes; the first byte picks the declared
//! format, so each decoder is reached by label as well as by content.
#![no_main]

mod common;

const FORMATS: &[(&str, &str)] = &[
    ("fuzz.png", "image/png"),
    ("fuzz.jpg", "image/jpeg"),
    ("fuzz.gif", "image/gif"),
    ("fuzz.webp", "image/webp"),
    ("fuzz.bmp", "image/bmp"),
    ("fuzz.tif", "image/tiff"),
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let (name, declared) = FORMATS[usize::from(pick) % FORMATS.len()];
    common::treat_checked(name, declared, bytes);
});
