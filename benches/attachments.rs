//! Attachment conversion speed, each figure beside its comparison in the
//! same run:
//! - PDF rasterisation at 150 DPI (render + encode + assemble a new PDF),
//!   pages per second on one thread and on every core, against Debian's
//!   poppler `pdftoppm -r 150` (one thread) writing raw pixels (PPM) and
//!   writing PNG, on the same PDFs;
//! - the latency of one 100-page PDF on one thread and on every core (the
//!   target: pages ÷ cores × the time of a page);
//! - image re-encoding, MB/s of input, against the `image` crate's bare
//!   decode of the same bytes (the floor any re-encoder pays).
//!
//! Run: `cargo bench --bench attachments` (pdftoppm from poppler-utils
//! must be installed for the comparison; without it only mugai's figures
//! are printed). Figures go in BENCHMARKS.md.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::{ImageFormat, Rgb, RgbImage};
use mugai::policy::Policy;
use mugai::sanitize::attach::{Input, Verdict, treat};

#[path = "../tests/files/mod.rs"]
mod files;

const PAGES: usize = 20;

/// The default policy with its CJK font, rendering on `threads` threads
/// (0: one per core).
fn policy(threads: usize) -> Policy {
    let mut policy = Policy::default();
    policy.attachments.fonts.cjk = mugai::fonts::load_cjk("").ok().flatten();
    policy.attachments.pdf_threads = threads;
    policy
}

fn rasterise(pdf: &[u8], policy: &Policy) -> usize {
    let input = Input {
        name: Some("bench.pdf"),
        declared: "application/pdf",
        charset: None,
        bytes: pdf,
    };
    match treat(&input, policy).verdict {
        Verdict::Replaced { file, .. } => file.bytes.len(),
        other => panic!("not rasterised: {other:?}"),
    }
}

fn pdftoppm(pdf: &Path, out: &Path, png: bool) {
    let mut command = Command::new("pdftoppm");
    command.arg("-r").arg("150");
    if png {
        command.arg("-png");
    }
    let status = command.arg(pdf).arg(out).status().expect("pdftoppm runs");
    assert!(status.success());
}

fn bench_pdf(c: &mut Criterion) {
    let (policy, all_cores) = (policy(1), policy(0));
    let dir = tempfile::tempdir().unwrap();
    let has_pdftoppm = Command::new("pdftoppm").arg("-v").output().is_ok();
    for (label, japanese) in [("text", false), ("japanese-text", true), ("colour", false)] {
        let pdf = match label {
            "colour" => files::colour_pdf(PAGES),
            _ => files::text_pdf(PAGES, japanese),
        };
        let path = dir.path().join(format!("{label}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        let out = dir.path().join(label);
        let size = rasterise(&pdf, &policy);
        println!(
            "{label}: {PAGES} pages rasterised into {size} bytes ({} per page)",
            size / PAGES
        );
        let mut group = c.benchmark_group(format!("pdf-150dpi-{label}-{PAGES}p"));
        group.throughput(Throughput::Elements(PAGES as u64));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(20));
        group.bench_function("mugai rasterise", |b| {
            b.iter(|| black_box(rasterise(black_box(&pdf), &policy)))
        });
        group.bench_function("mugai rasterise (every core)", |b| {
            b.iter(|| black_box(rasterise(black_box(&pdf), &all_cores)))
        });
        if has_pdftoppm {
            group.bench_function("pdftoppm -r 150 (ppm)", |b| {
                b.iter(|| pdftoppm(&path, &out, false))
            });
            group.bench_function("pdftoppm -r 150 -png", |b| {
                b.iter(|| pdftoppm(&path, &out, true))
            });
        }
        group.finish();
    }
}

/// One long text PDF: 100 pages on one thread against every core.
fn bench_long_pdf(c: &mut Criterion) {
    const LONG: usize = 100;
    let pdf = files::text_pdf(LONG, false);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group(format!("pdf-150dpi-text-{LONG}p-latency"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    for (label, threads) in [("1 thread".to_string(), 1), (format!("{cores} threads"), 0)] {
        let policy = policy(threads);
        group.bench_function(label, |b| {
            b.iter(|| black_box(rasterise(black_box(&pdf), &policy)))
        });
    }
    group.finish();
}

/// A photograph-like picture: smooth gradients with noise.
fn photo(width: u32, height: u32) -> RgbImage {
    let mut state = 0x2545_f491_u32;
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 24) as u8;
        Rgb([
            ((x * 255 / width) as u8).saturating_add(noise),
            ((y * 255 / height) as u8).saturating_add(noise),
            (((x + y) * 127 / (width + height)) as u8).saturating_add(noise),
        ])
    })
}

fn bench_images(c: &mut Criterion) {
    let policy = policy(1);
    let picture = image::DynamicImage::ImageRgb8(photo(2000, 1500));
    for (label, format) in [
        ("jpeg-3mp", ImageFormat::Jpeg),
        ("png-3mp", ImageFormat::Png),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut bytes, format).unwrap();
        let bytes = bytes.into_inner();
        let mut group = c.benchmark_group(format!("image-{label}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.sample_size(10);
        group.bench_function("image decode only (floor)", |b| {
            b.iter(|| black_box(image::load_from_memory(black_box(&bytes)).unwrap()))
        });
        group.bench_function("mugai reencode", |b| {
            let input = Input {
                name: Some("photo"),
                declared: "application/octet-stream",
                charset: None,
                bytes: &bytes,
            };
            b.iter(|| black_box(treat(black_box(&input), &policy)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench_pdf, bench_long_pdf, bench_images);
criterion_main!(benches);
