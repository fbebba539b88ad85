//! The sanitization core: original message bytes + `Policy` → a fresh,
//! harmless `text/plain` message + a `Report`.
//!
//! A pure, synchronous function: no I/O, no clock (the caller passes a
//! `Stamp`), no global state, so it can be tested on files, benchmarked
//! alone, and run in a resource-limited converter process (`isolate`). It
//! calls nothing outside itself but `policy`.
//!
//! Order of work: limits on the raw bytes → repairs (leading junk, a
//! missing header block) → parse (mail-parser) → kept headers → walk the
//! MIME tree (body text decoded and repaired, HTML converted, links
//! rewritten, everything else removed) → notice from the report → compose.
//! Any panic inside is caught and the message refused (fail closed).

// Inside the core a refusal travels with the report by value (moved once).
#![allow(clippy::result_large_err)]

mod address;
pub mod attach;
mod charset;
mod clean;
mod compose;
mod encode;
mod extract;
mod header_text;
mod headers;
mod html;
mod links;
mod notice;
mod params;
mod parsed;
mod password;
mod plain;
mod refusal;
pub mod repair;
pub mod report;
mod sniff;
mod utf7;
mod walk;
mod writer;

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use sha2::{Digest, Sha256};

use crate::policy::{LinkMode, Policy};
pub use charset::{Decoded, decode as decode_charset};
pub use clean::is_invisible;
pub use extract::{Extracted, ViewKind, extract};
pub use header_text::decode_unstructured as decode_header_text;
pub use notice::{action_words, human_size, part_outcome, reason_text as part_reason_words};
pub use password::{MAX_PASSWORD, Unlock};
pub use plain::{plain_text_message, rfc5322_date};
pub use refusal::{notice_only, reason_text as refusal_words};
pub use report::{
    Action, Outcome, PartAction, PartReason, PartReport, RefusalCode, Report, UnlockReport,
};

/// Writes `text` the way mugai writes every text (invisible characters
/// removed, links found and rewritten by `links`, CRLF line ends):
/// returns the text and how many links it had.
pub fn write_text(
    text: &str,
    links: LinkMode,
    language: crate::policy::Language,
) -> (String, usize) {
    let mut writer = writer::TextWriter::new(links, language, text.len() + 64);
    writer.write(text);
    writer.finish()
}
use walk::{Refusal, Walker};

/// Facts from outside the message that go into the output: who sanitized
/// it and when. Passed in so that the core never reads a clock.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Host name written into our `Received` field.
    pub hostname: String,
    /// Time of receipt, seconds since the Unix epoch (UTC).
    pub received_at: i64,
    /// Queue id, when the relay has one.
    pub queue_id: Option<String>,
    /// When originals can be requested by link: a placeholder the notice
    /// carries on a line of its own, replaced per recipient by
    /// [`Sanitized::with_link`]. It should be unguessable to the sender
    /// (the relay derives it from the original's hash).
    pub request_link: Option<String>,
}

/// A sanitized message and its report. Serialisable so that it can come
/// back from a converter process (the message bytes travel beside the
/// rest, not inside the JSON: see `isolate`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Sanitized {
    /// The complete RFC 5322 message, CRLF line ends.
    #[serde(skip)]
    pub message: Vec<u8>,
    pub report: Report,
    /// The text part (notice and body, CRLF line ends), as encoded at
    /// `text_span` of `message`. Not serialized: a converter process sends
    /// it as raw bytes beside the message (escaping it as JSON cost more
    /// than the rest of the frame).
    #[serde(skip)]
    pub text: String,
    text_span: std::ops::Range<usize>,
    text_encoding: encode::TransferEncoding,
}

impl Sanitized {
    /// The message with the first `placeholder` of the text replaced by
    /// `link` (a recipient's own request link); the message unchanged when
    /// the text has no placeholder.
    pub fn with_link(&self, placeholder: &str, link: &str) -> Vec<u8> {
        if placeholder.is_empty() || !self.text.contains(placeholder) {
            return self.message.clone();
        }
        let text = self.text.replacen(placeholder, link, 1);
        let mut out = Vec::with_capacity(self.message.len() + link.len() * 2);
        out.extend_from_slice(&self.message[..self.text_span.start]);
        encode::body(&mut out, self.text_encoding, &[&text]);
        out.extend_from_slice(&self.message[self.text_span.end..]);
        out
    }
}

