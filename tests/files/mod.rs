//! Files the attachment tests build themselves: PDFs written object by
//! object, images with payloads spliced in, Office documents and zips
//! assembled entry by entry, a TNEF stream, a PE stub. Nothing here is
//! copied from elsewhere; each file is as small as the test allows.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use image::codecs::gif::GifEncoder;
use image::{Delay, Frame, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// A PDF from numbered object bodies (object i+1 = `objects[i]`), with a
/// correct cross-reference table.
pub fn pdf(objects: &[String], trailer_extra: &str) -> Vec<u8> {
    let objects: Vec<&[u8]> = objects.iter().map(|o| o.as_bytes()).collect();
    pdf_of_bytes(&objects, trailer_extra)
}

/// As [`pdf`], for object bodies that hold binary stream data.
pub fn pdf_of_bytes(objects: &[&[u8]], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict: &str, data: &str) -> String {
    format!(
        "<< {dict} /Length {} >>\nstream\n{data}\nendstream",
        data.len()
    )
}

/// A page with a black square at (100, 300)-(300, 500) and some text,
/// plus JavaScript, an OpenAction, a Launch action, a URI link, a form and
/// an embedded file.
pub fn active_pdf() -> Vec<u8> {
    pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /AcroForm << /Fields [] >> /Names << /EmbeddedFiles << /Names [(payload.txt) 6 0 R] >> /JavaScript << /Names [(init) 5 0 R] >> >> >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Annots [8 0 R 9 0 R] /AA << /O 5 0 R >> >>".into(),
            stream("", "0 0 0 rg 100 300 200 200 re f BT /F1 24 Tf 72 720 Td (Invoice) Tj ET"),
            "<< /S /JavaScript /JS (app.alert\\('x'\\)) >>".into(),
            "<< /Type /Filespec /F (payload.txt) /EF << /F 7 0 R >> >>".into(),
            stream("/Type /EmbeddedFile", "EMBEDDED-PAYLOAD"),
            "<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] /A << /S /URI /URI (http://evil.example/) >> >>".into(),
            "<< /Type /Annot /Subtype /Link /Rect [72 560 300 580] /A << /S /Launch /F (calc.exe) >> >>".into(),
        ],
        "",
    )
}

/// 日本語の文書 at 48 pt in MS-Mincho, which the PDF does not embed
/// (Adobe-Japan1, UniJIS-UCS2-H), as Japanese office PDFs often are.
pub fn japanese_pdf() -> Vec<u8> {
    pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".into(),
            stream("", "BT /F1 48 Tf 72 700 Td <65E5672C8A9E306E658766F8> Tj ET"),
            "<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /UniJIS-UCS2-H /DescendantFonts [6 0 R] >>".into(),
            "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /MS-Mincho /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>".into(),
            "<< /Type /FontDescriptor /FontName /MS-Mincho /Flags 6 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>".into(),
        ],
        "",
    )
}

/// `n` pages, each with a grey square.
pub fn pages_pdf(n: usize) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n} >>",
            (0..n)
                .map(|i| format!("{} 0 R", 3 + 2 * i))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ];
    for i in 0..n {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R >>",
            4 + 2 * i
        ));
        objects.push(stream(
            "",
            &format!("0.5 g {} 100 100 100 re f", 50 + 40 * i),
        ));
    }
    pdf(&objects, "")
}

/// `n` A4 pages in colour: a grid of 24 x 34 coloured squares under
/// a few lines of text (a brochure or slide), different on every page.
pub fn colour_pdf(n: usize) -> Vec<u8> {
    let contents: Vec<String> = (0..n)
        .map(|page| {
            let mut content = String::new();
            for row in 0..34 {
                for col in 0..24 {
                    let (r, g, b) = (
                        (row * 7 + page * 3) % 10,
                        (col * 3 + page) % 10,
                        (row + col) % 10,
                    );
                    content.push_str(&format!(
                        "0.{r} 0.{g} 0.{b} rg {} {} 24 24 re f\n",
                        10 + col * 24,
                        10 + row * 24
                    ));
                }
            }
            content.push_str("0 0 0 rg BT /F1 14 Tf 50 800 Td (Colour page) Tj ET");
            content
        })
        .collect();
    pdf_with_pages(&[helvetica()], &contents)
}

