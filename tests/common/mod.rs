//! Helpers shared by the integration tests: a fixed stamp, and a reader
//! for sanitized output (headers plus decoded body text).
#![allow(dead_code)]

use mail_parser::{MessageParser, MimeHeaders, PartType};
use mugai::sanitize::Stamp;

/// A stamp with a fixed time, so outputs are comparable byte for byte.
pub fn stamp() -> Stamp {
    Stamp {
        hostname: "mugai.test".to_string(),
        received_at: 1_795_000_000,
        queue_id: None,
        request_link: None,
    }
}

/// A sanitized message as a person would check it.
pub struct Output {
    pub header_block: String,
    pub body: String,
    pub content_type: String,
    pub part_count: usize,
    /// Files attached by the converters.
    pub attachments: Vec<Attached>,
}

/// One attached file of the sanitized message.
pub struct Attached {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// Parses sanitized output; panics (failing the test) if it is not a
/// UTF-8 text message, or a multipart/mixed of one such text and files.
pub fn read_output(bytes: &[u8]) -> Output {
    let header_end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("output has a header block");
    let header_block =
        String::from_utf8(bytes[..header_end].to_vec()).expect("headers are ASCII/UTF-8");
    let message = MessageParser::default()
        .parse(bytes)
        .expect("output parses");
    let root_type = message.parts[0]
        .content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
        .unwrap_or_default();
    let mut attachments = Vec::new();
    let part = if root_type == "multipart/mixed" {
        for file in message.parts.iter().skip(2) {
            let mime = file
                .content_type()
                .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
                .unwrap_or_default();
            assert!(
                !matches!(file.body, PartType::Multipart(_) | PartType::Message(_)),
                "nested structure in output"
            );
            attachments.push(Attached {
                name: file.attachment_name().unwrap_or_default().to_string(),
                mime,
                bytes: file.contents().to_vec(),
            });
        }
        &message.parts[1]
    } else {
        &message.parts[0]
    };
    let content_type = part
        .content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
        .unwrap_or_default();
    let body = match &part.body {
        PartType::Text(text) => text.to_string(),
        other => panic!("body is not text: {other:?}"),
    };
    Output {
        header_block,
        body: body.replace("\r\n", "\n"),
        content_type,
        part_count: message.parts.len(),
        attachments,
    }
}

/// Checks the wire format: CRLF everywhere, no line over 998 octets.
pub fn assert_wire_format(bytes: &[u8]) {
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        assert!(line.len() <= 999, "line {i} is {} octets", line.len());
    }
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF at {i}");
        }
        if b == b'\r' {
            assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
    }
}

pub mod autolink;
pub mod http;
pub mod load;
pub mod postgres;
pub mod relay;
pub mod sink;
pub mod smtp;
pub mod webdriver;

/// The decoded text of a single-part message (headers ignored).
pub fn read_output_text(bytes: &[u8]) -> String {
    let message = MessageParser::default().parse(bytes).expect("parses");
    let subject = message.subject().unwrap_or("").to_string();
    format!("{subject}\n{}", message.body_text(0).unwrap_or_default())
}

/// A mail to `to` with a Japanese text and an executable attachment.
pub fn mail_with_executable(to: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@example.com>\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.com>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n請求書を送ります。\r\n\
         --b\r\nContent-Type: application/octet-stream; name=\"setup.exe\"\r\n\
         Content-Disposition: attachment; filename=\"setup.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n\
         --b--\r\n"
    )
    .into_bytes()
}

/// A mail to `to` with a short body and each `(name, mime, bytes)`
/// attached (base64, RFC 2231 names).
pub fn mail_with_files(to: &str, subject: &str, attachments: &[(&str, &str, &[u8])]) -> Vec<u8> {
    use base64::Engine as _;
    let mut out = format!("From: sender@example.com\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n").into_bytes();
    for (name, mime, bytes) in attachments {
        out.extend_from_slice(
            format!(
                "--B\r\nContent-Type: {mime}\r\nContent-Disposition: attachment; filename*=UTF-8''{}\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                percent(name)
            )
            .as_bytes(),
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        for line in encoded.as_bytes().chunks(76) {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"--B--\r\n");
    out
}

/// RFC 2231 percent-encoding of a file name.
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `out` carries the text of `files::ppap_zip`'s 見積書.txt, opened,
/// and nothing of its program.
pub fn assert_ppap_contents(out: &Output) {
    let text = out
        .attachments
        .iter()
        .find(|a| a.name == "見積書.txt")
        .unwrap_or_else(|| panic!("no 見積書.txt:\n{}", out.body));
    assert!(String::from_utf8_lossy(&text.bytes).contains("御見積金額 1,234,000円"));
    assert!(!out.attachments.iter().any(|a| a.name.contains("setup")));
}

/// The bytes of `samples/<name>`.
pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}
