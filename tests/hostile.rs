//! Hostile senders against the real `mugai serve`: SMTP smuggling, bare
//! line ends, pipelining after DATA, routing local parts, and (further
//! down) hostile text and files. After each attack the relay must still
//! deliver an ordinary message.

mod common;
mod files;

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;

use common::relay::{Relay, config};
use common::sink::{Received, Sink};
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(30);

/// Every published way to end DATA early (SMTP smuggling, 2023 and
/// after), as bytes between the first message's body and the smuggled
/// commands.
const SMUGGLING_ENDS: &[&[u8]] = &[
    b"\n.\n",
    b"\r\n.\n",
    b"\n.\r\n",
    b"\r.\r",
    b"\r\n.\r",
    b"\r.\r\n",
    b"\r\n\x00.\r\n",
    b"\r\n.\x00\r\n",
    b"\n.\r",
    b"\r.\n",
    b"\r\n.\r\r\n",
];

/// True when `bytes` has a CR or LF that is not part of a CRLF.
fn has_bare_line_end(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| {
        (b == b'\n' && (i == 0 || bytes[i - 1] != b'\r'))
            || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
    })
}

fn ehlo(client: &mut Client) {
    let r = client.command("EHLO client.example.com");
    assert!(r.starts_with("250"), "{r}");
}

/// Sends one ordinary message and returns the reply to its final dot.
fn ordinary(relay: &Relay, subject: &str) -> String {
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let message = format!("From: a@example.com\r\nSubject: {subject}\r\n\r\nふつうのメール\r\n");
    let r = c.send_message("a@example.com", &["taro@example.lg.jp"], message.as_bytes());
    c.command("QUIT");
    r
}

/// Sends each of `mails` to the relay, then an ordinary mail ("after"),
/// and returns what the sink received once all of them arrived.
fn send_then_ordinary(relay: &Relay, sink: &Sink, mails: &[&[u8]]) -> Vec<Received> {
    for mail in mails {
        let (mut c, _) = Client::connect(relay.addr);
        ehlo(&mut c);
        let r = c.send_message("a@example.com", &["taro@example.lg.jp"], mail);
        assert!(r.starts_with("250"), "{r}");
        c.command("QUIT");
    }
    assert!(ordinary(relay, "after").starts_with("250 2.0.0 Ok: queued"));
    sink.wait_for(mails.len() + 1, LIMIT)
}

/// The received message with this subject.
fn with_subject<'a>(got: &'a [Received], subject: &str) -> &'a Received {
    got.iter()
        .find(|m| m.text().contains(&format!("Subject: {subject}\r\n")))
        .unwrap_or_else(|| panic!("{subject} was not delivered"))
}

/// One DATA carrying `end` and then a forged second transaction; returns
/// the reply to the DATA and the reply that follows it (to our QUIT).
fn smuggle(relay: &Relay, end: &[u8]) -> (String, String) {
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    assert_eq!(
        c.command("MAIL FROM:<attacker@evil.example>"),
        "250 2.1.0 Ok"
    );
    assert_eq!(c.command("RCPT TO:<taro@example.lg.jp>"), "250 2.1.5 Ok");
    assert!(c.command("DATA").starts_with("354"));
    let mut data = b"From: attacker@evil.example\r\nSubject: cover\r\n\r\ncover text".to_vec();
    data.extend_from_slice(end);
    data.extend_from_slice(
        b"MAIL FROM:<mayor@example.lg.jp>\r\nRCPT TO:<taro@example.lg.jp>\r\nDATA\r\n\
From: mayor@example.lg.jp\r\nSubject: forged\r\n\r\nsmuggled\r\n",
    );
    data.extend_from_slice(b"\r\n.\r\n");
    c.write(&data);
    let data_reply = c.reply();
    let next = c.command("QUIT");
    (data_reply, next)
}

