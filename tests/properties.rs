//! Property tests: random MIME trees and random bytes never panic the core,
//! and whatever comes out is one well-formed UTF-8 text/plain message with
//! no HTML and no script tag, produced deterministically.

mod common;

use base64::Engine as _;
use mugai::policy::Policy;
use mugai::sanitize::{self, Stamp};
use proptest::prelude::*;

/// A MIME tree to render as a message.
#[derive(Debug, Clone)]
enum Node {
    Text {
        html: bool,
        charset: &'static str,
        encoding: &'static str,
        body: String,
    },
    Binary {
        name: String,
        bytes: Vec<u8>,
    },
    Multipart {
        subtype: &'static str,
        children: Vec<Node>,
    },
    Forwarded(Box<Node>),
}

fn text_body() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,80}",
        "\\PC{0,60}",
        Just("本文です。詳細は https://example.com/x を参照。".to_string()),
        Just("<script>alert(1)</script><p>段落</p><style>p{}</style>".to_string()),
        Just(
            "<a href=\"javascript:alert(1)\">x</a><img src=\"http://t.example/p.gif\">".to_string()
        ),
    ]
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        (
            any::<bool>(),
            prop::sample::select(vec![
                "utf-8",
                "iso-2022-jp",
                "shift_jis",
                "euc-jp",
                "unknown",
                "us-ascii",
                "utf-7"
            ]),
            prop::sample::select(vec!["7bit", "8bit", "base64", "quoted-printable"]),
            text_body()
        )
            .prop_map(|(html, charset, encoding, body)| Node::Text {
                html,
                charset,
                encoding,
                body
            }),
        (
            "[a-z請求書]{1,8}\\.(pdf|exe|png)",
            prop::collection::vec(any::<u8>(), 0..200)
        )
            .prop_map(|(name, bytes)| Node::Binary { name, bytes }),
    ]
}

fn tree() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec![
                    "mixed",
                    "alternative",
                    "related",
                    "digest",
                    "report",
                    "encrypted"
                ]),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(subtype, children)| Node::Multipart { subtype, children }),
            inner.prop_map(|n| Node::Forwarded(Box::new(n))),
        ]
    })
}

fn encode_text(charset: &str, body: &str) -> Vec<u8> {
    match charset {
        "iso-2022-jp" => encoding_rs::ISO_2022_JP.encode(body).0.into_owned(),
        "shift_jis" => encoding_rs::SHIFT_JIS.encode(body).0.into_owned(),
        "euc-jp" => encoding_rs::EUC_JP.encode(body).0.into_owned(),
        _ => body.as_bytes().to_vec(),
    }
}

fn render(node: &Node, out: &mut Vec<u8>, counter: &mut usize) {
    match node {
        Node::Text {
            html,
            charset,
            encoding,
            body,
        } => {
            let kind = if *html { "html" } else { "plain" };
            out.extend(format!("Content-Type: text/{kind}; charset={charset}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n").bytes());
            let bytes = encode_text(charset, body);
            match *encoding {
                "base64" => out.extend(
                    base64::engine::general_purpose::STANDARD
                        .encode(&bytes)
                        .bytes(),
                ),
                "quoted-printable" => {
                    for b in bytes {
                        out.extend(format!("={b:02X}").bytes());
                    }
                }
                _ => out.extend(bytes),
            }
            out.extend(b"\r\n");
        }
        Node::Binary { name, bytes } => {
            out.extend(format!("Content-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n").bytes());
            out.extend(
                base64::engine::general_purpose::STANDARD
                    .encode(bytes)
                    .bytes(),
            );
            out.extend(b"\r\n");
        }
        Node::Multipart { subtype, children } => {
            *counter += 1;
            let boundary = format!("b{counter}x");
            out.extend(
                format!(
                    "Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\npreamble\r\n"
                )
                .bytes(),
            );
            for child in children {
                out.extend(format!("--{boundary}\r\n").bytes());
                render(child, out, counter);
            }
            out.extend(format!("--{boundary}--\r\n").bytes());
        }
        Node::Forwarded(inner) => {
            out.extend(b"Content-Type: message/rfc822\r\n\r\nFrom: fwd@example.com\r\nSubject: =?UTF-8?B?6Lui6YCB?=\r\nMIME-Version: 1.0\r\n");
            render(inner, out, counter);
        }
    }
}