/// A PDF locked with a user password (the empty password does not open it).
pub fn encrypted_pdf() -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string(),
    ];
    let o = "AB".repeat(32);
    let u = "CD".repeat(32);
    objects.push(format!(
        "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <{o}> /U <{u}> >>"
    ));
    pdf(
        &objects,
        "/Encrypt 4 0 R /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>]",
    )
}

fn encode(image: &image::DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_pixel(width, height, Rgb([10, 120, 200]));
    encode(&image.into(), ImageFormat::Png)
}

/// A 16x8 PNG with a tEXt chunk after IHDR and a zip appended after IEND.
pub fn png_with_payloads() -> Vec<u8> {
    let image = RgbImage::from_pixel(16, 8, Rgb([200, 30, 40]));
    let clean = encode(&image.into(), ImageFormat::Png);
    let after_ihdr = 8 + 25;
    let data = b"Comment\0SECRET-COMMENT";
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(b"tEXt");
    crc.update(data);
    chunk.extend_from_slice(&crc.sum().to_be_bytes());
    let mut out = clean[..after_ihdr].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&clean[after_ihdr..]);
    out.extend_from_slice(&zip(
        &[("hidden.txt", b"SECRET-COMMENT in a zip".as_slice())],
        true,
    ));
    assert!(
        image::load_from_memory(&out).is_ok(),
        "the carrier is a valid PNG"
    );
    out
}

/// A 32x16 JPEG with an EXIF block: orientation 6 and a GPS-like marker.
pub fn jpeg_with_exif() -> Vec<u8> {
    let image = RgbImage::from_fn(32, 16, |x, _| Rgb([(x * 8) as u8, 100, 50]));
    let clean = encode(&image.into(), ImageFormat::Jpeg);
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&6u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(b"GPS-SECRET 35.6895N 139.6917E");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = clean[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&clean[2..]);
    out
}

/// Two 4x4 frames: red, then blue.
pub fn two_frame_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        let frames = [Rgba([255, 0, 0, 255]), Rgba([0, 0, 255, 255])].map(|color| {
            Frame::from_parts(
                RgbaImage::from_pixel(4, 4, color),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            )
        });
        encoder.encode_frames(frames).unwrap();
    }
    out
}

/// A zip of `(name, bytes)`, deflated or stored.
pub fn zip(entries: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let method = if deflate {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    for (name, bytes) in entries {
        writer
            .start_file(
                *name,
                SimpleFileOptions::default().compression_method(method),
            )
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;

fn word(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    )
}

pub fn docx() -> Vec<u8> {
    let document = word(concat!(
        r#"<w:p><w:r><w:t>第1回 定例会議 </w:t></w:r><w:r><w:t>議事録</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t xml:space="preserve">出席者: 山田、鈴木</w:t></w:r><w:del><w:r><w:delText>削除済み</w:delText></w:r></w:del></w:p>"#,
        r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>項目</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>担当</w:t></w:r></w:p></w:tc></w:tr>"#,
        r#"<w:tr><w:tc><w:p><w:r><w:t>予算案 &amp; 日程</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>総務課</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
        r#"<w:p><w:r><w:instrText>HYPERLINK "http://evil.example"</w:instrText><w:t>以上</w:t></w:r></w:p>"#,
    ));
    zip(
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("word/document.xml", document.as_bytes()),
        ],
        true,
    )
}

/// A docx of one paragraph per line of `text` (XML-escaped).
pub fn docx_with(text: &str) -> Vec<u8> {
    let paragraphs: String = text
        .lines()
        .map(|line| {
            let escaped = line.replace('&', "&amp;").replace('<', "&lt;");
            format!(r#"<w:p><w:r><w:t xml:space="preserve">{escaped}</w:t></w:r></w:p>"#)
        })
        .collect();
    let document = word(&paragraphs);
    zip(
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("word/document.xml", document.as_bytes()),
        ],
        true,
    )
}

pub fn docm() -> Vec<u8> {
    let document = word(r#"<w:p><w:r><w:t>ご確認ください</w:t></w:r></w:p>"#);
    zip(
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("word/document.xml", document.as_bytes()),
            (
                "word/vbaProject.bin",
                b"Attribute VB_Name = \"ThisDocument\"\nSub AutoOpen()\nShell \"MALICIOUS-MACRO-MARKER\"\nEnd Sub\n",
            ),
        ],
        false,
    )
}

/// A one-sheet xlsx whose sheet has `cells` cells in one row, each naming
/// the one shared string, `shared_len` bytes long.
pub fn xlsx_sharing(shared_len: usize, cells: usize) -> Vec<u8> {
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{}</t></si></sst>"#,
        "x".repeat(shared_len)
    );
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{}</row></sheetData></worksheet>"#,
        r#"<c t="s"><v>0</v></c>"#.repeat(cells)
    );
    zip(
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            ("xl/sharedStrings.xml", strings.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ],
        true,
    )
}