#[test]
fn smuggled_end_of_data_is_refused_whole_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let mut accepted = 0;
    for end in SMUGGLING_ENDS {
        let (data_reply, next) = smuggle(&relay, end);
        if has_bare_line_end(end) {
            assert!(
                data_reply.starts_with("554 5.5.2") && data_reply.contains("bare CR or LF"),
                "{end:?}: {data_reply}"
            );
        } else {
            // NUL tricks have only CRLF line ends: one ordinary message
            // whose content holds the would-be commands.
            assert!(
                data_reply.starts_with("250 2.0.0 Ok: queued"),
                "{end:?}: {data_reply}"
            );
            accepted += 1;
        }
        assert_eq!(next, "221 2.0.0 Bye", "{end:?}: smuggled commands ran");
    }
    assert!(accepted < SMUGGLING_ENDS.len());
    assert!(ordinary(&relay, "after the attacks").starts_with("250 2.0.0 Ok: queued"));
    sink.wait_for(accepted + 1, LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    let got = sink.all();
    assert_eq!(got.len(), accepted + 1, "never a second message per DATA");
    assert!(got.iter().any(|m| m.text().contains("after the attacks")));
    assert!(got.iter().all(|m| m.from != "mayor@example.lg.jp"));
    let logs = relay.logs().join("\n");
    assert!(
        logs.contains("NOQUEUE: reject: DATA from 127.0.0.1")
            && logs.contains("bare CR or LF")
            && logs.contains("from=<attacker@evil.example>"),
        "{logs}"
    );
    assert_eq!(
        logs.matches(" size=").count(),
        accepted + 1,
        "nothing refused was queued:\n{logs}"
    );
}

#[test]
fn normalized_bare_line_ends_never_end_data() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let smtp = "bare_newline = \"normalize\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    for end in SMUGGLING_ENDS {
        let (data_reply, next) = smuggle(&relay, end);
        assert!(
            data_reply.starts_with("250 2.0.0 Ok: queued"),
            "{end:?}: {data_reply}"
        );
        assert_eq!(next, "221 2.0.0 Bye", "{end:?}: smuggled commands ran");
    }
    assert!(ordinary(&relay, "after the attacks").starts_with("250 2.0.0 Ok: queued"));
    let n = SMUGGLING_ENDS.len() + 1;
    sink.wait_for(n, LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    let got = sink.all();
    assert_eq!(got.len(), n, "one message per DATA, never a second one");
    for message in &got {
        assert_ne!(message.from, "mayor@example.lg.jp", "a forged envelope");
        let text = common::read_output(&message.data);
        assert!(
            !text.header_block.contains("forged"),
            "{}",
            text.header_block
        );
    }
    // The smuggled lines are content of the cover message.
    let covers = got
        .iter()
        .filter(|m| common::read_output(&m.data).body.contains("smuggled"))
        .count();
    assert_eq!(covers, SMUGGLING_ENDS.len());
}

#[test]
fn bare_line_ends_in_commands_and_pipelining_after_data_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    c.write(b"NOOP\n");
    assert!(c.reply().starts_with("500 5.5.2"), "bare LF command");
    c.write(b"MAIL FROM:<a@example.com>\rRCPT TO:<taro@example.lg.jp>\r\n");
    assert!(
        c.reply().starts_with("500 5.5.2"),
        "bare CR inside a command"
    );
    assert_eq!(c.command("NOOP"), "250 2.0.0 Ok", "the session goes on");
    // A client that sends the message before our 354.
    c.write(
        b"MAIL FROM:<a@example.com>\r\nRCPT TO:<taro@example.lg.jp>\r\nDATA\r\n\
Subject: early\r\n\r\ntoo early\r\n.\r\nMAIL FROM:<mayor@example.lg.jp>\r\n",
    );
    assert_eq!(c.reply(), "250 2.1.0 Ok");
    assert_eq!(c.reply(), "250 2.1.5 Ok");
    let r = c.reply();
    assert!(r.starts_with("554 5.5.0"), "{r}");
    assert_eq!(c.reply(), "", "the connection is closed");
    assert!(ordinary(&relay, "afterwards").starts_with("250 2.0.0 Ok: queued"));
    sink.wait_for(1, LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 1);
    let logs = relay.logs().join("\n");
    assert!(
        logs.contains("NOQUEUE: reject: DATA from 127.0.0.1"),
        "{logs}"
    );
    assert!(logs.contains("improper command pipelining"), "{logs}");

    // normalize: the same command lines are read as CRLF.
    let dir = tempfile::tempdir().unwrap();
    let smtp = "bare_newline = \"normalize\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    c.write(b"EHLO client.example.com\n");
    assert!(c.reply().starts_with("250"));
    c.write(b"MAIL FROM:<a@example.com>\rRCPT TO:<taro@example.lg.jp>\r\n");
    assert_eq!(c.reply(), "250 2.1.0 Ok");
    assert_eq!(c.reply(), "250 2.1.5 Ok");
}