fn message(node: &Node) -> Vec<u8> {
    let mut out = b"From: =?UTF-8?B?5bGx55Sw?= <sender@example.com>\r\nTo: taro@example.lg.jp\r\nSubject: test\r\nMIME-Version: 1.0\r\n".to_vec();
    render(node, &mut out, &mut 0);
    out
}

fn check_output(bytes: &[u8]) {
    common::assert_wire_format(bytes);
    let out = common::read_output(bytes);
    // One text part, or a multipart/mixed of that text and converted files
    // of the few harmless types converters write.
    let expected_parts = if out.attachments.is_empty() {
        1
    } else {
        2 + out.attachments.len()
    };
    assert_eq!(
        out.part_count, expected_parts,
        "text plus converted files only"
    );
    assert_eq!(out.content_type, "text/plain");
    for file in &out.attachments {
        assert!(
            matches!(
                file.mime.as_str(),
                "image/png" | "image/jpeg" | "application/pdf" | "text/plain"
            ),
            "{}",
            file.mime
        );
        if file.mime == "text/plain" {
            let text = std::str::from_utf8(&file.bytes).expect("converted text is UTF-8");
            assert!(
                text.chars()
                    .all(|c| c == '\t' || c == '\n' || !c.is_control())
            );
        }
    }
    assert!(
        !out.body.to_ascii_lowercase().contains("<script"),
        "{}",
        out.body
    );
    assert!(!out.header_block.to_ascii_lowercase().contains("text/html"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_mime_trees_give_clean_deterministic_output(node in tree()) {
        let raw = message(&node);
        let policy = Policy::default();
        let first = sanitize::sanitize(&raw, &policy, &common::stamp());
        let second = sanitize::sanitize(&raw, &policy, &common::stamp());
        match (first, second) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(&a.message, &b.message);
                check_output(&a.message);
                // A different stamp changes only our Received and (absent an original) Date lines.
                let later = Stamp { received_at: 1_900_000_000, ..common::stamp() };
                let c = sanitize::sanitize(&raw, &policy, &later).unwrap();
                let differing: Vec<_> = String::from_utf8_lossy(&a.message).lines()
                    .zip(String::from_utf8_lossy(&c.message).lines())
                    .filter(|(x, y)| x != y)
                    .map(|(x, _)| x.to_string())
                    .collect();
                prop_assert!(differing.iter().all(|l| l.starts_with("Received:") || l.starts_with("Date:")), "{:?}", differing);
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(&a.report, &b.report);
                prop_assert_ne!(a.report.detail.as_deref(), Some("the message structure could not be parsed"));
            }
            _ => prop_assert!(false, "nondeterministic outcome"),
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(s) = sanitize::sanitize(&bytes, &Policy::default(), &common::stamp()) {
            check_output(&s.message);
        }
    }

    #[test]
    fn random_header_text_never_panics(prefix in "[ -~]{0,40}", bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut raw = format!("From: a@example.com\r\nSubject: {prefix}").into_bytes();
        raw.extend(bytes.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
        raw.extend(b"\r\nContent-Type: text/plain\r\n\r\nbody\r\n");
        if let Ok(s) = sanitize::sanitize(&raw, &Policy::default(), &common::stamp()) {
            check_output(&s.message);
        }
    }
}

#[test]
fn the_test_autolinker_finds_links_and_leaves_defanged_ones() {
    for live in [
        "see https://a.example/x",
        "ｈｔｔｐｓ：／／ａ．ｅｘａｍｐｌｅ",
        "go www.evil.com",
        "\\\\server\\share",
        "evil.com/login",
        "see evil.com.",
        "mailto:a@b.jp",
        "x:\\\\evil",
    ] {
        assert!(common::autolink::find_link(live).is_some(), "{live}");
    }
    for dead in [
        "hxxps[:]//a[.]example/x",
        "www[.]evil[.]com",
        "[\\\\]server\\share",
        "evil[.]com/login",
        "taro@city.example.jp",
        "mailto[:]a[@]b[.]jp",
        "C:\\Users\\x",
        "時刻 10:30。",
    ] {
        assert_eq!(common::autolink::find_link(dead), None, "{dead}");
    }
}

/// Characters an attacker hides in a link: invisible format characters,
/// C0 and C1 controls, DEL, bidi controls, selectors, tags.
const HIDDEN: &[char] = &[
    '\u{200b}',
    '\u{200c}',
    '\u{200d}',
    '\u{feff}',
    '\u{ad}',
    '\u{2060}',
    '\u{202e}',
    '\u{2066}',
    '\u{200e}',
    '\u{85}',
    '\u{80}',
    '\u{7f}',
    '\u{1b}',
    '\u{8}',
    '\u{0}',
    '\u{fe0f}',
    '\u{e0041}',
    '\u{180e}',
    '\u{34f}',
    '\u{61c}',
    '\u{3164}',
    '\u{b}',
];

/// A URL in one of the forms a client links, with hidden characters
/// inserted at random places, sometimes in fullwidth forms.
fn hidden_url() -> impl Strategy<Value = String> {
    let form = prop::sample::select(vec![
        "https://",
        "http://",
        "HTTPS://",
        "ftp://",
        "file:///",
        "smb://",
        "https:\\\\",
        "https:/",
        "hxxps://",
        "://",
        "www.",
        "\\\\",
        "",
        "mailto:x@",
        "javascript:",
    ]);
    let host = prop::collection::vec("[a-z0-9]{1,6}", 1..3);
    let tld = prop::sample::select(vec!["com", "jp", "example", "xn--zckzah"]);
    let path = prop::sample::select(vec![
        "/",
        "/x?u=https://evil.example/y",
        "/a.b/c",
        "?next=www.evil.com",
        "\\share",
        "/login",
    ]);
    let inserts = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::sample::select(HIDDEN.to_vec()),
        ),
        0..4,
    );
    (form, host, tld, path, inserts, any::<bool>()).prop_map(
        |(form, host, tld, path, inserts, fullwidth)| {
            let url = format!("{form}{}.{tld}{path}", host.join("."));
            let mut chars: Vec<char> = url
                .chars()
                .map(|c| match c {
                    '!'..='~' if fullwidth => char::from_u32(c as u32 + 0xfee0).unwrap(),
                    c => c,
                })
                .collect();
            for (at, hidden) in inserts {
                let at = at.index(chars.len() + 1);
                chars.insert(at, hidden);
            }
            chars.into_iter().collect()
        },
    )
}