pub fn xlsx() -> Vec<u8> {
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="見積" sheetId="1" r:id="rId1"/><sheet name="備考" sheetId="2" r:id="rId2"/></sheets></workbook>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x" Target="/xl/worksheets/sheet2.xml"/></Relationships>"#;
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>品名</t></si><si><t>数量</t></si><si><t>単価</t></si><si><t>納期</t></si><si><r><t>庁用</t></r><r><t>パソコン</t></r><rPh sb="0" eb="2"><t>チョウヨウ</t></rPh></si><si><t>合計</t></si><si><t>税率</t></si></sst>"#;
    let styles = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="176"/><xf numFmtId="9"/></cellXfs></styleSheet>"#;
    let sheet1 = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row><row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2"><v>10</v></c><c r="C2"><v>98000.5</v></c><c r="D2" s="1"><v>46349</v></c></row><row r="3"><c r="A3" t="s"><v>5</v></c><c r="C3"><f>B2*C2</f><v>980005.00000000012</v></c></row></sheetData></worksheet>"#;
    let sheet2 = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>6</v></c><c r="B1" s="2"><v>0.1</v></c></row></sheetData></worksheet>"#;
    zip(
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            ("xl/sharedStrings.xml", strings.as_bytes()),
            ("xl/styles.xml", styles.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet1.as_bytes()),
            ("xl/worksheets/sheet2.xml", sheet2.as_bytes()),
        ],
        true,
    )
}

/// Three slides stored out of order; slide 10 comes after slide 2.
pub fn pptx() -> Vec<u8> {
    let slide = |text: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
        )
    };
    let (one, two, ten) = (
        slide("新庁舎の概要"),
        slide("工期: 2027年度"),
        slide("まとめ"),
    );
    zip(
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("ppt/presentation.xml", b"<p:presentation xmlns:p=\"p\"/>"),
            ("ppt/slides/slide10.xml", ten.as_bytes()),
            ("ppt/slides/slide2.xml", two.as_bytes()),
            ("ppt/slides/slide1.xml", one.as_bytes()),
        ],
        true,
    )
}

pub fn odt() -> Vec<u8> {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:h>報告書</text:h><text:p>本文です。<text:tab/>タブの後<office:annotation><text:p>内部コメント</text:p></office:annotation></text:p></office:text></office:body></office:document-content>"#;
    zip(
        &[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content.as_bytes()),
        ],
        false,
    )
}

/// A zip with a CP932-named text file (no UTF-8 flag, as old Windows
/// zips are), a PNG in a folder and an executable.
pub fn zip_of_mixed() -> Vec<u8> {
    let mut bytes = zip(
        &[
            ("ABCD.txt", "予算メモ".as_bytes()),
            ("docs/図.png", &png(4, 4)),
            ("setup.exe", &executable()),
        ],
        true,
    );
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("メモ.txt");
    replace_all(&mut bytes, b"ABCD.txt", &sjis);
    bytes
}

fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
}