#[test]
fn routing_local_parts_are_refused_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    assert_eq!(c.command("MAIL FROM:<a@example.com>"), "250 2.1.0 Ok");
    for rcpt in [
        "<victim%gmail.example@example.lg.jp>",
        "<gmail.example!victim@example.lg.jp>",
        "<\"victim@gmail.example\"@example.lg.jp>",
        "<@example.lg.jp:victim@example.lg.jp>",
        "<@a.example,@b.example:victim@example.lg.jp>",
    ] {
        let r = c.command(&format!("RCPT TO:{rcpt}"));
        assert!(
            r.starts_with("550 5.1.3") && r.contains("does not relay"),
            "{rcpt}: {r}"
        );
    }
    let r = c.command("RCPT TO:<victim@gmail.example>");
    assert!(r.starts_with("550 5.7.1"), "{r}");
    let r = c.command("RCPT TO:<\"a\x1b[2Jb\"@example.lg.jp>");
    assert!(r.starts_with("501 5.1.3"), "control characters: {r}");
    assert_eq!(
        c.command("RCPT TO:<taro.yamada+x@example.lg.jp>"),
        "250 2.1.5 Ok"
    );
    c.command("QUIT");
    // The relay's log arrives through a pipe: wait for the seventh line
    // rather than reading what has come so far.
    relay.wait_for_log("NOQUEUE: reject: RCPT from 127.0.0.1", 7, LIMIT);
    let logs = relay.logs().join("\n");
    assert_eq!(
        logs.matches("NOQUEUE: reject: RCPT from 127.0.0.1").count(),
        7,
        "{logs}"
    );
    assert!(
        logs.contains("from=<a@example.com> helo=<client.example.com>"),
        "{logs}"
    );

    // Allowed by configuration: the next hop decides.
    let dir = tempfile::tempdir().unwrap();
    let smtp = "allow_routing_localparts = true\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    assert_eq!(c.command("MAIL FROM:<a@example.com>"), "250 2.1.0 Ok");
    assert_eq!(
        c.command("RCPT TO:<user%host@example.lg.jp>"),
        "250 2.1.5 Ok"
    );
}

/// Links hidden the ways the first wave let through.
const HIDDEN_LINKS: &[&str] = &[
    "https\u{feff}://evil.example/a",
    "ww\u{200b}w.evil.example/b",
    "https\u{85}://evil.example/c",
    "ht\u{202e}tps://evil.example/d",
    "https:\u{ad}//evil.example/e",
    "https\u{7f}://evil.example/f",
    "https://a.example/r?u=https://evil.example/g",
    "https:\\\\evil.example\\h",
    "\\\\fileserver\\share\\i",
    "ｈｔｔｐｓ：／／ｅｖｉｌ．ｅｘａｍｐｌｅ／ｊ",
    "evil.example/k",
];

