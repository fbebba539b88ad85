//! Builds the sanitized message: fresh headers from the kept, decoded
//! fields plus our own, one `text/plain; charset=utf-8` body, and, when
//! converters made files, those files as base64 attachments of a
//! `multipart/mixed`. The output is written once, from decoded values and
//! converter output only.

use super::Stamp;
use super::attach::NewFile;
use super::encode::{self, TransferEncoding};
use super::headers::KeptHeaders;
use super::report::Report;

/// Everything the composer needs besides the text.
pub struct Composition<'a> {
    pub headers: &'a KeptHeaders,
    pub subject: Option<&'a str>,
    pub report: &'a Report,
    pub stamp: &'a Stamp,
    /// Files made by the attachment converters.
    pub files: &'a [NewFile],
}

/// The written message and where its text part's encoded body lies.
pub struct Composed {
    pub message: Vec<u8>,
    pub text_span: std::ops::Range<usize>,
    pub text_encoding: TransferEncoding,
}

/// Writes the whole message; `pieces` are the body text in order (CRLF ends).
pub fn compose(c: &Composition<'_>, pieces: &[&str]) -> Composed {
    let body_len: usize = pieces.iter().map(|p| p.len()).sum();
    // Base64 grows text by 4/3 plus CRLF every 76 characters.
    let mut out = Vec::with_capacity(4096 + body_len * 138 / 100);
    let stamp_date = super::rfc5322_date(c.stamp.received_at);

    let mut received = vec![
        "by".to_string(),
        ascii_token(&c.stamp.hostname),
        "(mugai)".to_string(),
    ];
    if let Some(id) = &c.stamp.queue_id {
        received.extend(["id".to_string(), ascii_token(id)]);
    }
    if let Some(last) = received.last_mut() {
        last.push(';');
    }
    received.extend(stamp_date.split(' ').map(str::to_string));
    encode::tokens(&mut out, "Received", &received);
    for hop in &c.headers.received {
        encode::unstructured(&mut out, "Received", hop);
    }

    let h = c.headers;
    if h.from.is_empty() {
        // RFC 5322 requires a From; RFC 6854 allows a group here.
        encode::tokens(&mut out, "From", &["undisclosed-sender:;".to_string()]);
    } else {
        encode::addresses(&mut out, "From", &h.from);
    }
    for (name, list) in [("To", &h.to), ("Cc", &h.cc), ("Reply-To", &h.reply_to)] {
        if !list.is_empty() {
            encode::addresses(&mut out, name, list);
        }
    }
    if let Some(subject) = c.subject {
        encode::unstructured(&mut out, "Subject", subject);
    }
    let date = h.date.clone().unwrap_or(stamp_date);
    encode::tokens(
        &mut out,
        "Date",
        &date.split(' ').map(str::to_string).collect::<Vec<_>>(),
    );
    let message_id = h
        .message_id
        .clone()
        .unwrap_or_else(|| format!("<{}@mugai.invalid>", &c.report.original_sha256));
    encode::tokens(&mut out, "Message-ID", &[message_id]);
    if !h.in_reply_to.is_empty() {
        encode::tokens(&mut out, "In-Reply-To", &h.in_reply_to);
    }
    if !h.references.is_empty() {
        encode::tokens(&mut out, "References", &h.references);
    }
    let transfer = TransferEncoding::for_text(pieces);
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    // The boundary carries the original's hash: text cannot contain it
    // without knowing the hash of the message that contains it.
    let boundary = format!(
        "=_mugai_{}",
        c.report.original_sha256.get(..32).unwrap_or("0")
    );
    if c.files.is_empty() {
        text_fields(&mut out, transfer);
    } else {
        out.extend_from_slice(
            format!("Content-Type: multipart/mixed;\r\n boundary=\"{boundary}\"\r\n").as_bytes(),
        );
    }
    let actions: Vec<String> = c
        .report
        .actions_header()
        .split(' ')
        .map(str::to_string)
        .collect();
    encode::tokens(&mut out, "X-Mugai-Sanitized", &actions);
    encode::tokens(
        &mut out,
        "X-Mugai-Original",
        std::slice::from_ref(&c.report.original_sha256),
    );
    out.extend_from_slice(b"\r\n");
    if c.files.is_empty() {
        let start = out.len();
        encode::body(&mut out, transfer, pieces);
        let text_span = start..out.len();
        return Composed {
            message: out,
            text_span,
            text_encoding: transfer,
        };
    }
    let files: usize = c.files.iter().map(|f| f.bytes.len()).sum();
    out.reserve(files * 138 / 100);
    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    text_fields(&mut out, transfer);
    out.extend_from_slice(b"\r\n");
    let start = out.len();
    encode::body(&mut out, transfer, pieces);
    let text_span = start..out.len();
    for file in c.files {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        encode::attachment_fields(&mut out, &file.mime, &file.name);
        out.extend_from_slice(b"\r\n");
        encode::base64_bytes(&mut out, &file.bytes);
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Composed {
        message: out,
        text_span,
        text_encoding: transfer,
    }
}

fn text_fields(out: &mut Vec<u8>, transfer: TransferEncoding) {
    out.extend_from_slice(b"Content-Type: text/plain; charset=utf-8\r\n");
    encode::tokens(
        out,
        "Content-Transfer-Encoding",
        &[transfer.as_str().to_string()],
    );
}

/// Keeps a value we put in a header to one safe ASCII token.
fn ascii_token(text: &str) -> String {
    let token: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"()<>;\"\\".contains(*c))
        .take(200)
        .collect();
    if token.is_empty() {
        "localhost".to_string()
    } else {
        token
    }
}
