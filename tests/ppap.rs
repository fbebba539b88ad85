//! PPAP through the real `mugai serve`: a mail with a password-protected
//! zip and PDF goes in; its notice says the file can be opened on the
//! request page; the recipient types a wrong password (nothing arrives),
//! then the right one (a new sanitized message arrives at that recipient
//! alone, the zip's text converted and its program removed); wrong
//! passwords past the limit are refused even when the next one is right;
//! the audit log says who tried which part and what came of it; and the
//! password is in no file under the data directory and no log line.

mod common;
mod files;

use std::path::Path;
use std::time::Duration;

use common::http::{Browser, Response};
use common::relay::{Relay, config};
use common::sink::Sink;
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "Mitsumori#2026";

/// Sends `message` from `sender` to `recipients`.
fn send(relay: &Relay, sender: &str, recipients: &[&str], message: &[u8]) {
    let (mut c, _) = Client::connect(relay.addr);
    c.command("EHLO client.example.com");
    let r = c.send_message(sender, recipients, message);
    assert!(r.starts_with("250"), "{r}");
    c.command("QUIT");
}

/// A relay writing into a new directory, delivering to a new sink, with
/// `ppap` as its `[ppap]` table.
fn start(ppap: &str) -> (tempfile::TempDir, Sink, Relay) {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(
        dir.path(),
        &config(dir.path(), sink.addr, "", "", &format!("[ppap]\n{ppap}\n")),
    );
    (dir, sink, relay)
}

/// The request page's path in a delivered notice.
fn link_in(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.contains("/r/"))
        .unwrap_or_else(|| panic!("no request link in the notice:\n{text}"));
    line.trim()
        .split_once("/r/")
        .map(|(_, token)| format!("/r/{token}"))
        .unwrap()
}