fn b64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A message carrying the hidden links in every place text can be:
/// Subject, display name, plain and HTML bodies, a .txt, a .csv, a docx
/// and a zip of text files.
fn message_with_hidden_links() -> Vec<u8> {
    let text = HIDDEN_LINKS.join("\n");
    let html: String = text
        .chars()
        .map(|c| match c {
            '\n' => "<br>".to_string(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            c => format!("&#x{:x};", c as u32),
        })
        .collect();
    let attachment = |name: &str, mime: &str, bytes: &[u8]| {
        format!(
            "--b\r\nContent-Type: {mime}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(bytes)
        )
    };
    let zip = files::zip(
        &[
            ("inner.txt", text.as_bytes()),
            ("list.csv", text.as_bytes()),
        ],
        true,
    );
    let mut raw = format!(
        "From: =?UTF-8?B?{name}?= <sender@example.com>\r\nTo: taro@example.lg.jp\r\n\
Subject: =?UTF-8?B?{subject}?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n\
--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Disposition: inline\r\n\r\n<p>{html}</p>\r\n",
        name = base64::engine::general_purpose::STANDARD.encode(HIDDEN_LINKS[0]),
        subject =
            base64::engine::general_purpose::STANDARD.encode(format!("請求書 {}", HIDDEN_LINKS[1])),
        body = b64(text.as_bytes()),
    );
    raw.push_str(&attachment(
        "memo.txt",
        "text/plain; charset=utf-8",
        text.as_bytes(),
    ));
    raw.push_str(&attachment(
        "list.csv",
        "text/csv; charset=utf-8",
        text.as_bytes(),
    ));
    raw.push_str(&attachment(
        "memo.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &files::docx_with(&text),
    ));
    raw.push_str(&attachment("texts.zip", "application/zip", &zip));
    raw.push_str("--b--\r\n");
    raw.into_bytes()
}

/// Every text a person reads in a delivered message.
fn texts_of(message: &[u8]) -> Vec<(String, String)> {
    let parsed = mail_parser::MessageParser::default()
        .parse(message)
        .unwrap();
    let mut texts = vec![(
        "Subject".to_string(),
        parsed.subject().unwrap_or_default().to_string(),
    )];
    for address in parsed
        .from()
        .map(|f| f.iter().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        texts.push((
            "From".into(),
            address.name().unwrap_or_default().to_string(),
        ));
    }
    let out = common::read_output(message);
    texts.push(("body".into(), out.body));
    for file in out.attachments {
        if file.mime == "text/plain" {
            texts.push((file.name, String::from_utf8(file.bytes).unwrap()));
        }
    }
    texts
}

#[test]
fn hidden_links_come_out_defanged_everywhere_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let r = c.send_message(
        "sender@example.com",
        &["taro@example.lg.jp"],
        &message_with_hidden_links(),
    );
    assert!(r.starts_with("250 2.0.0 Ok: queued"), "{r}");
    c.command("QUIT");
    assert!(ordinary(&relay, "next").starts_with("250 2.0.0 Ok: queued"));
    let got = sink.wait_for(2, LIMIT);
    let hostile = got
        .iter()
        .find(|m| !m.text().contains("Subject: next"))
        .unwrap();
    let texts = texts_of(&hostile.data);
    let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "memo.txt",
        "list.csv.txt",
        "memo.docx.txt",
        "inner.txt",
        "list.csv.txt",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    // The notice's request link is mugai's own, and meant to be followed.
    let own = format!("http://{}/r/", relay.web.expect("web page address"));
    for (name, text) in &texts {
        let text: String = text
            .lines()
            .filter(|l| !l.starts_with(&own))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(common::autolink::find_link(&text), None, "{name}: {text}");
        assert!(
            !text.contains('\u{feff}') && !text.contains('\u{200b}'),
            "{name}"
        );
    }
    let body = &texts.iter().find(|(n, _)| n == "body").unwrap().1;
    for defanged in [
        "hxxps[:]//evil[.]example/a",
        "www[.]evil[.]example/b",
        "hxxps[:]//a[.]example/r?u=hxxps[:]//evil[.]example/g",
        "hxxps[:][\\\\]evil[.]example\\h",
        "[\\\\]fileserver\\share\\i",
        "hxxps[：]／／ｅｖｉｌ[．]ｅｘａｍｐｌｅ／ｊ",
        "evil[.]example/k",
    ] {
        assert!(body.contains(defanged), "{defanged} not in:\n{body}");
    }
    let subject = &texts[0].1;
    assert!(
        subject.contains("請求書 www[.]evil[.]example/b"),
        "{subject}"
    );
}

#[test]
fn a_postmaster_report_quotes_hostile_text_defanged() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let extra = "[sanitize.limits]\nmax_parts = 2\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", extra));
    let (mut c, _) = Client::connect(relay.addr);
    assert!(c.command("EHLO www.evil.example").starts_with("250"));
    let raw = format!(
        "From: a@example.com\r\nSubject: =?UTF-8?B?{}?=\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b\r\n\r\nthree\r\n--b--\r\n",
        base64::engine::general_purpose::STANDARD.encode("至急 https\u{200b}://evil.example/pay")
    );
    let r = c.send_message("x@evil.example", &["taro@example.lg.jp"], raw.as_bytes());
    assert!(r.starts_with("250"), "{r}");
    c.command("QUIT");
    // The recipient's notice-only message and the postmaster's report.
    let got = sink.wait_for(2, LIMIT);
    let report = got
        .iter()
        .find(|m| m.to == ["postmaster@example.lg.jp"])
        .expect("a report to the postmaster");
    let parsed = mail_parser::MessageParser::default()
        .parse(&report.data)
        .unwrap();
    let body = parsed.body_text(0).unwrap().to_string();
    let subject = parsed.subject().unwrap_or_default().to_string();
    for text in [&body, &subject] {
        assert_eq!(common::autolink::find_link(text), None, "{text}");
    }
    assert!(body.contains("至急 hxxps[:]//evil[.]example/pay"), "{body}");
    assert!(body.contains("www[.]evil[.]example"), "HELO: {body}");
    assert!(ordinary(&relay, "after").starts_with("250 2.0.0 Ok: queued"));
    sink.wait_for(3, LIMIT);
}

