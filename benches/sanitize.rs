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

fn stamp() -> Stamp {
    Stamp {
        hostname: "bench.test".into(),
        received_at: 1_795_000_000,
        queue_id: None,
    }
}

/// A typical Japanese business mail body, repeated to `size` bytes.
fn japanese_text(size: usize) -> String {
    let paragraph = "お世話になっております。株式会社サンプルの山田です。\n\
先日お打ち合わせいたしました件につきまして、資料を送付いたします。\n\
詳細は https://www.example.co.jp/docs/2026/plan.html をご覧ください。\n\
ご不明な点がございましたら、お気軽にお問い合わせください。\n\
Regards, Taro Yamada (Sales Dept.) tel: 03-1234-5678\n\n";
    paragraph.repeat(size / paragraph.len() + 1)
}

fn plain_mail(size: usize) -> Vec<u8> {
    let mut m = b"From: =?UTF-8?B?5bGx55Sw?= <yamada@example.co.jp>\r\nTo: taro@example.lg.jp\r\n\
Subject: =?UTF-8?B?6LOH5paZ6YCB5LuY44Gu5Lu2?=\r\nDate: Mon, 2 Nov 2026 09:00:00 +0900\r\n\
Message-ID: <bench@example.co.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    m.extend(japanese_text(size).replace('\n', "\r\n").bytes());
    m
}

fn html_body(size: usize) -> String {
    let block = "<table width=\"600\"><tr><td><h2>今月のお知らせ</h2><p>いつも<b>ご利用</b>いただき\
ありがとうございます。<a href=\"https://www.example.co.jp/campaign?id=42\">キャンペーン詳細</a>は\
こちら。</p><ul><li>新商品のご案内</li><li>セミナー開催のお知らせ</li></ul>\
<img src=\"https://track.example.com/p.gif\" width=\"1\" height=\"1\"></td></tr></table>\n";
    format!(
        "<html><head><style>td{{font-size:14px}}</style></head><body>{}</body></html>",
        block.repeat(size / block.len() + 1)
    )
}

fn html_mail(html: &str) -> Vec<u8> {
    let mut m = b"From: news@example.co.jp\r\nTo: taro@example.lg.jp\r\nSubject: news\r\n\
MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    m.extend(html.replace('\n', "\r\n").bytes());
    m
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
    targets = bench_plain, bench_html, bench_corpus
}
criterion_main!(benches);