/// 50 MiB of zeros deflated into ~50 KiB.
pub fn zip_bomb() -> Vec<u8> {
    zip(&[("zeros.bin", &vec![0u8; 50 << 20])], true)
}

/// A stored zip whose entry has the encryption flag set.
pub fn encrypted_zip() -> Vec<u8> {
    let mut bytes = zip(&[("secret.txt", b"not really encrypted")], false);
    set_flag(&mut bytes, 0x0001);
    bytes
}

/// Sets a general-purpose flag bit in every local and central header.
fn set_flag(bytes: &mut [u8], bit: u16) {
    for at in 0..bytes.len().saturating_sub(10) {
        let offset = match &bytes[at..at + 4] {
            b"PK\x03\x04" => 6,
            b"PK\x01\x02" => 8,
            _ => continue,
        };
        let flags = u16::from_le_bytes([bytes[at + offset], bytes[at + offset + 1]]) | bit;
        bytes[at + offset..at + offset + 2].copy_from_slice(&flags.to_le_bytes());
    }
}

pub fn zip_slip() -> Vec<u8> {
    zip(
        &[("../../../../etc/cron.d/evil.sh", b"* * * * * root sh")],
        true,
    )
}

/// A zip whose local header names a different file than the directory.
pub fn zip_with_lying_header() -> Vec<u8> {
    let mut bytes = zip(&[("real.txt", b"hello")], false);
    let local = bytes.windows(4).position(|w| w == b"PK\x03\x04").unwrap();
    let name_at = local + 30;
    bytes[name_at..name_at + 8].copy_from_slice(b"fake.exe");
    bytes
}

/// Zips inside zips, `depth` levels, with a text file at the bottom.
pub fn nested_zip(depth: usize) -> Vec<u8> {
    let mut inner = zip(&[("bottom.txt", b"deep")], true);
    for level in (1..depth).rev() {
        let name = format!("level{level}.zip");
        inner = zip(&[(name.as_str(), &inner)], true);
    }
    inner
}

/// A minimal PE file: MZ header pointing at a PE signature.
pub fn executable() -> Vec<u8> {
    let mut bytes = vec![0u8; 0x80];
    bytes[..2].copy_from_slice(b"MZ");
    bytes[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    bytes[0x40..0x44].copy_from_slice(b"PE\0\0");
    bytes[0x44..0x46].copy_from_slice(&0x14cu16.to_le_bytes());
    bytes.extend_from_slice(b"This program cannot be run in DOS mode.");
    bytes
}

/// A TNEF stream with one attachment: title (CP932) and data.
pub fn tnef() -> Vec<u8> {
    let (data, _, _) = encoding_rs::SHIFT_JIS.encode("次回は12月です。\r\n");
    tnef_with("議事メモ.txt", &data)
}

/// A TNEF stream with one attachment named `title` (written in CP932).
pub fn tnef_with(title: &str, data: &[u8]) -> Vec<u8> {
    fn attribute(out: &mut Vec<u8>, level: u8, id: u32, data: &[u8]) {
        out.push(level);
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        let checksum = data.iter().map(|&b| u32::from(b)).sum::<u32>() as u16;
        out.extend_from_slice(&checksum.to_le_bytes());
    }
    let mut out = 0x223E_9F78u32.to_le_bytes().to_vec();
    out.extend_from_slice(&0x0001u16.to_le_bytes());
    attribute(&mut out, 1, 0x0008_9006, &[1, 0, 0, 0]);
    attribute(&mut out, 2, 0x0006_9002, &[0u8; 14]);
    let (title, _, _) = encoding_rs::SHIFT_JIS.encode(title);
    let mut title = title.to_vec();
    title.push(0);
    attribute(&mut out, 2, 0x0001_8010, &title);
    attribute(&mut out, 2, 0x0006_800F, data);
    out
}

/// A PDF of A4 pages, one per content stream, with `fonts` (object
/// bodies) as /F1, /F2 … in every page's resources.
pub fn pdf_with_pages(fonts: &[String], contents: &[String]) -> Vec<u8> {
    pdf_with_sized_pages(fonts, contents, (595, 842))
}

/// As [`pdf_with_pages`], every page `size` points wide and high.
pub fn pdf_with_sized_pages(fonts: &[String], contents: &[String], size: (u32, u32)) -> Vec<u8> {
    let (width, height) = size;
    let first_page = 3 + fonts.len();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            (0..contents.len())
                .map(|i| format!("{} 0 R", first_page + 2 * i))
                .collect::<Vec<_>>()
                .join(" "),
            contents.len()
        ),
    ];
    objects.extend(fonts.iter().cloned());
    let resources: String = (0..fonts.len())
        .map(|i| format!("/F{} {} 0 R ", i + 1, 3 + i))
        .collect();
    for (page, content) in contents.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Contents {} 0 R /Resources << /Font << {resources}>> >> >>",
            first_page + 2 * page + 1
        ));
        objects.push(stream("", content));
    }
    pdf(&objects, "")
}