/// Files that lie about their type, and web code: each is removed, and
/// nothing of it reaches the LGWAN side, not even as text.
#[test]
fn lying_files_and_web_code_are_removed_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let epub = files::zip(
        &[
            ("mimetype", b"application/epub+zip"),
            (
                "OEBPS/chapter.xhtml",
                b"<html><body>EPUB-MARKER</body></html>",
            ),
        ],
        false,
    );
    let xps = files::zip(
        &[
            ("[Content_Types].xml", b"<Types/>"),
            (
                "Documents/1/Pages/1.fpage",
                b"<FixedPage>XPS-MARKER</FixedPage>",
            ),
        ],
        true,
    );
    let hostile: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "invoice.png",
            "image/png",
            b"PNG-TEXT-MARKER see https://evil.example".to_vec(),
        ),
        (
            "report.pdf",
            "application/pdf",
            b"%PDX-1.7 PDF-TEXT-MARKER".to_vec(),
        ),
        (
            "movie.avi",
            "video/x-msvideo",
            b"#EXTM3U\nhttp://evil.example/AVI-MARKER.exe\n".to_vec(),
        ),
        (
            "photo.jpg",
            "image/jpeg",
            b"push graphic-context\nMVG-MARKER url(https://evil.example/x)\n".to_vec(),
        ),
        ("shell.php", "text/plain", b"<?php PHP-MARKER ?>".to_vec()),
        (
            "notes.txt",
            "text/plain",
            b"@echo off\r\nBAT-MARKER\r\n".to_vec(),
        ),
        (".htaccess", "text/plain", b"HTACCESS-MARKER".to_vec()),
        ("page.html", "text/html", b"<p>HTML-MARKER</p>".to_vec()),
        ("book.epub", "application/epub+zip", epub),
        ("doc.xps", "application/vnd.ms-xpsdocument", xps),
        (
            "song.mp3",
            "audio/mpeg",
            b"ID3\x03\0\0\0\0\0\x0fMP3-MARKER".to_vec(),
        ),
    ];
    let mut raw = String::from(
        "From: a@example.com\r\nTo: taro@example.lg.jp\r\nSubject: files\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n",
    );
    for (name, mime, bytes) in &hostile {
        raw.push_str(&format!(
            "--b\r\nContent-Type: {mime}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(bytes)
        ));
    }
    raw.push_str(&format!(
        "--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"real.png\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        b64(&files::png(4, 4))
    ));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let r = c.send_message("a@example.com", &["taro@example.lg.jp"], raw.as_bytes());
    assert!(r.starts_with("250"), "{r}");
    c.command("QUIT");
    let got = sink.wait_for(1, LIMIT);
    let out = common::read_output(&got[0].data);
    let names: Vec<&str> = out.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["real.png"], "only the real image is delivered");
    let delivered = got[0].text();
    for marker in ["MARKER", "evil.example"] {
        assert!(
            !delivered.contains(marker),
            "{marker} reached the LGWAN side"
        );
    }
    let decoded = &out.body;
    assert!(!decoded.contains("MARKER"), "{decoded}");
    for (name, _, _) in &hostile {
        assert!(
            decoded.contains(&format!("{name} → 削除")),
            "{name} not listed:\n{decoded}"
        );
    }
    assert!(decoded.contains("invoice.png → 削除（ファイル名や種類の表示と中身が一致しません）"));
    assert!(ordinary(&relay, "next").starts_with("250 2.0.0 Ok: queued"));
    sink.wait_for(2, LIMIT);
}