/// Every text a person reads in a sanitized message: Subject and From as a
/// client decodes them, the body, and each converted text file.
fn written_texts(message: &[u8]) -> Vec<String> {
    let parsed = mail_parser::MessageParser::default()
        .parse(message)
        .expect("output parses");
    let mut texts = vec![parsed.subject().unwrap_or_default().to_string()];
    if let Some(from) = parsed.from() {
        texts.extend(from.iter().filter_map(|a| a.name().map(str::to_string)));
    }
    let out = common::read_output(message);
    texts.push(out.body);
    for file in out.attachments {
        if file.mime == "text/plain" {
            texts.push(String::from_utf8(file.bytes).expect("text files are UTF-8"));
        }
    }
    texts
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_written_text_carries_a_live_link(
        before in prop_oneof!["\\PC{0,6}", "[a-zA-Z0-9_.:/\\\\@-]{0,4}"],
        url in hidden_url(),
        after in "[ 。、あa-z]{0,4}",
    ) {
        let line = format!("{before}{url}{after}");
        // HTML hides characters as references too.
        let html: String = line.chars().map(|c| if c.is_ascii_alphanumeric() || c == ' ' { c.to_string() } else { format!("&#x{:x};", c as u32) }).collect();
        let raw = format!(
            "From: =?UTF-8?B?{name}?= <sender@example.com>\r\nTo: taro@example.lg.jp\r\n\
Subject: =?UTF-8?B?{subject}?=\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n\
--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Disposition: inline\r\n\r\n<p>{html}</p>\r\n\
--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=\"memo.txt\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n--b--\r\n",
            name = b64(&line), subject = b64(&line), body = b64(&line),
        );
        let sanitized = sanitize::sanitize(raw.as_bytes(), &Policy::default(), &common::stamp())
            .expect("an ordinary message is not refused");
        for text in written_texts(&sanitized.message) {
            prop_assert_eq!(common::autolink::find_link(&text), None, "{:?} in {:?}", line, text);
        }
    }
}
