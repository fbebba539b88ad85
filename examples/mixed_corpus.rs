//! Writes a realistic mixed corpus of distinct mails for the PDF-heavy
//! benchmark (`CORPUS=DIR bash benches/e2e.sh`): what a municipality receives on an
//! ordinary day, and what makes a sanitizer work.
//!
//! Every message differs from every other (text, page count, pixels,
//! spreadsheet values: all drawn from the message's number), so no cache
//! anywhere can flatter a figure. The mix, by message number:
//! - 4 in 10: an HTML newsletter (tables, links) with two inline images
//!   (a PNG chart and a JPEG photo, `cid:`), and its text alternative;
//! - 3 in 10: a Japanese business mail with a multi-page PDF (1 to 8 A4
//!   pages of text and drawn shapes);
//! - 2 in 10: a mail with a camera photo (JPEG, 1600 x 1200);
//! - 1 in 10: a mail with an Office file (a docx report or an xlsx sheet).
//!
//! Usage: `cargo run --release --example mixed_corpus -- DIR [COUNT]`
//! (COUNT defaults to 200).

#[path = "../tests/files/mod.rs"]
mod files;

use std::io::Cursor;

use base64::Engine;
use image::{ImageFormat, Rgb, RgbImage};

/// A small deterministic generator (xorshift), seeded by message number.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TOPICS: [&str; 8] = [
    "予算執行状況",
    "防災訓練の実施",
    "住民説明会の開催",
    "システム更改",
    "入札結果",
    "会議資料の送付",
    "研修のご案内",
    "契約更新",
];

fn paragraph(dice: &mut Dice, n: usize) -> String {
    let topic = TOPICS[dice.below(TOPICS.len() as u64) as usize];
    format!(
        "お世話になっております。{topic}について、資料番号 {n}-{} をお送りします。\r\n\
ご確認のほど、よろしくお願いいたします。金額は {} 円、期日は {} 月 {} 日です。\r\n\
詳細は https://www.example.co.jp/docs/{n}/{} をご覧ください。\r\n",
        dice.below(10_000),
        dice.below(9_000_000) + 10_000,
        dice.below(12) + 1,
        dice.below(28) + 1,
        dice.below(100_000),
    )
}

/// A report of 1 to 8 A4 pages: numbered lines of text and a bar chart.
fn report_pdf(dice: &mut Dice, n: usize) -> Vec<u8> {
    let pages = 1 + dice.below(8) as usize;
    let contents: Vec<String> = (0..pages)
        .map(|page| {
            let mut content = String::from("BT 10 TL 50 800 Td /F1 10 Tf\n");
            for line in 0..40 {
                content.push_str(&format!(
                    "(Report {n} page {page} line {line}: item {} costs {} yen, department {}.) '\n",
                    dice.below(1000),
                    dice.below(1_000_000),
                    dice.below(50)
                ));
            }
            content.push_str("ET\n");
            for bar in 0..12 {
                let height = 20 + dice.below(180);
                let grey = dice.below(100) as f64 / 100.0;
                content.push_str(&format!(
                    "{grey:.2} g {} 80 30 {height} re f\n",
                    60 + bar * 40
                ));
            }
            content
        })
        .collect();
    files::pdf_with_pages(&[files::helvetica()], &contents)
}