/// A mail of 100 000 nested `message/rfc822` header blocks (3 MB) used to
/// overflow the stack when its parsed tree was dropped, aborting the relay
/// (and again at every restart). Now it is refused for its depth.
#[test]
fn a_deeply_nested_mail_is_refused_and_the_relay_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let mut deep = b"From: a@example.com\r\nSubject: deep\r\n".to_vec();
    for _ in 0..100_000 {
        deep.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
    }
    deep.extend_from_slice(b"body\r\n");
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let r = c.send_message("a@example.com", &["taro@example.lg.jp"], &deep);
    assert!(r.starts_with("250"), "{r}");
    c.command("QUIT");
    relay.wait_for_log("refused", 1, LIMIT);
    assert!(ordinary(&relay, "after").starts_with("250 2.0.0 Ok: queued"));
    let got = sink.wait_for(3, LIMIT);
    assert!(got.iter().any(|m| m.text().contains("Subject: after")));
    let notice = got
        .iter()
        .find(|m| m.to == ["taro@example.lg.jp"] && m.text().contains("X-Mugai-Sanitized: refused"))
        .expect("a notice-only message for the recipient");
    assert!(common::read_output(&notice.data).body.contains("入れ子"));
    let report = got
        .iter()
        .find(|m| m.to == ["postmaster@example.lg.jp"])
        .unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&report.data)
        .unwrap();
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("nesting"), "{text}");
}

/// One message carrying one attachment, base64-encoded.
fn with_attachment(subject: &str, name: &str, mime: &str, bytes: &[u8]) -> Vec<u8> {
    format!(
        "From: a@example.com\r\nTo: taro@example.lg.jp\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
--b\r\nContent-Type: {mime}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        b64(bytes)
    )
    .into_bytes()
}

/// One line of text per page, `word` and the page's number.
fn pages_saying(word: &str, pages: usize) -> Vec<String> {
    (0..pages)
        .map(|p| format!("BT /F1 40 Tf 20 200 Td ({word} PAGE {p}) Tj ET"))
        .collect()
}

