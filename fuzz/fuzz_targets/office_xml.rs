//! The OOXML and ODF text extractors over any XML. Mutating a zip's
//! compressed bytes rarely gets past its checksums, so the target zips
//! the input itself: the first byte picks the format, and the rest is
//! split at the first NUL into the main part and a second part (shared
//! strings, the first slide, styles) stored uncompressed.
#![no_main]

mod common;

use std::io::{Cursor, Write};

use zip::write::{SimpleFileOptions, ZipWriter};

const CONTENT_TYPES: &str = "[Content_Types].xml";

fn package(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        zip.start_file(*name, stored).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (main, second) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &b""[..]),
    };
    let types = br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;
    let (name, declared, file) = match pick % 4 {
        0 => (
            "fuzz.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            package(&[
                (CONTENT_TYPES, types),
                ("word/document.xml", main),
                ("word/styles.xml", second),
            ]),
        ),
        1 => (
            "fuzz.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            package(&[
                (CONTENT_TYPES, types),
                ("xl/workbook.xml", br#"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
                ("xl/_rels/workbook.xml.rels", br#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#),
                ("xl/worksheets/sheet1.xml", main),
                ("xl/sharedStrings.xml", second),
            ]),
        ),
        2 => (
            "fuzz.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            package(&[
                (CONTENT_TYPES, types),
                ("ppt/presentation.xml", main),
                ("ppt/slides/slide1.xml", second),
            ]),
        ),
        _ => (
            "fuzz.odt",
            "application/vnd.oasis.opendocument.text",
            package(&[
                ("mimetype", b"application/vnd.oasis.opendocument.text"),
                ("content.xml", main),
                ("styles.xml", second),
            ]),
        ),
    };
    common::treat_checked(name, declared, &file);
});
