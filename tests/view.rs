//! 画面で見る through the real `mugai serve`: an HTML mail whose HTML
//! asks a local HTTP listener (started here) for an image, a stylesheet
//! and a script, a docx and an xlsx. The request page links each part to
//! its pictures; the HTML is drawn by Chromium in the jail: its text
//! appears as pixels, the listener records no request, and the script
//! that would have turned the page red did not run. The Office files are
//! laid out by LibreOffice and drawn. The browser gets PNG files only.

mod common;
mod files;

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::http::Browser;
use common::relay::{Relay, config};
use common::sink::Sink;
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(60);

/// A listener that counts the connections made to it.
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(1000) {
            seen.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut stream) = stream {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let _ = stream.read(&mut [0u8; 1024]);
            }
        }
    });
    (address, count)
}

fn html_mail(remote: &str) -> Vec<u8> {
    html_mail_with(remote, &[])
}

/// As [`html_mail`], with more attached files `(name, type, bytes)`.
fn html_mail_with(remote: &str, more: &[(&str, &str, &[u8])]) -> Vec<u8> {
    use base64::Engine as _;
    let html = format!(
        "<html><head><meta http-equiv=\"refresh\" content=\"0; url=file:///etc/hostname\">\
         <link rel=\"stylesheet\" href=\"http://{remote}/style.css\">\
         <script src=\"http://{remote}/script.js\"></script>\
         <script>document.documentElement.style.background='#ff0000';document.body.style.background='#ff0000';</script></head>\
         <body style=\"background:#ffffff\"><h1 style=\"font-size:48px;color:#000000\">令和8年度 お知らせ NEWSLETTER</h1>\
         <img src=\"http://{remote}/logo.png\" width=\"200\" height=\"50\">\
         <table border=\"1\"><tr><td>品名</td><td>数量</td></tr><tr><td>パソコン</td><td>10</td></tr></table></body></html>"
    );
    let b64 = |bytes: &[u8]| {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        encoded
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    format!(
        "From: news@example.com\r\nTo: staff@example.lg.jp\r\nSubject: newsletter\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --B\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n\
         Content-Disposition: attachment; filename=\"report.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --B\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\
         Content-Disposition: attachment; filename=\"budget.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n{}\
         --B--\r\n",
        b64(html.as_bytes()),
        b64(&files::complete_docx("Quarterly report\nThe budget is on schedule.")),
        b64(&files::complete_xlsx(&[
            &["品名", "数量", "単価"],
            &["パソコン", "10", "98000"],
            &["モニター", "10", "32000"],
        ])),
        more.iter()
            .map(|(name, mime, bytes)| format!(
                "--B\r\nContent-Type: {mime}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                b64(bytes)
            ))
            .collect::<String>(),
    )
    .into_bytes()
}

/// A relay in a new directory with `extra` configuration, and its sink.
fn start(extra: &str) -> (tempfile::TempDir, Sink, Relay) {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", extra));
    (dir, sink, relay)
}

/// Sends `mail` to staff, waits for delivery `n` (from 1), and returns
/// the request link of that delivery's notice (the whole URL).
fn send(relay: &Relay, sink: &Sink, sender: &str, mail: &[u8], n: usize) -> String {
    let (mut c, _) = Client::connect(relay.addr);
    c.command("EHLO client.example.com");
    let r = c.send_message(sender, &["staff@example.lg.jp"], mail);
    assert!(r.starts_with("250"), "{r}");
    c.command("QUIT");
    let got = sink.wait_for(n, LIMIT);
    let text = common::read_output(&got[n - 1].data).body;
    text.lines()
        .find(|l| l.contains("/r/"))
        .map(|l| l.trim().to_string())
        .unwrap_or_default()
}

/// The path of a request link.
fn path_of(link: &str) -> String {
    link.split_once("/r/")
        .map(|(_, token)| format!("/r/{token}"))
        .unwrap_or_else(|| panic!("no request link: {link:?}"))
}

/// The pictures of one part: the page, then each PNG decoded.
fn pictures(b: &mut Browser, page_path: &str) -> (String, Vec<image::RgbImage>) {
    let page = b.get(page_path);
    assert_eq!(page.status, 200, "{}", page.body);
    let mut images = Vec::new();
    for (i, _) in page.body.match_indices("<img src=\"").enumerate() {
        let start = page.body.match_indices("<img src=\"").nth(i).unwrap().0 + 10;
        let src = &page.body[start..start + page.body[start..].find('"').unwrap()];
        let png = b.get_bytes(src);
        assert_eq!(png.0, 200, "{src}");
        assert_eq!(png.1.as_deref(), Some("image/png"), "{src}");
        images.push(image::load_from_memory(&png.2).unwrap().to_rgb8());
    }
    (page.body, images)
}

fn dark(image: &image::RgbImage) -> usize {
    image
        .pixels()
        .filter(|p| p.0.iter().map(|&c| u32::from(c)).sum::<u32>() < 200)
        .count()
}

fn red(image: &image::RgbImage) -> usize {
    image
        .pixels()
        .filter(|p| p.0[0] > 200 && p.0[1] < 60 && p.0[2] < 60)
        .count()
}

#[test]
fn an_html_mail_and_office_files_are_shown_as_pictures_and_nothing_loads() {
    let (remote, requests) = counting_listener();
    let (dir, sink, relay) = start("");
    let link = path_of(&send(
        &relay,
        &sink,
        "news@example.com",
        &html_mail(&remote),
        1,
    ));
    let mut b = Browser::new(relay.web.unwrap());
    let page = b.get(&link);
    for part in ["1", "2", "3"] {
        assert!(
            page.body.contains(&format!("id=\"view-{part}\"")),
            "{part}: {}",
            page.body
        );
    }

    let (body, shots) = pictures(&mut b, &format!("{link}/view/1"));
    let why: Vec<String> = relay
        .logs()
        .into_iter()
        .filter(|l| l.contains("pictures"))
        .collect();
    assert!(body.contains("スクリプトは実行せず"), "{body}\n{why:?}");
    assert!(!shots.is_empty(), "{body}");
    let first = &shots[0];
    assert_eq!(first.width(), 1024);
    assert!(
        dark(first) > 2000,
        "the heading is drawn: {} dark pixels",
        dark(first)
    );
    assert_eq!(red(first), 0, "the script did not run");
    assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing was fetched");

    for (part, name) in [("2", "docx"), ("3", "xlsx")] {
        let (body, pages) = pictures(&mut b, &format!("{link}/view/{part}"));
        assert!(!pages.is_empty(), "{name}: {body}");
        assert!(
            dark(&pages[0]) > 200,
            "{name}: its text is drawn ({})",
            dark(&pages[0])
        );
    }
    // A second view comes from the cache, the same pictures.
    let (_, again) = pictures(&mut b, &format!("{link}/view/1"));
    assert_eq!(again[0], shots[0]);
    // A part that does not exist, or a picture past the last, is refused.
    let (body, none) = pictures(&mut b, &format!("{link}/view/9"));
    assert!(none.is_empty() && body.contains("表示できません"), "{body}");
    assert_eq!(b.get_bytes(&format!("{link}/view/1/99.png")).0, 404);
    assert_eq!(b.get_bytes("/r/not-a-token/view/1/1.png").0, 404);
    assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing was fetched");

    // Signed-in staff reach the same pictures from the message page; a
    // municipality's account would not see another's (tests/tenants.rs).
    let out = common::relay::run_cli(
        &relay.config_path,
        &[
            "user",
            "add",
            "kanri",
            "--role",
            "approver",
            "--email",
            "kanri@example.lg.jp",
        ],
        Some("correct horse battery\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::relay::run_cli(&relay.config_path, &["quarantine", "list", "--json"], None);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_string();
    let mut staff = common::http::login(relay.web.unwrap(), "kanri", "correct horse battery");
    let detail = staff.get(&format!("/m/{id}"));
    assert!(
        detail.body.contains(&format!("href=\"/m/{id}/view/1\"")),
        "{}",
        detail.body
    );
    let (_, staff_shots) = pictures(&mut staff, &format!("/m/{id}/view/1"));
    assert_eq!(staff_shots[0], shots[0]);
    let mut stranger = Browser::new(relay.web.unwrap());
    let r = stranger.get(&format!("/m/{id}/view/1/1.png"));
    assert_ne!(r.status, 200, "no picture without a login");

    // The pictures go with the original at retention.
    drop(relay);
    let data = dir.path().join("data");
    let kept = |data: &std::path::Path| {
        std::fs::read_dir(data.join("views"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| mugai::quarantine::is_sha256(&e.file_name().to_string_lossy()))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(kept(&data), 1, "one original's pictures");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut cfg = mugai::config::Config::default();
        cfg.storage.data_dir = data.clone();
        let q = mugai::quarantine::Quarantine::open(
            &cfg,
            Arc::new(mugai::durable::DirSync::start().unwrap()),
        )
        .await
        .unwrap();
        let now = mugai::units::unix_now();
        assert_eq!(q.purge(now + 31 * 86400, "test").await.unwrap(), 1);
    });
    assert_eq!(
        kept(&data),
        0,
        "the pictures were removed with the original"
    );
}

#[test]
fn html_snapshot_attaches_the_layout_as_a_fresh_png() {
    let (remote, requests) = counting_listener();
    let (_dir, sink, relay) = start("[sanitize]\nhtml_snapshot = true\n");
    send(&relay, &sink, "news@example.com", &html_mail(&remote), 1);
    // An ordinary mail after it still goes through, without a picture.
    let plain = common::mail_with_executable("staff@example.lg.jp", "plain");
    send(&relay, &sink, "sender@example.com", &plain, 2);
    let got = sink.wait_for(2, LIMIT);
    let html = got
        .iter()
        .find(|m| m.text().contains("newsletter"))
        .unwrap();
    let out = common::read_output(&html.data);
    assert!(out.body.contains("「本文.png」として添付"), "{}", out.body);
    assert!(
        out.header_block.contains("layout-pictured"),
        "{}",
        out.header_block
    );
    let picture = out
        .attachments
        .iter()
        .find(|a| a.name == "本文.png")
        .unwrap_or_else(|| {
            panic!(
                "no 本文.png among {:?}",
                out.attachments.iter().map(|a| &a.name).collect::<Vec<_>>()
            )
        });
    assert_eq!(picture.mime, "image/png");
    let image = image::load_from_memory(&picture.bytes).unwrap().to_rgb8();
    assert_eq!(image.width(), 1024);
    assert!(dark(&image) > 2000, "the heading is drawn");
    assert_eq!(red(&image), 0, "the script did not run");
    assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing was fetched");
    // The plain mail has no picture.
    let plain = got
        .iter()
        .find(|m| m.text().contains("Subject: plain"))
        .unwrap();
    assert!(
        !common::read_output(&plain.data)
            .attachments
            .iter()
            .any(|a| a.name == "本文.png")
    );
}

/// 「表示できません」 with the reason, and nothing of the original: a
/// document with macros, a locked PDF, and a renderer that cannot finish
/// within its limits (the browser, held to too little memory and one
/// second, is killed).
#[test]
fn what_cannot_be_drawn_says_why_and_shows_nothing() {
    let (_dir, sink, relay) =
        start("[view]\ntime_limit = \"1s\"\ncpu_limit = \"1s\"\nmemory_limit = \"64MiB\"\n");
    let mail = common::mail_with_files(
        "staff@example.lg.jp",
        "files",
        &[
            (
                "macro.docm",
                "application/vnd.ms-word.document.macroEnabled.12",
                &files::docm(),
            ),
            ("locked.pdf", "application/pdf", &files::encrypted_pdf()),
            ("page.html", "text/html", b"<h1>hello</h1>"),
        ],
    );
    let link = path_of(&send(&relay, &sink, "sender@example.com", &mail, 1));
    let mut b = Browser::new(relay.web.unwrap());
    for (part, why) in [
        ("2", "マクロ"),
        ("3", "パスワード付き"),
        ("4", "表示できません"),
    ] {
        let (body, shown) = pictures(&mut b, &format!("{link}/view/{part}"));
        assert!(shown.is_empty(), "{part}: {body}");
        assert!(
            body.contains("表示できません") && body.contains(why),
            "{part}: {body}"
        );
        assert_eq!(b.get_bytes(&format!("{link}/view/{part}/1.png")).0, 404);
    }
    // The relay goes on delivering.
    let after = common::mail_with_executable("staff@example.lg.jp", "after");
    send(&relay, &sink, "sender@example.com", &after, 2);
}

/// In a real browser: the request page's link opens the pictures, every
/// picture loads under the page's Content-Security-Policy, and the
/// browser fetched nothing from the listener the mail points at.
#[test]
fn the_pictures_open_and_a_ppap_zip_unlocks_in_a_real_browser() {
    const PASSWORD: &str = "Mitsumori#2026";
    let (remote, requests) = counting_listener();
    let (_dir, sink, relay) = start("");
    let zip = files::ppap_zip(PASSWORD, true);
    let mail = html_mail_with(&remote, &[("mitsumori.zip", "application/zip", &zip)]);
    let link = send(&relay, &sink, "news@example.com", &mail, 1);
    let driver = common::webdriver::Driver::start();
    let outcome = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(in_browser(&driver, &link, PASSWORD));
    drop(driver);
    let seen = outcome.unwrap();
    // The HTML body, the docx and the xlsx: each part's pictures loaded.
    assert!(
        seen.notes[0].contains("スクリプトは実行せず"),
        "{:?}",
        seen.notes
    );
    assert!(
        seen.widths[0].iter().all(|&w| w == 1024),
        "{:?}",
        seen.widths
    );
    for widths in &seen.widths {
        assert!(
            !widths.is_empty() && widths.iter().all(|&w| w > 0),
            "{:?}",
            seen.widths
        );
    }
    assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing was fetched");
    // The zip: a wrong password opens nothing, the right one delivers.
    assert!(
        seen.wrong.contains("パスワードが違います"),
        "{}",
        seen.wrong
    );
    assert!(
        seen.right.contains("パスワードで開きました"),
        "{}",
        seen.right
    );
    let got = sink.wait_for(2, LIMIT);
    let out = common::read_output(&got[1].data);
    assert!(
        out.body.contains("受信者が入力したパスワードで開き"),
        "{}",
        out.body
    );
    common::assert_ppap_contents(&out);
}

/// What the browser showed.
struct Seen {
    notes: Vec<String>,
    /// Per part, each picture's width as the browser decoded it.
    widths: Vec<Vec<u64>>,
    wrong: String,
    right: String,
}

async fn in_browser(
    driver: &common::webdriver::Driver,
    link: &str,
    password: &str,
) -> Result<Seen, Box<dyn std::error::Error>> {
    use fantoccini::Locator;
    let browser = driver.browser().await?;
    let outcome = async {
        let mut notes = Vec::new();
        let mut widths = Vec::new();
        for part in ["1", "2", "3"] {
            browser.goto(link).await?;
            browser.find(Locator::Id(&format!("view-{part}"))).await?.click().await?;
            let note = browser
                .wait()
                .at_most(LIMIT)
                .for_element(Locator::Id("view-note"))
                .await?
                .text()
                .await?;
            notes.push(note);
            // Each picture decoded by the browser: its natural width.
            let deadline = std::time::Instant::now() + LIMIT;
            let part_widths = loop {
                let value = browser
                    .execute(
                        "return Array.from(document.images).map(i => i.complete ? i.naturalWidth : -1);",
                        vec![],
                    )
                    .await?;
                let all: Vec<i64> = serde_json::from_value(value)?;
                if all.iter().all(|&w| w >= 0) || std::time::Instant::now() > deadline {
                    break all.into_iter().map(|w| w.max(0) as u64).collect::<Vec<_>>();
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            widths.push(part_widths);
        }
        let mut answers = Vec::new();
        for guess in ["mitsumori#2026", password] {
            browser.goto(link).await?;
            browser.find(Locator::Id("password-4")).await?.send_keys(guess).await?;
            browser.find(Locator::Id("open-4")).await?.click().await?;
            let answer = browser
                .wait()
                .at_most(LIMIT)
                .for_element(Locator::Id("message"))
                .await?
                .text()
                .await?;
            answers.push(answer);
        }
        let right = answers.pop().unwrap_or_default();
        let wrong = answers.pop().unwrap_or_default();
        Ok::<_, Box<dyn std::error::Error>>(Seen {
            notes,
            widths,
            wrong,
            right,
        })
    }
    .await;
    let _ = browser.close().await;
    outcome
}