/// The structures that used to hold a converter for minutes or exhaust its
/// memory, each sent to the real relay: a body of 200 000 self-closed
/// `<div/>` (html5ever opens each one), winmail.dat nested 3 000 deep, an
/// xlsx naming a 1 MB shared string in 45 000 cells, a PDF deflate bomb, a
/// PDF naming one content stream 20 000 times, PDFs of giant pages and of
/// many pages (rendered on several threads). Each gets a real answer
/// (the part removed with its reason, or its text cut at the limit) rather
/// than a killed converter, the recipient gets the sanitized mail with the
/// notice saying so, and an ordinary mail sent after them all arrives.
#[test]
fn hostile_structures_get_real_answers_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let extra =
        "[sanitize.attachments]\nconverter_memory_limit = \"32MiB\"\ntext_max_size = \"4MiB\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", extra));
    let mut divs = b"From: a@example.com\r\nTo: taro@example.lg.jp\r\nSubject: divs\r\n\
Content-Type: text/html\r\n\r\n<p>DIV-MARKER</p>"
        .to_vec();
    for _ in 0..200_000 {
        divs.extend_from_slice(b"<div/>\r\n");
    }
    divs.extend_from_slice(b"\r\n");
    let mut tnef = files::tnef();
    for _ in 0..3000 {
        tnef = files::tnef_with("winmail.dat", &tnef);
    }
    let mails: Vec<(&str, Vec<u8>)> = vec![
        ("divs", divs),
        (
            "tnef",
            with_attachment("tnef", "winmail.dat", "application/ms-tnef", &tnef),
        ),
        (
            "xlsx",
            with_attachment(
                "xlsx",
                "shared.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &files::xlsx_sharing(1_000_000, 45_000),
            ),
        ),
        (
            "bomb",
            with_attachment(
                "bomb",
                "bomb.pdf",
                "application/pdf",
                &files::pdf_deflate_bomb(64 << 20),
            ),
        ),
        (
            "parts",
            with_attachment(
                "parts",
                "parts.pdf",
                "application/pdf",
                &files::pdf_repeated_contents(20_000, 10),
            ),
        ),
        // Pages of the largest size PDF allows: one page drawn at the pixel
        // limit needs more than this budget, so the PDF is removed before
        // any thread starts drawing.
        (
            "giant",
            with_attachment(
                "giant",
                "giant.pdf",
                "application/pdf",
                &files::pdf_with_sized_pages(
                    &[files::helvetica()],
                    &pages_saying("GIANT", 6),
                    (14_400, 14_400),
                ),
            ),
        ),
        // Forty small pages (about a megapixel each at 150 dpi): two fit the
        // budget at once, so two threads draw them, and every page arrives.
        (
            "many",
            with_attachment(
                "many",
                "many.pdf",
                "application/pdf",
                &files::pdf_with_sized_pages(
                    &[files::helvetica()],
                    &pages_saying("MANY", 40),
                    (480, 480),
                ),
            ),
        ),
    ];
    let sent: Vec<&[u8]> = mails.iter().map(|(_, mail)| mail.as_slice()).collect();
    let got = send_then_ordinary(&relay, &sink, &sent);
    let by_subject = |subject: &str| {
        let m = with_subject(&got, subject);
        assert_eq!(m.to, ["taro@example.lg.jp"]);
        assert!(
            !m.text().contains("X-Mugai-Sanitized: refused"),
            "{subject}"
        );
        common::read_output(&m.data)
    };
    let divs = by_subject("divs");
    assert!(!divs.body.contains("DIV-MARKER"), "{}", divs.body);
    assert!(divs.body.contains("削除"), "{}", divs.body);
    let tnef = by_subject("tnef");
    assert!(tnef.attachments.is_empty());
    assert!(tnef.body.contains("winmail.dat → 削除"), "{}", tnef.body);
    let xlsx = by_subject("xlsx");
    assert_eq!(xlsx.attachments.len(), 1);
    assert!(xlsx.attachments[0].bytes.len() <= (4 << 20) + 64);
    for (subject, name) in [
        ("bomb", "bomb.pdf"),
        ("parts", "parts.pdf"),
        ("giant", "giant.pdf"),
    ] {
        let out = by_subject(subject);
        assert!(out.attachments.is_empty(), "{subject}");
        assert!(out.body.contains(&format!("{name} → 削除")), "{}", out.body);
    }
    let many = by_subject("many");
    assert!(
        many.body.contains("many.pdf → 画像化したPDF（40ページ）"),
        "{}",
        many.body
    );
    let rebuilt = many
        .attachments
        .iter()
        .find(|a| a.name == "many.pdf")
        .expect("the rebuilt PDF is attached");
    let pages = hayro::hayro_syntax::Pdf::new(rebuilt.bytes.clone())
        .expect("the rebuilt PDF opens")
        .pages()
        .len();
    assert_eq!(pages, 40);
    by_subject("after");
    assert!(
        !got.iter().any(|m| m.to == ["postmaster@example.lg.jp"]),
        "no message was refused as a whole"
    );
}

/// The new converters through the real relay: an SVG that scripts, links
/// and references a local listener arrives as a PNG and fetches nothing;
/// a body with broken base64 is repaired, not refused; the next mail
/// arrives.
#[test]
fn an_svg_and_broken_base64_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40" onload="alert(1)"><script>fetch('http://127.0.0.1:{port}/s')</script><image href="http://127.0.0.1:{port}/i.png" width="9" height="9"/><rect x="10" y="10" width="40" height="20"/><a href="https://evil.example/"><text y="38">SVG-MARKER</text></a></svg>"#
    );
    let broken = b"From: a@example.com\r\nTo: taro@example.lg.jp\r\nSubject: broken\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n5pel5pys6Kqe!!\r\n 44Gu5pys5paH\r\n";
    for mail in [
        with_attachment("svg", "logo.svg", "image/svg+xml", svg.as_bytes()),
        broken.to_vec(),
    ] {
        let (mut c, _) = Client::connect(relay.addr);
        ehlo(&mut c);
        let r = c.send_message("a@example.com", &["taro@example.lg.jp"], &mail);
        assert!(r.starts_with("250"), "{r}");
        c.command("QUIT");
    }
    assert!(ordinary(&relay, "after").starts_with("250 2.0.0 Ok: queued"));
    let got = sink.wait_for(3, LIMIT);
    let find = |subject: &str| {
        got.iter()
            .find(|m| m.text().contains(&format!("Subject: {subject}\r\n")))
            .unwrap_or_else(|| panic!("{subject} not delivered"))
    };
    let svg = find("svg");
    let out = common::read_output(&svg.data);
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].name, "logo.png");
    for marker in ["<svg", "alert", "evil.example", "SVG-MARKER"] {
        assert!(!svg.text().contains(marker), "{marker}");
    }
    let broken = find("broken");
    assert!(broken.text().contains("repaired"));
    assert!(
        common::read_output(&broken.data)
            .body
            .contains("日本語の本文")
    );
    find("after");
    assert!(listener.accept().is_err(), "the SVG made a connection");
}