/// A message refused as a whole; `report.reason` says why.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Refused {
    /// Boxed: a refusal is rare, and a small `Err` keeps `Result` cheap.
    pub report: Box<Report>,
}

/// SHA-256 of the original, lower-case hex: the quarantine handle.
pub fn original_id(original: &[u8]) -> String {
    hex(&Sha256::digest(original))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Sanitizes one message. Never panics; never returns original bytes.
pub fn sanitize(original: &[u8], policy: &Policy, stamp: &Stamp) -> Result<Sanitized, Refused> {
    sanitize_with_id(
        original,
        original_id(original),
        original.len() as u64,
        policy,
        stamp,
    )
}

/// As [`sanitize`], for a caller that already hashed the original (for
/// instance while streaming it) or holds only its first bytes: `id` and
/// `size` describe the whole original.
pub fn sanitize_with_id(
    original: &[u8],
    id: String,
    size: u64,
    policy: &Policy,
    stamp: &Stamp,
) -> Result<Sanitized, Refused> {
    sanitize_unlocking(original, id, size, policy, stamp, None)
}

/// What a conversion may be given besides the original.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given<'a> {
    /// A password for one part (PPAP); `report.unlock` says whether it
    /// opened the part.
    pub unlock: Option<&'a Unlock>,
    /// A picture of the HTML body's layout (a PNG drawn afresh by a
    /// converter), attached as `本文.png` when `policy.html_snapshot`.
    pub snapshot: Option<&'a [u8]>,
}

/// The name of the attached layout picture.
pub const SNAPSHOT_NAME: &str = "本文.png";

/// As [`sanitize_with_id`], opening one password-protected part with the
/// password the recipient gave (`report.unlock` says whether it opened).
pub fn sanitize_unlocking(
    original: &[u8],
    id: String,
    size: u64,
    policy: &Policy,
    stamp: &Stamp,
    unlock: Option<&Unlock>,
) -> Result<Sanitized, Refused> {
    let given = Given {
        unlock,
        snapshot: None,
    };
    sanitize_given(original, id, size, policy, stamp, given)
}

/// As [`sanitize_with_id`], with what else the conversion is given.
pub fn sanitize_given(
    original: &[u8],
    id: String,
    size: u64,
    policy: &Policy,
    stamp: &Stamp,
    given: Given<'_>,
) -> Result<Sanitized, Refused> {
    let report = Report::new(id, size);
    let refuse = |mut report: Report, refusal: Refusal| {
        report.outcome = Outcome::Refused;
        report.reason = Some(refusal.code);
        report.detail = Some(refusal.detail);
        report.parts.clear();
        report.actions.clear();
        Err(Refused {
            report: Box::new(report),
        })
    };
    let max = policy.limits.max_message_size;
    if size > max.bytes() {
        return refuse(
            report,
            Refusal::new(
                RefusalCode::Size,
                format!("message of {size} bytes exceeds {max}"),
            ),
        );
    }
    if let Err(refusal) = check_lines(original, policy) {
        return refuse(report, refusal);
    }
    let fallback = report.clone();
    match catch_unwind(AssertUnwindSafe(|| {
        run(original, policy, stamp, given, report)
    })) {
        Ok(Ok(sanitized)) => Ok(sanitized),
        Ok(Err((report, refusal))) => refuse(report, refusal),
        Err(_) => refuse(
            fallback,
            Refusal::new(
                RefusalCode::Structure,
                "the message structure could not be parsed",
            ),
        ),
    }
}

/// Line-length limit; also tells whether bare CRs need normalising.
fn check_lines(original: &[u8], policy: &Policy) -> Result<(), Refusal> {
    let max = policy.limits.max_line_length.bytes() as usize;
    let mut start = 0;
    for end in memchr::memchr2_iter(b'\r', b'\n', original).chain(std::iter::once(original.len())) {
        if end - start > max {
            return Err(Refusal::new(
                RefusalCode::Structure,
                format!(
                    "a line of {} octets exceeds max_line_length {}",
                    end - start,
                    policy.limits.max_line_length
                ),
            ));
        }
        start = end + 1;
    }
    Ok(())
}