/// A photo-like picture: smooth gradients with sensor noise.
fn photo(dice: &mut Dice, width: u32, height: u32) -> Vec<u8> {
    let (r0, g0, b0) = (dice.below(200), dice.below(200), dice.below(200));
    let mut noise = Dice::new(dice.next());
    let image = RgbImage::from_fn(width, height, |x, y| {
        let n = noise.below(24) as u32;
        Rgb([
            ((r0 as u32 + x * 55 / width + n) % 256) as u8,
            ((g0 as u32 + y * 55 / height + n) % 256) as u8,
            ((b0 as u32 + (x + y) * 40 / (width + height) + n) % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    let _ = image.write_to(&mut out, ImageFormat::Jpeg);
    out.into_inner()
}

/// A bar chart as a PNG (flat colours, as charts are).
fn chart(dice: &mut Dice) -> Vec<u8> {
    let bars: Vec<u32> = (0..10).map(|_| 20 + dice.below(160) as u32).collect();
    let colour = [dice.below(256) as u8, dice.below(256) as u8, 180];
    let image = RgbImage::from_fn(480, 200, |x, y| {
        let bar = (x / 48) as usize;
        if x % 48 > 6 && 200 - y < bars[bar] {
            Rgb(colour)
        } else {
            Rgb([255, 255, 255])
        }
    });
    let mut out = Cursor::new(Vec::new());
    let _ = image.write_to(&mut out, ImageFormat::Png);
    out.into_inner()
}

fn b64_lines(bytes: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(text.len() + text.len() / 76 * 2 + 2);
    for line in text.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
        out.push_str("\r\n");
    }
    out
}

fn header(n: usize, subject: &str, content_type: &str) -> String {
    let subject = base64::engine::general_purpose::STANDARD.encode(subject);
    format!(
        "From: =?UTF-8?B?5bGx55Sw?= <sender{n}@example.co.jp>\r\nTo: staff@example.lg.jp\r\n\
Subject: =?UTF-8?B?{subject}?=\r\nDate: Thu, 3 Dec 2026 09:{:02}:00 +0900\r\n\
Message-ID: <corpus-{n}@example.co.jp>\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\n",
        n % 60
    )
}

fn text_part(text: &str) -> String {
    format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        b64_lines(text.as_bytes())
    )
}

fn file_part(mime: &str, name: &str, bytes: &[u8], inline_id: Option<&str>) -> String {
    let disposition = match inline_id {
        Some(id) => {
            format!("Content-ID: <{id}>\r\nContent-Disposition: inline; filename=\"{name}\"")
        }
        None => format!("Content-Disposition: attachment; filename=\"{name}\""),
    };
    format!(
        "Content-Type: {mime}; name=\"{name}\"\r\n{disposition}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        b64_lines(bytes)
    )
}

fn multipart(boundary: &str, parts: &[String]) -> String {
    let mut out = String::new();
    for part in parts {
        out.push_str(&format!("--{boundary}\r\n{part}"));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

fn message(n: usize) -> Vec<u8> {
    let mut dice = Dice::new(n as u64 + 1);
    let text: String = (0..3 + dice.below(6))
        .map(|_| paragraph(&mut dice, n))
        .collect();
    let topic = TOPICS[n % TOPICS.len()];
    let mixed = format!("multipart/mixed; boundary=\"mix{n}\"");
    let body = match n % 10 {
        0..=3 => {
            let rows: String = (0..8 + dice.below(20))
                .map(|i| {
                    format!(
                        "<tr><td>{i}</td><td>{}</td><td><a href=\"https://www.example.co.jp/n/{n}/{i}\">詳細</a></td></tr>",
                        paragraph(&mut dice, n)
                    )
                })
                .collect();
            let html = format!(
                "<html><body><h1>{topic}のお知らせ</h1><img src=\"cid:chart{n}\"><table>{rows}</table><p><img src=\"cid:photo{n}\"></p></body></html>"
            );
            let alternative = multipart(
                &format!("alt{n}"),
                &[
                    text_part(&text),
                    format!(
                        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                        b64_lines(html.as_bytes())
                    ),
                ],
            );
            let related = multipart(
                &format!("rel{n}"),
                &[
                    format!(
                        "Content-Type: multipart/alternative; boundary=\"alt{n}\"\r\n\r\n{alternative}"
                    ),
                    file_part(
                        "image/png",
                        "chart.png",
                        &chart(&mut dice),
                        Some(&format!("chart{n}")),
                    ),
                    file_part(
                        "image/jpeg",
                        "photo.jpg",
                        &photo(&mut dice, 640, 480),
                        Some(&format!("photo{n}")),
                    ),
                ],
            );
            format!(
                "{}\r\n{related}",
                header(
                    n,
                    &format!("{topic}のお知らせ"),
                    &format!("multipart/related; boundary=\"rel{n}\"")
                )
            )
        }
        4..=6 => format!(
            "{}\r\n{}",
            header(n, &format!("{topic}の資料"), &mixed),
            multipart(
                &format!("mix{n}"),
                &[
                    text_part(&text),
                    file_part(
                        "application/pdf",
                        &format!("report{n}.pdf"),
                        &report_pdf(&mut dice, n),
                        None
                    ),
                ],
            )
        ),
        7 | 8 => format!(
            "{}\r\n{}",
            header(n, &format!("{topic}の写真"), &mixed),
            multipart(
                &format!("mix{n}"),
                &[
                    text_part(&text),
                    file_part(
                        "image/jpeg",
                        &format!("IMG_{n:04}.jpg"),
                        &photo(&mut dice, 1600, 1200),
                        None
                    ),
                ],
            )
        ),
        _ => {
            let (mime, name, bytes) = if n % 20 == 9 {
                (
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    format!("報告書{n}.docx"),
                    files::docx_with(&text.replace("\r\n", "\n")),
                )
            } else {
                (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    format!("集計{n}.xlsx"),
                    files::xlsx_sharing(
                        20 + dice.below(200) as usize,
                        10 + dice.below(300) as usize,
                    ),
                )
            };
            let name_b64 = base64::engine::general_purpose::STANDARD.encode(&name);
            let part = format!(
                "Content-Type: {mime}\r\nContent-Disposition: attachment; filename=\"=?UTF-8?B?{name_b64}?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                b64_lines(&bytes)
            );
            format!(
                "{}\r\n{}",
                header(n, &format!("{topic}の件"), &mixed),
                multipart(&format!("mix{n}"), &[text_part(&text), part])
            )
        }
    };
    body.into_bytes()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: mixed_corpus DIR [COUNT]");
        std::process::exit(2);
    };
    let count: usize = args.next().and_then(|c| c.parse().ok()).unwrap_or(200);
    let dir = std::path::PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(1);
    }
    let mut total = 0;
    for n in 0..count {
        let bytes = message(n);
        total += bytes.len();
        let path = dir.join(format!("{n:05}.eml"));
        if let Err(e) = std::fs::write(&path, &bytes) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
    }
    println!(
        "{count} messages, {:.1} MB, average {:.0} KB, in {}",
        total as f64 / 1e6,
        total as f64 / count.max(1) as f64 / 1e3,
        dir.display()
    );
}
