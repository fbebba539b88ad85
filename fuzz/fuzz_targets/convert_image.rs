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
    ("fuzz.ppm", "image/x-portable-pixmap"),
    ("fuzz.ico", "image/vnd.microsoft.icon"),
    ("fuzz.tga", "image/x-tga"),
    ("fuzz.qoi", "image/qoi"),
    ("fuzz.jp2", "image/jp2"),
    ("fuzz.svg", "image/svg+xml"),
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let (name, declared) = FORMATS[usize::from(pick) % FORMATS.len()];
    common::treat_checked(name, declared, bytes);
});