/// Bare CR line ends (old Mac mail) become LF so the parser sees lines.
fn normalise_line_ends(original: &[u8]) -> Cow<'_, [u8]> {
    let has_bare_cr =
        memchr::memchr_iter(b'\r', original).any(|i| original.get(i + 1) != Some(&b'\n'));
    if !has_bare_cr {
        return Cow::Borrowed(original);
    }
    let mut out = Vec::with_capacity(original.len());
    for (i, &b) in original.iter().enumerate() {
        if b == b'\r' && original.get(i + 1) != Some(&b'\n') {
            out.push(b'\n');
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

/// True when the input opens with a header field (after an optional mbox
/// `From ` line), as every RFC 5322 message does. Spaces before the colon
/// are the obsolete syntax RFC 5322 still asks readers to accept.
fn starts_with_header_field(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    if rest.starts_with(b"From ") {
        rest = memchr::memchr(b'\n', rest).map_or(&[][..], |nl| &rest[nl + 1..]);
    }
    let name_len = rest
        .iter()
        .take_while(|&&b| (0x21..0x7f).contains(&b) && b != b':')
        .count();
    let spaces = rest[name_len..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    name_len > 0 && rest.get(name_len + spaces) == Some(&b':')
}

/// The original as the parser should read it: leading junk dropped, a
/// missing boundary or header block supplied (each a repair noted in
/// `report`), bare CRs made line ends.
fn prepared<'a>(original: &'a [u8], report: &mut Report) -> Result<Cow<'a, [u8]>, Refusal> {
    let (original, repairs) = repair::leading_junk(original);
    for repair in repairs {
        report.add_repair(repair);
    }
    let with_boundary = repair::missing_boundary(original);
    if with_boundary.is_some() {
        report.add_repair(repair::Repair::MultipartWithoutBoundary);
    }
    let repaired = with_boundary.as_deref().unwrap_or(original);
    // Text with no header block at all (a saved body, a digest part) is
    // read as a plain-text body, the way a mail client shows it.
    let headerless = if starts_with_header_field(repaired) {
        None
    } else if !sniff::looks_like_text(repaired) || sniff::is_binary_format(repaired) {
        return Err(Refusal::new(
            RefusalCode::Header,
            "no header block, and not text: this is not an RFC 5322 message",
        ));
    } else {
        report.add_repair(repair::Repair::MissingHeader);
        Some([b"Content-Type: text/plain\r\n\r\n".as_slice(), repaired].concat())
    };
    // Usually nothing was supplied: the original itself, not a copy.
    Ok(match (headerless, with_boundary) {
        (Some(owned), _) | (None, Some(owned)) => {
            Cow::Owned(normalise_line_ends(&owned).into_owned())
        }
        (None, None) => normalise_line_ends(original),
    })
}

/// The parsed message (refused when it has no header block).
fn parse(bytes: &[u8]) -> Result<parsed::Parsed<'_>, Refusal> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .map(parsed::Parsed::new)
        .filter(|m| m.parts.first().is_some_and(|p| !p.headers.is_empty()))
        .ok_or_else(|| {
            Refusal::new(
                RefusalCode::Header,
                "no header block: this is not an RFC 5322 message",
            )
        })
}