fn try_password(b: &mut Browser, link: &str, part: &str, password: &str) -> Response {
    let page = b.get(link);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("id=\"unlock-{part}\"")),
        "{}",
        page.body
    );
    let csrf = page.input("csrf").unwrap();
    let r = b.post(
        &format!("{link}/unlock"),
        &[("csrf", &csrf), ("part", part), ("password", password)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
        } else if let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn a_ppap_zip_is_opened_with_the_recipients_password_and_delivered_sanitized() {
    let (dir, sink, relay) = start("max_wrong_passwords = 3");
    let mail = common::mail_with_files(
        "staff@example.lg.jp",
        "お見積りの件",
        &[
            (
                "見積書.zip",
                "application/zip",
                &files::ppap_zip(PASSWORD, true),
            ),
            (
                "仕様書.pdf",
                "application/pdf",
                &files::locked_pdf(PASSWORD),
            ),
        ],
    );
    send(
        &relay,
        "sender@example.com",
        &["staff@example.lg.jp", "boss@example.lg.jp"],
        &mail,
    );
    let first = sink.wait_for(2, LIMIT);
    let notice = common::read_output(&first[0].data).body;
    assert!(
        notice.contains("見積書.zip/見積書.txt → 削除（パスワード付き"),
        "{notice}"
    );
    assert!(
        notice.contains("同じページでパスワードを入力すると"),
        "{notice}"
    );
    let staff = first
        .iter()
        .find(|m| m.to == ["staff@example.lg.jp"])
        .unwrap();
    let link = link_in(&common::read_output(&staff.data).body);

    let mut b = Browser::new(relay.web.unwrap());
    let page = b.get(&link);
    assert!(
        page.body.contains("パスワード付きファイルを開く"),
        "{}",
        page.body
    );
    assert!(page.body.contains("type=\"password\""), "{}", page.body);

    // A wrong password: nothing is queued, nothing arrives.
    let r = try_password(&mut b, &link, "2", "mitsumori#2026");
    assert!(r.body.contains("パスワードが違います"), "{}", r.body);
    assert!(r.body.contains("あと2回"), "{}", r.body);
    assert!(
        relay.spool_entries().is_empty(),
        "{:?}",
        relay.spool_entries()
    );
    assert_eq!(sink.count(), 2);

    // The right one: a new sanitized message, for staff only.
    let r = try_password(&mut b, &link, "2", PASSWORD);
    assert!(r.body.contains("パスワードで開きました"), "{}", r.body);
    let got = sink.wait_for(3, LIMIT);
    let unlocked = &got[2];
    assert_eq!(unlocked.to, ["staff@example.lg.jp"]);
    let out = common::read_output(&unlocked.data);
    assert!(
        out.body.contains("受信者が入力したパスワードで開き"),
        "{}",
        out.body
    );
    assert!(
        out.body.contains("setup.exe → 削除（実行ファイル）"),
        "{}",
        out.body
    );
    common::assert_ppap_contents(&out);
    assert!(
        out.header_block.contains("X-Mugai-"),
        "{}",
        out.header_block
    );

    // The PDF: wrong passwords up to the limit, then even the right one
    // is refused.
    for _ in 0..2 {
        let r = try_password(&mut b, &link, "3", "Mitsumori#2025");
        assert!(r.body.contains("パスワードが違います"), "{}", r.body);
    }
    let r = try_password(&mut b, &link, "3", PASSWORD);
    assert!(r.body.contains("上限に達しました"), "{}", r.body);
    // Another recipient of the same mail has its own count.
    let boss = first
        .iter()
        .find(|m| m.to == ["boss@example.lg.jp"])
        .unwrap();
    let boss_link = link_in(&common::read_output(&boss.data).body);
    let mut boss_browser = Browser::new(relay.web.unwrap());
    let r = try_password(&mut boss_browser, &boss_link, "3", PASSWORD);
    assert!(
        r.body.contains("「仕様書.pdf」をパスワードで開きました"),
        "{}",
        r.body
    );
    let got = sink.wait_for(4, LIMIT);
    assert_eq!(got[3].to, ["boss@example.lg.jp"]);
    let out = common::read_output(&got[3].data);
    assert!(
        out.attachments
            .iter()
            .any(|a| a.name == "仕様書.pdf" && a.mime.starts_with("application/pdf"))
    );

    // A form posted without its CSRF token, or for a part that is not
    // locked, opens nothing.
    let r = b.post(
        &format!("{link}/unlock"),
        &[("part", "2"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 403);
    let csrf = b.get(&link).input("csrf").unwrap();
    let r = b.post(
        &format!("{link}/unlock"),
        &[("csrf", &csrf), ("part", "1"), ("password", PASSWORD)],
    );
    assert!(
        r.body.contains("パスワードで開くものではありません"),
        "{}",
        r.body
    );

    // The relay still delivers ordinary mail.
    send(
        &relay,
        "sender@example.com",
        &["staff@example.lg.jp", "boss@example.lg.jp"],
        &common::mail_with_executable("staff@example.lg.jp", "next"),
    );
    let got = sink.wait_for(6, LIMIT);
    assert!(got[4..].iter().all(|m| m.text().contains("next")));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.count(), 6, "one unlocked copy each, nothing more");

    // The audit log: who, which part, what came of it; never the password.
    let out = common::relay::run_cli(&relay.config_path, &["audit", "show"], None);
    let log = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "wrong-password",
        "opened",
        "refused",
        "recipient:staff@example.lg.jp",
        "unlocked",
    ] {
        assert!(log.contains(needle), "{needle} missing from:\n{log}");
    }
    let out = common::relay::run_cli(&relay.config_path, &["audit", "verify"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in [PASSWORD, "mitsumori#2026", "Mitsumori#2025"] {
        let found = files_containing(dir.path(), secret.as_bytes());
        assert!(found.is_empty(), "{secret} found in {found:?}");
        assert!(
            !relay.logs().iter().any(|l| l.contains(secret)),
            "{secret} logged"
        );
    }
}

/// A plain mail from `sender` to staff whose text is `body`.
fn text_mail(sender: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {sender}\r\nTo: staff@example.lg.jp\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn send_from(relay: &Relay, sender: &str, message: &[u8]) {
    send(relay, sender, &["staff@example.lg.jp"], message);
}

#[test]
fn a_password_line_in_the_senders_next_mail_opens_the_earlier_file_once() {
    let (_dir, sink, relay) = start("auto_password = true");
    let zip = files::ppap_zip(PASSWORD, false);
    let mail = common::mail_with_files(
        "staff@example.lg.jp",
        "お見積り",
        &[("見積書.zip", "application/zip", &zip)],
    );
    send_from(&relay, "sender@example.com", &mail);
    sink.wait_for(1, LIMIT);
    // The original is indexed before its entry leaves the spool.
    let deadline = std::time::Instant::now() + LIMIT;
    while !relay.spool_entries().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }

    // The right password from someone else opens nothing.
    let line = format!("先ほどのファイルのパスワードです。\r\nパスワード：{PASSWORD}");
    send_from(
        &relay,
        "other@example.net",
        &text_mail("other@example.net", "PW", &line),
    );
    // A wrong line from the sender opens nothing either.
    let wrong = "パスワード：Mitsumori#1999";
    send_from(
        &relay,
        "sender@example.com",
        &text_mail("sender@example.com", "PW", wrong),
    );
    sink.wait_for(3, LIMIT);
    // The sender's own line opens it: the password mail, then the copy.
    send_from(
        &relay,
        "sender@example.com",
        &text_mail("sender@example.com", "パスワード", &line),
    );
    let got = sink.wait_for(5, LIMIT);
    let unlocked = got
        .iter()
        .find(|m| {
            m.text().contains("X-Mugai-")
                && common::read_output(&m.data).body.contains("自動的に開き")
        })
        .unwrap_or_else(|| panic!("no unlocked copy among {} messages", got.len()));
    assert_eq!(unlocked.to, ["staff@example.lg.jp"]);
    let out = common::read_output(&unlocked.data);
    assert!(
        out.body
            .contains("同じ差出人から続けて届いたメールに書かれたパスワードで自動的に開き"),
        "{}",
        out.body
    );
    common::assert_ppap_contents(&out);

    // The same line again delivers nothing more.
    send_from(
        &relay,
        "sender@example.com",
        &text_mail("sender@example.com", "再送", &line),
    );
    sink.wait_for(6, LIMIT);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(sink.count(), 6, "one unlocked copy only");

    let out = common::relay::run_cli(&relay.config_path, &["audit", "show"], None);
    let log = String::from_utf8_lossy(&out.stdout);
    let unlock_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.split_whitespace().nth(2) == Some("unlock"))
        .collect();
    assert_eq!(unlock_lines.len(), 2, "a wrong try and the opening:\n{log}");
    assert!(
        unlock_lines
            .iter()
            .all(|l| l.contains("password-mail") && l.split_whitespace().nth(3) == Some("mugai"))
    );
    assert!(unlock_lines[0].contains("wrong-password") && unlock_lines[1].contains("opened"));
}

/// A bomb behind a password is removed for what it is before any
/// password matters: no password field is offered for it, a forged
/// unlock opens nothing. A locked PDF that the right password opens but
/// that cannot be drawn answers 開けません with the reason. Nothing is
/// delivered, and the relay goes on.
#[test]
fn a_bomb_behind_a_password_is_never_opened() {
    let (_dir, sink, relay) = start("");
    let mail = common::mail_with_files(
        "staff@example.lg.jp",
        "bomb",
        &[
            ("big.zip", "application/zip", &files::ppap_bomb(PASSWORD)),
            (
                "empty.pdf",
                "application/pdf",
                &files::locked_empty_pdf(PASSWORD),
            ),
        ],
    );
    send_from(&relay, "sender@example.com", &mail);
    let got = sink.wait_for(1, LIMIT);
    let notice = common::read_output(&got[0].data).body;
    assert!(notice.contains("big.zip → 削除（不審な構造"), "{notice}");
    let link = link_in(&notice);
    let mut b = Browser::new(relay.web.unwrap());
    let page = b.get(&link);
    assert!(!page.body.contains("id=\"unlock-2\""), "{}", page.body);
    let csrf = page.input("csrf").unwrap();
    let r = b.post(
        &format!("{link}/unlock"),
        &[("csrf", &csrf), ("part", "2"), ("password", PASSWORD)],
    );
    assert!(
        r.body.contains("パスワードで開くものではありません"),
        "{}",
        r.body
    );
    send_from(
        &relay,
        "sender@example.com",
        &common::mail_with_executable("staff@example.lg.jp", "after"),
    );
    sink.wait_for(2, LIMIT);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.count(), 2, "nothing of the bomb arrived");
}
