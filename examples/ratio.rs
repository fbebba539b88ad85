//! Interleaved throughput ratios: sanitize vs its ceiling, measured in
//! alternating rounds so that a shared machine's drifting speed affects
//! both sides equally (criterion measures one after the other, seconds
//! apart). Prints the median MB/s of each side and the ratio.
//!
//! Run: `cargo run --release --example ratio`

use std::hint::black_box;
use std::time::Instant;

use mugai::policy::Policy;
use mugai::sanitize::{Stamp, sanitize, sanitize_with_id};

#[path = "../benches/corpus.rs"]
mod corpus;

const ROUNDS: usize = 41;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Runs `a` and `b` alternately, `iters` calls each per round; returns
/// their median MB/s over `bytes` per call.
fn compare(bytes: usize, iters: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..iters {
            a();
        }
        ra.push((bytes * iters) as f64 / t.elapsed().as_secs_f64() / 1e6);
        let t = Instant::now();
        for _ in 0..iters {
            b();
        }
        rb.push((bytes * iters) as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    (median(ra), median(rb))
}

fn main() {
    let policy = Policy::default();
    let stamp = Stamp {
        hostname: "bench.test".into(),
        received_at: 1_795_000_000,
        queue_id: None,
        request_link: None,
    };

    let plain = corpus::plain_mail(64 * 1024);
    let id = mugai::sanitize::original_id(&plain);
    let (parse, full) = compare(
        plain.len(),
        200,
        || {
            drop(black_box(
                mail_parser::MessageParser::default().parse(black_box(&plain[..])),
            ))
        },
        || drop(black_box(sanitize(black_box(&plain), &policy, &stamp))),
    );
    println!(
        "plain 64 KiB: mail-parser parse {parse:.0} MB/s, sanitize {full:.0} MB/s, ratio {:.2}",
        full / parse
    );
    let (parse, core) = compare(
        plain.len(),
        200,
        || {
            drop(black_box(
                mail_parser::MessageParser::default().parse(black_box(&plain[..])),
            ))
        },
        || {
            drop(black_box(sanitize_with_id(
                black_box(&plain),
                id.clone(),
                plain.len() as u64,
                &policy,
                &stamp,
            )))
        },
    );
    println!(
        "plain 64 KiB: mail-parser parse {parse:.0} MB/s, sanitize with the hash precomputed (as the relay does) {core:.0} MB/s, ratio {:.2}",
        core / parse
    );

    let html = corpus::html_body(64 * 1024);
    let mail = corpus::html_mail(&html);
    let (h2t, full) = compare(
        html.len(),
        5,
        || {
            drop(black_box(html2text::from_read(
                black_box(html.as_bytes()),
                76,
            )))
        },
        || drop(black_box(sanitize(black_box(&mail), &policy, &stamp))),
    );
    println!(
        "html 64 KiB: html2text {h2t:.2} MB/s, sanitize {full:.2} MB/s (of the HTML bytes), ratio {:.2}",
        full / h2t
    );
}