/// Helvetica, as a font object body.
pub fn helvetica() -> String {
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string()
}

/// A text document of `pages` A4 pages, 60 lines of 10 pt text each; the
/// Japanese variant sets every other line in MS-Mincho (not embedded).
pub fn text_pdf(pages: usize, japanese: bool) -> Vec<u8> {
    let mincho = "<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /UniJIS-UCS2-H /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /MS-Mincho /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /MS-Mincho /Flags 6 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >> /DW 1000 >>] >>".to_string();
    // 令和8年度 予算執行状況の報告について（第3四半期）
    let japanese_line = "<4EE4548C00385E745EA600204E887B9757F7884C72B66CC1306E5831544A306B306430443066FF087B2C003356DB534A671FFF09>";
    let contents: Vec<String> = (0..pages)
        .map(|page| {
            let mut content = String::from("BT 10 TL 50 800 Td\n");
            for line in 0..60 {
                if japanese && line % 2 == 1 {
                    content.push_str(&format!("/F2 10 Tf {japanese_line} ' \n"));
                } else {
                    content.push_str(&format!(
                        "/F1 10 Tf (Page {page} line {line}: The quarterly budget report lists expenditure by department and item.) '\n"
                    ));
                }
            }
            content.push_str("ET");
            content
        })
        .collect();
    pdf_with_pages(&[helvetica(), mincho], &contents)
}

/// A one-page PDF whose content stream deflates `decoded` bytes of
/// spaces (a valid, empty content) into a few kilobytes: a deflate bomb.
pub fn pdf_deflate_bomb(decoded: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 1 << 20];
    let mut left = decoded;
    while left > 0 {
        let n = left.min(spaces.len());
        encoder.write_all(&spaces[..n]).unwrap();
        left -= n;
    }
    let compressed = encoder.finish().unwrap();
    let mut content = format!(
        "<< /Filter /FlateDecode /Length {} >>\nstream\n",
        compressed.len()
    )
    .into_bytes();
    content.extend_from_slice(&compressed);
    content.extend_from_slice(b"\nendstream");
    pdf_of_bytes(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
            &content,
        ],
        "",
    )
}

/// A one-page PDF whose `/Contents` array names one small stream `parts`
/// times.
pub fn pdf_repeated_contents(parts: usize, stream_len: usize) -> Vec<u8> {
    let array = "5 0 R ".repeat(parts);
    pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>".into(),
            format!("[{array}]"),
            stream("", &" ".repeat(stream_len)),
        ],
        "",
    )
}