/// Every damaged-text sample through the real relay: each is delivered
/// repaired (none refused, nothing to the postmaster), and the next mail
/// arrives.
#[test]
fn damaged_text_samples_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut names: Vec<_> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("repair-") && n.ends_with(".eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        let mail = std::fs::read(samples.join(name)).unwrap();
        let (mut c, _) = Client::connect(relay.addr);
        ehlo(&mut c);
        let r = c.send_message("a@example.com", &["taro@example.lg.jp"], &mail);
        assert!(r.starts_with("250"), "{name}: {r}");
        c.command("QUIT");
    }
    assert!(ordinary(&relay, "after").starts_with("250 2.0.0 Ok: queued"));
    let got = sink.wait_for(names.len() + 1, LIMIT);
    assert!(
        !got.iter().any(|m| m.to == ["postmaster@example.lg.jp"]),
        "no message was refused as a whole"
    );
    let bodies: Vec<String> = got
        .iter()
        .map(|m| common::read_output(&m.data).body)
        .collect();
    for snippet in [
        "先頭にBOMが付いたメールです。",
        "本文だけが保存されたメールです。",
        "閉じ境界のないマルチパートです。",
        "入れ子の境界が欠落したメールです。",
        "壊れたbase64の本文です。二行目です。",
        "Subject: 会議資料",
    ] {
        assert!(
            bodies.iter().any(|b| b.contains(snippet)),
            "{snippet} not delivered"
        );
    }
    assert!(got.iter().any(|m| m.text().contains("Subject: after\r\n")));
}

/// Ten nested multiparts without boundaries around 200 KB of text through
/// the real relay: each level is parsed again from a charged copy; the
/// text arrives and so does the next mail.
#[test]
fn nested_boundary_repairs_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let line = "nested text line ".repeat(4);
    let mut inner = format!(
        "Content-Type: text/plain\r\n\r\n{}",
        format!("{line}\r\n").repeat(3000)
    );
    for level in 0..10 {
        inner = format!(
            "Content-Type: multipart/mixed\r\n\r\n--lost{level}\r\n{inner}\r\n--lost{level}--\r\n"
        );
    }
    let mail = format!(
        "From: a@example.com\r\nTo: taro@example.lg.jp\r\nSubject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"top\"\r\n\r\n--top\r\n{inner}\r\n--top--\r\n"
    );
    let got = send_then_ordinary(&relay, &sink, &[mail.as_bytes()]);
    let nested = with_subject(&got, "nested");
    assert!(
        common::read_output(&nested.data)
            .body
            .contains(line.trim_end())
    );
    with_subject(&got, "after");
}

/// A body made of nothing but dot lines: every one must leave stuffed and
/// arrive as it was (the relay's DATA writer produces its pieces one at a
/// time, so such a message costs no more memory than any other), and the
/// next mail goes through.
#[test]
fn a_body_of_dot_lines_arrives_whole_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let body = ".\r\n..\r\n.x\r\n".repeat(60_000);
    let mail = format!("From: a@example.com\r\nSubject: dots\r\n\r\n{body}");
    let got = send_then_ordinary(&relay, &sink, &[mail.as_bytes()]);
    let dots = with_subject(&got, "dots");
    let text = common::read_output(&dots.data).body;
    let lines: Vec<&str> = text.lines().collect();
    for wanted in [".", "..", ".x"] {
        let n = lines
            .iter()
            .filter(|l| l.trim_end_matches('\r') == wanted)
            .count();
        assert_eq!(n, 60_000, "lines {wanted:?}");
    }
    assert!(got.iter().any(|m| m.text().contains("Subject: after\r\n")));
}
