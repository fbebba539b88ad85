//! Render latency of 画面で見る, per HTML mail, per Office page and per
//! PDF page, each beside the text conversion of the same mail (what every
//! mail costs anyway), on this machine, with the same jail and converter
//! processes `mugai serve` uses. Every round draws a different mail (its
//! number is in the text), so no cache is involved.
//!
//! Usage: `cargo run --release --example render_latency -- [ROUNDS]`
//! (ROUNDS defaults to 5). Needs chromium and LibreOffice (`.ci/run`
//! installs them) and util-linux `unshare`.

#[path = "../tests/files/mod.rs"]
mod files;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use mugai::config::Config;
use mugai::render::Viewer;
use mugai::sanitize::{self, Stamp};

fn b64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn mail(content_type: &str, name: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    let disposition = name
        .map(|n| format!("Content-Disposition: attachment; filename=\"{n}\"\r\n"))
        .unwrap_or_default();
    format!(
        "From: news@example.com\r\nTo: staff@example.lg.jp\r\nSubject: bench\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: {content_type}\r\n{disposition}Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        b64(bytes)
    )
    .into_bytes()
}

/// A newsletter of about 12 KB: headings, a 30-row table, paragraphs.
fn newsletter(round: usize) -> String {
    let mut html = format!(
        "<html><body style=\"font-family:sans-serif\"><h1>市政だより 第{round}号</h1><p>令和8年度の予算執行状況をお知らせします。</p><table border=\"1\" cellpadding=\"4\">"
    );
    for row in 0..30 {
        html.push_str(&format!(
            "<tr><td>事業{row}</td><td>{}</td><td>{}%</td><td>担当課 {}</td></tr>",
            (row * 7919 + round) % 100_000,
            (row * 13) % 100,
            row % 12
        ));
    }
    html.push_str("</table>");
    for p in 0..12 {
        html.push_str(&format!(
            "<h2>お知らせ {p}</h2><p>{}</p>",
            "市民の皆さまへのお知らせです。詳しくは担当課までお問い合わせください。".repeat(3)
        ));
    }
    html.push_str("</body></html>");
    html
}

/// A row: its name, and the mail of round n.
type Case = (&'static str, Box<dyn Fn(usize) -> Vec<u8>>);

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    // The converter processes are this binary, started again.
    if std::env::args().nth(1).as_deref() == Some("convert-child") {
        std::process::exit(match mugai::isolate::child_main() {
            std::process::ExitCode::SUCCESS => 0,
            _ => 2,
        });
    }
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
        .max(1);
    let data = std::env::temp_dir().join(format!("mugai-render-bench-{}", std::process::id()));
    let mut config = Config::default();
    config.storage.data_dir = data.clone();
    let config = Arc::new(config);
    let viewer = Viewer::new(Arc::clone(&config)).expect("viewer");
    let stamp = Stamp::default();

    let cases: Vec<Case> = vec![
        (
            "HTML mail, one line (startup)",
            Box::new(|round| {
                mail(
                    "text/html; charset=utf-8",
                    None,
                    format!("<p>{round}</p>").as_bytes(),
                )
            }),
        ),
        (
            "HTML mail (12 KB, 1024 px wide)",
            Box::new(|round| {
                mail(
                    "text/html; charset=utf-8",
                    None,
                    newsletter(round).as_bytes(),
                )
            }),
        ),
        (
            "docx, 200 paragraphs (LibreOffice)",
            Box::new(|round| {
                let text: String = (0..200)
                    .map(|line| {
                        format!("第{round}回 報告 行{line}: 予算の執行状況は計画どおりです。\n")
                    })
                    .collect();
                mail(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    Some("report.docx"),
                    &files::complete_docx(&text),
                )
            }),
        ),
        (
            "PDF, 10 pages of text",
            Box::new(|round| {
                let mut pdf = files::text_pdf(10, round % 2 == 1);
                pdf.extend_from_slice(format!("\n% round {round}\n").as_bytes());
                mail("application/pdf", Some("report.pdf"), &pdf)
            }),
        ),
    ];
    println!("{rounds} rounds each; median of the rounds");
    println!(
        "{:<34} {:>12} {:>8} {:>12} {:>16}",
        "what", "render", "pages", "per page", "text conversion"
    );
    for (name, make) in cases {
        let mut drawn = Vec::new();
        let mut converted = Vec::new();
        let mut pages = 0;
        for round in 0..rounds {
            let original = make(round);
            let started = Instant::now();
            // Each mail has one part: its first.
            let (view, _) = viewer
                .draw("default", &original, "1")
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            drawn.push(started.elapsed());
            pages = if view.kind == mugai::sanitize::ViewKind::Html {
                1
            } else {
                view.pictures
            };
            let started = Instant::now();
            let _ = sanitize::sanitize(&original, &config.sanitize, &stamp);
            converted.push(started.elapsed());
        }
        let render = median(drawn);
        println!(
            "{name:<34} {:>10.0} ms {pages:>8} {:>10.0} ms {:>13.1} ms",
            render.as_secs_f64() * 1000.0,
            render.as_secs_f64() * 1000.0 / pages.max(1) as f64,
            median(converted).as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&data);
}
