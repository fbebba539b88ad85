//! Writes the fuzz targets' seed corpora: the samples under `samples/`
//! and the files the tests generate (`tests/files`), each shaped the way
//! its target reads input. `cargo run --example fuzz_seeds -- fuzz/corpus`
//! (fuzz/README.md); the corpora are generated, not committed.

#[path = "../tests/files/mod.rs"]
mod files;

use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    let samples = samples();
    let mut written = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = out.join(target);
        fs::create_dir_all(&dir).expect("create the corpus directory");
        fs::write(dir.join(name), bytes).expect("write a seed");
        written += 1;
    };
    for (name, mail) in &samples {
        put("sanitize", name, mail);
        put("ppap_view", name, mail);
        put("text_writer", name, mail);
        put("dot_decoder", name, &[&[7u8][..], &dotted(mail)].concat());
        put("smtp_session", name, &dialogue(mail, false));
    }
    if let Some((name, mail)) = samples.first() {
        put(
            "smtp_session",
            &format!("pipelined-{name}"),
            &dialogue(mail, true),
        );
    }
    put(
        "smtp_session",
        "refusals",
        b"HELO x\r\nMAIL FROM:<@a,@b:c@d>\r\nRCPT TO:<a%b@c>\r\nMAIL FROM:<a@b> BODY=8BITMIME SMTPUTF8\r\n\
RCPT TO:<\"a b\"@c>\r\nRCPT TO:<a\x01@b>\r\nVRFY x\r\nBDAT 10\r\nSTARTTLS\r\nRSET\r\nNOOP\r\nHELP\r\nbare\nQUIT\r\n",
    );

    for (name, seed) in [
        ("ppap-aes.zip", files::ppap_zip("Mitsumori#2026", true)),
        (
            "ppap-zipcrypto.zip",
            files::ppap_zip("Mitsumori#2026", false),
        ),
        ("locked.pdf", files::locked_pdf("Mitsumori#2026")),
        (
            "password-lines.txt",
            "パスワード：Mitsumori#2026\nPW: abc123\n解凍パスワードは「Tk9$2wqa」です。\n"
                .as_bytes()
                .to_vec(),
        ),
    ] {
        put("ppap_view", name, &seed);
    }
    for (name, pdf) in [
        ("active", files::active_pdf()),
        ("japanese", files::japanese_pdf()),
        ("pages", files::pages_pdf(3)),
        ("encrypted", files::encrypted_pdf()),
        ("text", files::text_pdf(2, true)),
    ] {
        put("convert_pdf", name, &pdf);
    }
    for entry in fs::read_dir("tests/fixtures/pdf").expect("tests/fixtures/pdf") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pdf") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            put("convert_pdf", &name, &fs::read(&path).unwrap());
        }
    }
    for (pick, name, format) in [
        (6u8, "pam", image::ImageFormat::Pnm),
        (7, "ico", image::ImageFormat::Ico),
        (8, "tga", image::ImageFormat::Tga),
        (9, "qoi", image::ImageFormat::Qoi),
    ] {
        put(
            "convert_image",
            name,
            &[&[pick][..], &files::square_as(format)].concat(),
        );
    }
    put(
        "convert_image",
        "svg",
        &[
            &[11u8][..],
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect x="5" y="5" width="20" height="10"/><text x="2" y="28">文字</text></svg>"#.as_bytes(),
        ]
        .concat(),
    );
    for name in ["square.jp2", "square.j2k"] {
        let bytes = fs::read(Path::new("tests/fixtures/images").join(name)).unwrap();
        put("convert_image", name, &[&[10u8][..], &bytes].concat());
    }
    for (pick, name, image) in [
        (0u8, "png", files::png(40, 30)),
        (0, "png-payloads", files::png_with_payloads()),
        (1, "jpeg-exif", files::jpeg_with_exif()),
        (2, "gif", files::two_frame_gif()),
    ] {
        put("convert_image", name, &[&[pick][..], &image].concat());
    }
    for (name, zip) in [
        ("mixed", files::zip_of_mixed()),
        ("bomb", files::zip_bomb()),
        ("encrypted", files::encrypted_zip()),
        ("slip", files::zip_slip()),
        ("lying", files::zip_with_lying_header()),
        ("nested", files::nested_zip(3)),
        ("docx", files::docx()),
    ] {
        put("convert_zip", name, &zip);
    }
    for (pick, name, document, main, second) in [
        (
            0u8,
            "docx",
            files::docx(),
            "word/document.xml",
            "word/styles.xml",
        ),
        (
            1,
            "xlsx",
            files::xlsx(),
            "xl/worksheets/sheet1.xml",
            "xl/sharedStrings.xml",
        ),
        (
            2,
            "pptx",
            files::pptx(),
            "ppt/presentation.xml",
            "ppt/slides/slide1.xml",
        ),
        (3, "odt", files::odt(), "content.xml", "styles.xml"),
    ] {
        let seed = [
            &[pick][..],
            &entry(&document, main),
            b"\0",
            &entry(&document, second),
        ]
        .concat();
        put("office_xml", name, &seed);
    }
    put("convert_tnef", "one", &files::tnef());
    put(
        "convert_tnef",
        "nested",
        &files::tnef_with("inner.dat", &files::tnef()),
    );
    put(
        "convert_calendar",
        "invite",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:定例会議 https://evil.example/\r\n\
DTSTART;TZID=Asia/Tokyo:20261203T100000\r\nDTEND:20261203T020000Z\r\nLOCATION:本庁舎 3F\\, 会議室\r\n\
ORGANIZER;CN=\"山田 太郎\":mailto:yamada@example.jp\r\nDESCRIPTION:議題\\n1. 予算\r\n  続き\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            .as_bytes(),
    );
    println!("{written} seeds under {}", out.display());
}

/// Every `.eml` under `samples/` and `samples/japanese/`, by file name.
fn samples() -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = ["samples", "samples/japanese"]
        .iter()
        .flat_map(|dir| {
            fs::read_dir(Path::new(dir)).expect("run from the repository's top directory")
        })
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "eml").then(|| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, fs::read(&path).unwrap())
            })
        })
        .collect();
    found.sort();
    found
}

/// `mail` as SMTP DATA: CRLF line ends, dots doubled, the final dot line.
fn dotted(mail: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(mail.len() + 8);
    for line in mail.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b".") {
            out.push(b'.');
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// A whole client side of a session delivering `mail`.
fn dialogue(mail: &[u8], pipelined: bool) -> Vec<u8> {
    let verb = if pipelined { "EHLO" } else { "HELO" };
    let mut out = format!(
        "{verb} client.example\r\nMAIL FROM:<sender@example.com> SIZE={}\r\nRCPT TO:<taro@example.lg.jp>\r\nDATA\r\n",
        mail.len()
    )
    .into_bytes();
    out.extend_from_slice(&dotted(mail));
    out.extend_from_slice(b"QUIT\r\n");
    out
}

/// One entry of a zip (empty when absent).
fn entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a generated zip");
    let mut bytes = Vec::new();
    if let Ok(mut file) = archive.by_name(name) {
        file.read_to_end(&mut bytes).unwrap();
    }
    bytes
}