fn run(
    original: &[u8],
    policy: &Policy,
    stamp: &Stamp,
    given: Given<'_>,
    mut report: Report,
) -> Result<Sanitized, (Report, Refusal)> {
    let bytes = match prepared(original, &mut report) {
        Ok(bytes) => bytes,
        Err(refusal) => return Err((report, refusal)),
    };
    let message = match parse(&bytes) {
        Ok(message) => message,
        Err(refusal) => return Err((report, refusal)),
    };
    // Dropping header fields is what every message gets, not an action
    // worth naming in `X-Mugai-Sanitized`.
    let mut kept = headers::read(&message, policy.keep_trace_headers);
    let header_links = kept.rewrite_display_text(policy.links, policy.notice_language);
    report.from = Some(address::display(&kept.from)).filter(|f| !f.is_empty());
    report.subject = kept.subject.clone();
    report.to = Some(address::display(&kept.to)).filter(|t| !t.is_empty());

    let mut walker = Walker::new(policy, report, bytes.len() + 1024);
    walker.unlock = given.unlock;
    if let Err(refusal) = walker.message(&message, "", 1) {
        return Err((walker.report, refusal));
    }
    let Walker {
        body,
        mut report,
        mut files,
        file_links: walker_file_links,
        ..
    } = walker;
    let html_body = report
        .parts
        .iter()
        .any(|p| p.reason == Some(PartReason::HtmlToText));
    if let Some(png) = given.snapshot.filter(|_| policy.html_snapshot && html_body) {
        files.insert(
            0,
            attach::NewFile {
                name: SNAPSHOT_NAME.into(),
                mime: "image/png".into(),
                bytes: png.to_vec(),
            },
        );
        report.add_action(Action::LayoutPictured);
    }
    let (body, body_links) = body.finish();
    if nothing_readable(&report, &body, &files) {
        return Err((
            report,
            Refusal::new(
                RefusalCode::Charset,
                "nothing readable remains: no text part is text in any charset",
            ),
        ));
    }
    let links_found = body_links + header_links + walker_file_links;

    let subject = tag_subject(kept.subject.as_deref(), &policy.subject_prefix);
    if subject.as_deref() != kept.subject.as_deref() {
        report.add_action(Action::SubjectTagged);
    }
    if links_found > 0 {
        match policy.links {
            LinkMode::Defang => report.add_action(Action::LinksDefanged),
            LinkMode::Remove => report.add_action(Action::LinksRemoved),
            LinkMode::Keep => {}
        }
    }
    let mut notice_writer = writer::TextWriter::new(policy.links, policy.notice_language, 1024);
    notice::render(
        &report,
        policy,
        stamp.request_link.as_deref(),
        &mut notice_writer,
    );
    if !body.is_empty() {
        notice_writer.start_block();
    }
    let notice_text = notice_writer.into_string();
    let composition = compose::Composition {
        headers: &kept,
        subject: subject.as_deref(),
        report: &report,
        stamp,
        files: &files,
    };
    let composed = compose::compose(&composition, &[&notice_text, &body]);
    let mut text = notice_text;
    text.push_str(&body);
    Ok(Sanitized {
        message: composed.message,
        report,
        text,
        text_span: composed.text_span,
        text_encoding: composed.text_encoding,
    })
}

/// True when the message had text parts, none of them was readable and
/// nothing else arrives: a notice alone would tell the recipient nothing
/// the refusal notice does not.
fn nothing_readable(report: &Report, body: &str, files: &[attach::NewFile]) -> bool {
    body.trim().is_empty()
        && files.is_empty()
        && report.parts.iter().any(|p| {
            p.reason == Some(PartReason::Unreadable) && p.declared_type.starts_with("text/")
        })
        && !report
            .parts
            .iter()
            .any(|p| matches!(p.action, PartAction::Kept | PartAction::Converted))
}

/// Prepends `prefix` unless the subject already carries it (replies).
fn tag_subject(subject: Option<&str>, prefix: &str) -> Option<String> {
    let prefix = prefix.trim();
    match subject {
        _ if prefix.is_empty() => subject.map(str::to_string),
        Some(s) if s.contains(prefix) => Some(s.to_string()),
        Some("") => Some(prefix.to_string()),
        Some(s) => Some(format!("{prefix} {s}")),
        None => Some(prefix.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_prefix_is_added_once() {
        assert_eq!(
            tag_subject(Some("件名"), "[外部]").as_deref(),
            Some("[外部] 件名")
        );
        assert_eq!(
            tag_subject(Some("Re: [外部] 件名"), "[外部]").as_deref(),
            Some("Re: [外部] 件名")
        );
        assert_eq!(tag_subject(None, "[外部]").as_deref(), Some("[外部]"));
        assert_eq!(tag_subject(Some("件名"), "").as_deref(), Some("件名"));
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(original_id(b"").len(), 64);
        assert!(original_id(b"abc").starts_with("ba7816bf"));
    }
}