/// A 64×48 white picture with a black rectangle from (16,12) to (47,35),
/// encoded as `format` by the image crate.
pub fn square_as(format: ImageFormat) -> Vec<u8> {
    let mut pixels = RgbImage::from_pixel(64, 48, Rgb([255, 255, 255]));
    for x in 16..48 {
        for y in 12..36 {
            pixels.put_pixel(x, y, Rgb([0, 0, 0]));
        }
    }
    let mut out = Cursor::new(Vec::new());
    let pixels = image::DynamicImage::ImageRgb8(pixels);
    // The ICO encoder writes PNG entries that its decoder reads as RGBA only.
    let pixels = match format {
        ImageFormat::Ico => image::DynamicImage::ImageRgba8(pixels.to_rgba8()),
        _ => pixels,
    };
    pixels.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A PPAP archive: `見積書.txt` (Japanese text) and `setup.exe`, both
/// encrypted with `password` (AES-256, or ZipCrypto when `aes` is false).
pub fn ppap_zip(password: &str, aes: bool) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let plain = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let options = if aes {
        plain.with_aes_encryption(zip::AesMode::Aes256, password)
    } else {
        use zip::unstable::write::FileOptionsExt;
        plain
            .with_deprecated_encryption(password.as_bytes())
            .unwrap()
    };
    zip.start_file("見積書.txt", options).unwrap();
    zip.write_all("御見積金額 1,234,000円（税込）\n".as_bytes())
        .unwrap();
    zip.start_file("setup.exe", options).unwrap();
    zip.write_all(&executable()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A one-page text PDF that opens only with `user_password` (RC4, 128-bit
/// key, the standard security handler revision 3).
pub fn locked_pdf(user_password: &str) -> Vec<u8> {
    let mut document = lopdf::Document::load_mem(&text_pdf(1, false)).unwrap();
    if document.trailer.get(b"ID").is_err() {
        let id = lopdf::Object::string_literal(b"0123456789abcdef".to_vec());
        document
            .trailer
            .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
    }
    locked(document, user_password)
}

/// A docx as Word writes its skeleton (content types and relationships),
/// so that LibreOffice opens it too.
pub fn complete_docx(text: &str) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let paragraphs: String = text
        .lines()
        .map(|line| format!(r#"<w:p><w:r><w:rPr><w:sz w:val="48"/></w:rPr><w:t xml:space="preserve">{line}</w:t></w:r></w:p>"#))
        .collect();
    let document = word(&paragraphs);
    zip(
        &[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", rels.as_bytes()),
            ("word/document.xml", document.as_bytes()),
        ],
        true,
    )
}

/// An xlsx as Excel writes its skeleton, one sheet of inline strings and
/// numbers.
pub fn complete_xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="見積" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let workbook_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let mut data = String::new();
    for (r, row) in rows.iter().enumerate() {
        data.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            if cell.parse::<f64>().is_ok() {
                data.push_str(&format!(r#"<c r="{at}"><v>{cell}</v></c>"#));
            } else {
                data.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t>{cell}</t></is></c>"#
                ));
            }
        }
        data.push_str("</row>");
    }
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
    );
    zip(
        &[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ],
        true,
    )
}

/// A zip bomb behind a password: 50 MiB of zeros, deflated, AES.
pub fn ppap_bomb(password: &str) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, password);
    zip.start_file("zeros.bin", options).unwrap();
    zip.write_all(&vec![0u8; 50 << 20]).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A PDF that opens only with `user_password` and then has no page at
/// all: the password is right and still nothing can be drawn.
pub fn locked_empty_pdf(user_password: &str) -> Vec<u8> {
    use lopdf::{Object, dictionary};
    let mut document = lopdf::Document::with_version("1.7");
    let pages = document.add_object(dictionary! {
        "Type" => "Pages",
        "Kids" => Vec::<Object>::new(),
        "Count" => 0,
    });
    let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    document.trailer.set("Root", catalog);
    let id = Object::string_literal(b"fedcba9876543210".to_vec());
    document
        .trailer
        .set("ID", Object::Array(vec![id.clone(), id]));
    locked(document, user_password)
}

/// `document` saved so that it opens only with `user_password` (RC4,
/// 128-bit key, the standard security handler revision 3).
fn locked(mut document: lopdf::Document, user_password: &str) -> Vec<u8> {
    use lopdf::encryption::{EncryptionState, EncryptionVersion, Permissions};
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &document,
        owner_password: "owner-of-the-file",
        user_password,
        key_length: 128,
        permissions: Permissions::all(),
    })
    .unwrap();
    document.encrypt(&state).unwrap();
    let mut out = Vec::new();
    document.save_to(&mut out).unwrap();
    out
}
