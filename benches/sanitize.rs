//! Sanitize throughput, each figure beside its ceiling measured in the
//! same run:
//! - plain text mail vs mail-parser's bare parse of the same bytes;
//! - HTML mail vs html2text converting the same HTML on its own;
//! - the whole `samples/` corpus vs bare parse (MB/s and messages/s).
//!
//! Run: `cargo bench --bench sanitize`. Figures go in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mugai::policy::Policy;
use mugai::sanitize::{Stamp, sanitize};

mod corpus;
use corpus::{html_body, html_mail, plain_mail};

fn stamp() -> Stamp {
    Stamp {
        hostname: "bench.test".into(),
        received_at: 1_795_000_000,
        queue_id: None,
        request_link: None,
    }
}

fn bench_plain(c: &mut Criterion) {
    let policy = Policy::default();
    let mail = plain_mail(64 * 1024);
    let mut group = c.benchmark_group("plain-64KiB");
    group.throughput(Throughput::Bytes(mail.len() as u64));
    group.bench_function("mail-parser parse (ceiling)", |b| {
        b.iter(|| black_box(mail_parser::MessageParser::default().parse(black_box(&mail[..]))))
    });
    group.bench_function("mugai sanitize", |b| {
        b.iter(|| black_box(sanitize(black_box(&mail), &policy, &stamp())))
    });
    group.finish();
}

fn bench_html(c: &mut Criterion) {
    let policy = Policy::default();
    let html = html_body(64 * 1024);
    let mail = html_mail(&html);
    let mut group = c.benchmark_group("html-64KiB");
    group.throughput(Throughput::Bytes(html.len() as u64));
    group.bench_function("html2text from_read (ceiling)", |b| {
        b.iter(|| black_box(html2text::from_read(black_box(html.as_bytes()), 76)))
    });
    group.bench_function("mugai sanitize", |b| {
        b.iter(|| black_box(sanitize(black_box(&mail), &policy, &stamp())))
    });
    group.finish();
}

/// One small message, as most mail is: its fixed cost per message.
fn bench_small(c: &mut Criterion) {
    let policy = Policy::default();
    let ascii = {
        let mut m = b"From: Sender <sender@example.com>\r\nTo: user@example.lg.jp\r\nSubject: weekly report\r\nDate: Thu, 3 Dec 2026 10:00:00 +0900\r\nMessage-ID: <a1@example.com>\r\n\r\n".to_vec();
        while m.len() < 5120 {
            m.extend_from_slice(
                b"The quick brown fox jumps over the lazy dog, again and again.\r\n",
            );
        }
        m
    };
    let japanese = {
        let body = "お世話になっております。来週の会議の資料をお送りします。\r\n".repeat(40);
        let mut m = "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.co.jp>\r\nTo: user@example.lg.jp\r\nSubject: =?UTF-8?B?5Lya6K2w44Gu6LOH5paZ?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".to_string();
        m.push_str(&body);
        m.into_bytes()
    };
    let mut group = c.benchmark_group("small-message");
    group.throughput(Throughput::Elements(1));
    for (name, message) in [("ascii 5 KiB", &ascii), ("japanese 4 KiB", &japanese)] {
        group.bench_function(format!("mail-parser parse (ceiling), {name}"), |b| {
            b.iter(|| black_box(mail_parser::MessageParser::default().parse(&message[..])))
        });
        group.bench_function(format!("mugai sanitize, {name}"), |b| {
            b.iter(|| black_box(sanitize(message, &policy, &stamp())))
        });
    }
    group.finish();
}

fn bench_corpus(c: &mut Criterion) {
    let policy = Policy::default();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    corpus.sort();
    let total: usize = corpus.iter().map(Vec::len).sum();
    for (name, throughput) in [
        ("samples-bytes", Throughput::Bytes(total as u64)),
        (
            "samples-messages",
            Throughput::Elements(corpus.len() as u64),
        ),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(throughput);
        group.bench_function("mail-parser parse (ceiling)", |b| {
            b.iter(|| {
                for m in &corpus {
                    black_box(mail_parser::MessageParser::default().parse(&m[..]));
                }
            })
        });
        group.bench_function("mugai sanitize", |b| {
            b.iter(|| {
                for m in &corpus {
                    let _ = black_box(sanitize(m, &policy, &stamp()));
                }
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(30);
    targets = bench_small, bench_plain, bench_html, bench_corpus
}
criterion_main!(benches);
