//! The walk over the MIME tree: decides for every part whether it is body
//! text (decoded, converted, written), a forwarded message (quoted), or
//! something to remove, records each decision in the `Report`, and
//! enforces the structural limits. Recursion is bounded by `max_depth`,
//! which is checked before descending.

use std::borrow::Cow;

use mail_parser::{Encoding, HeaderName, Message, MessagePart, MimeHeaders, PartType};

use super::attach::{self, NewFile, Treated, Verdict};
use super::charset::{self, Decoded, Label};
use super::html::{self, HtmlRejected};
use super::parsed::Parsed;
use super::password::Unlock;
use super::repair::{self, Repair};
use super::report::{
    Action, OutputReport, PartAction, PartReason, PartReport, RefusalCode, Report, UnlockReport,
};
use super::writer::TextWriter;
use super::{address, params, sniff};
use super::{header_text, headers};
use crate::policy::{Language, Policy};

/// Why the whole message is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: RefusalCode,
    pub detail: String,
}

impl Refusal {
    pub fn new(code: RefusalCode, detail: impl Into<String>) -> Refusal {
        Refusal {
            code,
            detail: detail.into(),
        }
    }
}

/// How leaves in a subtree are treated when they are not the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Disposal {
    /// Normal: body text is written, everything else is an attachment.
    Body,
    /// An alternative rendition that was not chosen.
    Unused,
    /// Resources of a multipart/related body (inline images).
    Inline,
    /// Content of multipart/encrypted: nothing can be shown.
    Opaque,
}

/// message/* types that are plain ASCII text by definition (bounce reports).
const TEXTUAL_MESSAGE_TYPES: &[&str] = &[
    "message/delivery-status",
    "message/disposition-notification",
    "message/global-delivery-status",
    "message/global-disposition-notification",
    "text/rfc822-headers",
    "message/global-headers",
];

pub struct Walker<'p> {
    policy: &'p Policy,
    pub body: TextWriter,
    pub report: Report,
    /// Files made by the attachment converters, in message order.
    pub files: Vec<NewFile>,
    /// Links found in the converted text files.
    pub file_links: usize,
    parts_seen: usize,
    decoded_total: u64,
    /// A password for one part (PPAP), when the recipient gave one.
    pub unlock: Option<&'p Unlock>,
    /// Set to take one part's decoded content instead of converting
    /// attachments (画面で見る); the content lands in `captured`.
    pub capture: Option<&'p str>,
    pub captured: Option<Captured>,
}

/// One part's content, taken for viewing as pictures.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Declared Content-Type.
    pub declared: String,
    pub name: Option<String>,
    /// For an HTML text part: its text as UTF-8 (the charset decoded and
    /// repaired as for the body). Otherwise the decoded bytes.
    pub bytes: Vec<u8>,
    pub html: bool,
}

/// A report entry for a part, before its action is decided.
fn entry(
    path: &str,
    declared: &str,
    detected: String,
    size: u64,
    filename: Option<String>,
) -> PartReport {
    PartReport {
        path: path.to_string(),
        filename,
        declared_type: declared.to_string(),
        detected_type: detected,
        size,
        action: PartAction::Kept,
        reason: None,
        kinds: None,
        output: None,
        container: None,
        detail: None,
    }
}

fn join(prefix: &str, index: usize) -> String {
    if prefix.is_empty() {
        index.to_string()
    } else {
        format!("{prefix}.{index}")
    }
}

fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => {
            let mut t = ct.ctype().to_ascii_lowercase();
            t.push('/');
            t.push_str(&ct.subtype().unwrap_or("octet-stream").to_ascii_lowercase());
            t
        }
        None => "text/plain".to_string(),
    }
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.content_disposition()
        .is_some_and(|d| d.is_attachment())
}

fn has_content(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace())
}

impl<'p> Walker<'p> {
    pub fn new(policy: &'p Policy, report: Report, capacity: usize) -> Walker<'p> {
        Walker {
            policy,
            body: TextWriter::new(policy.links, policy.notice_language, capacity),
            report,
            files: Vec::new(),
            file_links: 0,
            parts_seen: 0,
            decoded_total: 0,
            unlock: None,
            capture: None,
            captured: None,
        }
    }

    /// Walks a whole message whose parts are numbered under `prefix`.
    pub fn message(
        &mut self,
        msg: &Message<'_>,
        prefix: &str,
        depth: usize,
    ) -> Result<(), Refusal> {
        let Some(root) = msg.parts.first() else {
            return Ok(());
        };
        let path = if matches!(root.body, PartType::Multipart(_)) {
            prefix.to_string()
        } else {
            join(prefix, 1)
        };
        self.part(msg, 0, &path, depth, Disposal::Body)
    }

    fn part(
        &mut self,
        msg: &Message<'_>,
        id: usize,
        path: &str,
        depth: usize,
        disposal: Disposal,
    ) -> Result<(), Refusal> {
        let Some(part) = msg.parts.get(id) else {
            return Ok(());
        };
        let limits = &self.policy.limits;
        self.parts_seen += 1;
        if self.parts_seen > limits.max_parts {
            return Err(Refusal::new(
                RefusalCode::Parts,
                format!("more than {} MIME parts", limits.max_parts),
            ));
        }
        let header_size = part.offset_body.saturating_sub(part.offset_header) as u64;
        if header_size > limits.max_header_size.bytes() {
            return Err(Refusal::new(
                RefusalCode::Header,
                format!(
                    "header block of {header_size} bytes exceeds {}",
                    limits.max_header_size
                ),
            ));
        }
        let ct = content_type(part);
        match &part.body {
            PartType::Multipart(children) => {
                self.multipart(msg, &ct, children, path, depth, disposal)
            }
            PartType::Message(inner) => {
                self.forwarded(msg, part, inner, &ct, path, depth, disposal)
            }
            // A multipart whose boundary is missing or never appears: split
            // on the delimiter that does appear, or else read as text.
            PartType::Text(_) | PartType::Binary(_) | PartType::InlineBinary(_)
                if ct.starts_with("multipart/") =>
            {
                self.report.add_repair(Repair::MultipartWithoutBoundary);
                let raw = msg
                    .raw_message
                    .get(part.offset_header as usize..part.offset_end as usize)
                    .unwrap_or_default();
                if let Some(fixed) = repair::missing_boundary(raw) {
                    // The copy is charged like decoded bytes: nested
                    // repairs cannot multiply the message in memory.
                    self.account(fixed.len() as u64)?;
                    let parsed = mail_parser::MessageParser::default()
                        .parse(fixed.as_slice())
                        .map(Parsed::new)
                        .filter(|m| {
                            matches!(
                                m.parts.first().map(|p| &p.body),
                                Some(PartType::Multipart(_))
                            )
                        });
                    if let Some(inner) = parsed {
                        return self.part(&inner, 0, path, depth, disposal);
                    }
                }
                let text = match &part.body {
                    PartType::Text(text) => Cow::Borrowed(text.as_ref()),
                    PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                        String::from_utf8_lossy(bytes)
                    }
                    _ => Cow::Borrowed(""),
                };
                self.text(msg, part, &text, "text/plain", path, disposal)
            }
            _ if ct.starts_with("multipart/") => Err(Refusal::new(
                RefusalCode::Structure,
                format!("{ct} part at {path} has no usable boundary"),
            )),
            PartType::Text(text) | PartType::Html(text) => {
                self.text(msg, part, text, &ct, path, disposal)
            }
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                self.binary(msg, part, bytes, &ct, path, disposal)
            }
        }
    }

    fn descend(&self, depth: usize) -> Result<usize, Refusal> {
        let max = self.policy.limits.max_depth;
        if depth + 1 > max {
            return Err(Refusal::new(
                RefusalCode::Nesting,
                format!("MIME nesting deeper than {max} levels"),
            ));
        }
        Ok(depth + 1)
    }

    fn multipart(
        &mut self,
        msg: &Message<'_>,
        ct: &str,
        children: &[u32],
        path: &str,
        depth: usize,
        disposal: Disposal,
    ) -> Result<(), Refusal> {
        let depth = self.descend(depth)?;
        let children: Vec<usize> = children.iter().map(|&c| c as usize).collect();
        match (disposal, ct) {
            (Disposal::Body, "multipart/alternative") => {
                self.alternative(msg, &children, path, depth)
            }
            (Disposal::Body, "multipart/related") => {
                for (i, &child) in children.iter().enumerate() {
                    let sub = if i == 0 {
                        Disposal::Body
                    } else {
                        Disposal::Inline
                    };
                    self.part(msg, child, &join(path, i + 1), depth, sub)?;
                }
                Ok(())
            }
            (_, "multipart/encrypted") => {
                for (i, &child) in children.iter().enumerate() {
                    self.part(msg, child, &join(path, i + 1), depth, Disposal::Opaque)?;
                }
                Ok(())
            }
            _ => {
                for (i, &child) in children.iter().enumerate() {
                    self.part(msg, child, &join(path, i + 1), depth, disposal)?;
                }
                Ok(())
            }
        }
    }

    /// multipart/alternative: the text/plain rendition when it has real
    /// content, otherwise the (last) HTML one, otherwise the first.
    fn alternative(
        &mut self,
        msg: &Message<'_>,
        children: &[usize],
        path: &str,
        depth: usize,
    ) -> Result<(), Refusal> {
        let mut chosen: Option<(usize, Option<Decoded<'_>>)> = None;
        for (i, &child) in children.iter().enumerate() {
            let Some(part) = msg.parts.get(child) else {
                continue;
            };
            if let PartType::Text(text) = &part.body
                && content_type(part) == "text/plain"
                && !is_attachment(part)
                && !part.is_encoding_problem
            {
                let decoded = self.decode(msg, part, text, false);
                if let Some(decoded) = decoded.filter(|d| has_content(&d.text)) {
                    chosen = Some((i, Some(decoded)));
                    break;
                }
            }
        }
        if chosen.is_none() {
            chosen = children
                .iter()
                .rposition(|&c| contains_html(msg, c))
                .or(if children.is_empty() { None } else { Some(0) })
                .map(|i| (i, None));
        }
        let (chosen_index, mut decoded) = match chosen {
            Some((i, d)) => (Some(i), d),
            None => (None, None),
        };
        for (i, &child) in children.iter().enumerate() {
            let child_path = join(path, i + 1);
            if Some(i) != chosen_index {
                self.part(msg, child, &child_path, depth, Disposal::Unused)?;
            } else if let Some(text) = decoded.take() {
                self.parts_seen += 1;
                let size = text.text.len() as u64;
                self.account(size)?;
                let detected = sniff::detect_text_type(text.text.as_bytes(), "text/plain")
                    .unwrap_or_else(|binary| binary);
                self.write_text(text, "text/plain", &child_path, size, detected);
            } else {
                self.part(msg, child, &child_path, depth, Disposal::Body)?;
            }
        }
        Ok(())
    }

    fn account(&mut self, size: u64) -> Result<(), Refusal> {
        self.decoded_total += size;
        let max = self.policy.limits.max_decoded_size;
        if self.decoded_total > max.bytes() {
            return Err(Refusal::new(
                RefusalCode::Size,
                format!("decoded parts exceed {max}"),
            ));
        }
        Ok(())
    }

    fn record(&mut self, mut entry: PartReport, action: PartAction, reason: Option<PartReason>) {
        if action == PartAction::Removed && reason.is_some_and(PartReason::is_notable) {
            self.report.add_action(Action::AttachmentsRemoved);
        }
        entry.action = action;
        entry.reason = reason;
        self.report.parts.push(entry);
    }

    /// The bytes of a file part: its transfer encoding undone, leniently
    /// (and the repair named) when it is broken, as clients read it: a
    /// file is judged by what it holds, whatever the encoding's damage.
    fn file_bytes<'m>(
        &mut self,
        msg: &'m Message<'_>,
        part: &MessagePart<'_>,
        decoded: PartBody<'m>,
    ) -> Cow<'m, [u8]> {
        if let Some(repair) = broken_transfer(part) {
            self.report.add_repair(repair);
            return lenient_transfer_decoded(msg, part);
        }
        match decoded {
            PartBody::File(bytes) => Cow::Borrowed(bytes),
            PartBody::Text(text) => transfer_decoded(msg, part).unwrap_or(Cow::Borrowed(text)),
        }
    }

    /// Why a part that is neither body text nor an attachment to convert
    /// is removed.
    fn removal_reason(part: &MessagePart<'_>, disposal: Disposal) -> PartReason {
        if part.is_encoding_problem {
            PartReason::BadEncoding
        } else if disposal == Disposal::Opaque {
            PartReason::Unsupported
        } else {
            PartReason::AlternativeUnused
        }
    }

    /// True when a part that is not body text goes to the attachment
    /// converters: attachments, inline images, other body types, and the
    /// images of an HTML rendition that was not chosen (a screenshot pasted
    /// into an HTML mail is content, not decoration). Only the unchosen
    /// text renditions themselves are dropped.
    ///
    /// A part whose transfer encoding is broken goes too: its bytes are
    /// read leniently ([`Walker::file_bytes`]) and judged like any other.
    /// A part that never ends (its multipart's closing boundary missing)
    /// does not: what it holds runs on into the MIME scaffolding.
    fn converts(part: &MessagePart<'_>, disposal: Disposal, ct: &str) -> bool {
        if broken_transfer(part) == Some(Repair::UnterminatedPart) {
            return false;
        }
        match disposal {
            Disposal::Body | Disposal::Inline => true,
            Disposal::Unused => is_attachment(part) || !ct.starts_with("text/"),
            Disposal::Opaque => false,
        }
    }

    /// Runs the attachment converters on one part and records the result.
    fn attachment(
        &mut self,
        part: &MessagePart<'_>,
        bytes: &[u8],
        ct: &str,
        path: &str,
        name: Option<String>,
    ) {
        if let Some(capture) = self.capture {
            // Viewing one part: the others are not converted at all.
            if capture == path {
                self.captured = Some(Captured {
                    declared: ct.to_string(),
                    name,
                    bytes: bytes.to_vec(),
                    html: false,
                });
            }
            return;
        }
        let charset = part.content_type().and_then(|c| c.attribute("charset"));
        let input = attach::Input {
            name: name.as_deref(),
            declared: ct,
            charset,
            bytes,
        };
        let treated = match self.unlock.filter(|u| u.part == path) {
            Some(unlock) => {
                let treated = attach::unlock(&input, &unlock.password, self.policy);
                self.report.unlock = Some(UnlockReport {
                    part: path.to_string(),
                    name: treated.name.clone(),
                    opened: !matches!(treated.verdict, Verdict::Removed { .. }),
                    automatic: unlock.automatic,
                });
                treated
            }
            None => attach::treat(&input, self.policy),
        };
        self.record_treated(treated, path, ct, None);
    }

    fn record_treated(
        &mut self,
        treated: Treated,
        path: &str,
        declared: &str,
        container: Option<&str>,
    ) {
        let detection = &treated.detection;
        let mut report = entry(
            path,
            declared,
            detection.mime.clone(),
            treated.size,
            treated.name.clone(),
        );
        report.kinds = Some(detection.clone());
        report.container = container.map(str::to_string);
        match treated.verdict {
            Verdict::Replaced {
                mut file,
                reason,
                pages,
                detail,
                companion,
            } => {
                self.write_text_file(&mut file);
                report.output = Some(OutputReport {
                    name: file.name.clone(),
                    mime: file.mime.clone(),
                    size: file.bytes.len() as u64,
                    pages: pages.map(|(rendered, _)| rendered),
                    pages_total: pages.map(|(_, total)| total),
                });
                report.detail = detail;
                self.files.push(file);
                if let Some(mut text) = companion {
                    self.write_text_file(&mut text);
                    let note = format!("its text as {}", text.name);
                    report.detail = Some(match report.detail.take() {
                        Some(d) => format!("{d}; {note}"),
                        None => note,
                    });
                    self.files.push(text);
                }
                self.report.add_action(Action::AttachmentsConverted);
                self.record(report, PartAction::Converted, Some(reason));
            }
            Verdict::Body { text, reason } => {
                self.body.start_block();
                self.body.write_block(&text);
                self.report.add_action(Action::AttachmentsConverted);
                self.record(report, PartAction::Converted, Some(reason));
            }
            Verdict::Unpacked { reason, entries } => {
                let archive = treated.name.clone().unwrap_or_default();
                self.record(report, PartAction::Converted, Some(reason));
                for (i, inner) in entries.into_iter().enumerate() {
                    let inner_path = format!("{path}/{}", i + 1);
                    self.record_treated(
                        inner,
                        &inner_path,
                        "application/octet-stream",
                        Some(&archive),
                    );
                }
            }
            Verdict::Removed { reason, detail } => {
                report.detail = Some(detail);
                self.report.add_action(Action::AttachmentsRemoved);
                self.record(report, PartAction::Removed, Some(reason));
            }
        }
    }

    /// A converted text file (Office, ODF, text, CSV, archive and TNEF
    /// entries) leaves through the same writer as the body: cleaned, links
    /// rewritten, CRLF line ends.
    fn write_text_file(&mut self, file: &mut NewFile) {
        if !file.mime.starts_with("text/") {
            return;
        }
        let text = String::from_utf8_lossy(&file.bytes);
        let mut writer = TextWriter::new(
            self.policy.links,
            self.policy.notice_language,
            text.len() + text.len() / 8,
        );
        writer.write(&text);
        let (written, links) = writer.finish();
        self.file_links += links;
        file.bytes = written.into_bytes();
    }

    fn text(
        &mut self,
        msg: &Message<'_>,
        part: &MessagePart<'_>,
        text: &str,
        ct: &str,
        path: &str,
        disposal: Disposal,
    ) -> Result<(), Refusal> {
        let size = text.len() as u64;
        self.account(size)?;
        if self.capture == Some(path) && ct == "text/html" {
            let decoded = self.decode(msg, part, text, broken_transfer(part).is_some());
            self.captured = decoded.map(|d| Captured {
                declared: ct.to_string(),
                name: filename(msg, part),
                bytes: d.text.into_owned().into_bytes(),
                html: true,
            });
            return Ok(());
        }
        let name = filename(msg, part);
        let body_type =
            matches!(ct, "text/plain" | "text/html") || TEXTUAL_MESSAGE_TYPES.contains(&ct);
        if disposal != Disposal::Body || !body_type || is_attachment(part) || name.is_some() {
            if Self::converts(part, disposal, ct) {
                let bytes = self.file_bytes(msg, part, PartBody::Text(text.as_bytes()));
                self.attachment(part, &bytes, ct, path, name);
            } else {
                let detected = sniff::detect_type(text.as_bytes(), ct);
                let reason = Self::removal_reason(part, disposal);
                self.record(
                    entry(path, ct, detected, size, name),
                    PartAction::Removed,
                    Some(reason),
                );
            }
            return Ok(());
        }
        // Text is safe once re-encoded: a broken transfer encoding is read
        // the way mail clients read it, and the repair is reported.
        let repair = broken_transfer(part);
        if let Some(repair) = repair {
            self.report.add_repair(repair);
        }
        let decoded = self.decode(msg, part, text, repair.is_some());
        let Some(decoded) = decoded else {
            let detected = sniff::detect_type(text.as_bytes(), ct);
            self.record(
                entry(path, ct, detected, size, None),
                PartAction::Removed,
                Some(PartReason::Unreadable),
            );
            return Ok(());
        };
        let detected = match sniff::detect_text_type(decoded.text.as_bytes(), ct) {
            Ok(detected) => detected,
            Err(binary) => {
                self.record(
                    entry(path, ct, binary, size, None),
                    PartAction::Removed,
                    Some(PartReason::Unsupported),
                );
                return Ok(());
            }
        };
        self.write_text(decoded, ct, path, size, detected);
        Ok(())
    }

    /// Writes decoded body text (converting HTML) and records the part
    /// under its `detected` type.
    fn write_text(
        &mut self,
        decoded: Decoded<'_>,
        ct: &str,
        path: &str,
        size: u64,
        detected: String,
    ) {
        if decoded.repaired {
            self.report.add_action(Action::CharsetRepaired);
        }
        if ct == "text/html" {
            match html::html_to_text(&decoded.text, self.policy) {
                Ok(text) => {
                    self.body.start_block();
                    self.body.write_block(&text);
                    self.report.add_action(Action::TextConverted);
                    self.record(
                        entry(path, ct, detected, size, None),
                        PartAction::Converted,
                        Some(PartReason::HtmlToText),
                    );
                }
                Err(rejected) => {
                    let reason = match rejected {
                        HtmlRejected::TooLarge => PartReason::HtmlTooLarge,
                        HtmlRejected::TooDeep => PartReason::HtmlTooDeep,
                    };
                    self.record(
                        entry(path, ct, detected, size, None),
                        PartAction::Removed,
                        Some(reason),
                    );
                }
            }
        } else {
            self.body.start_block();
            self.write_report_text(ct, &decoded.text);
            self.record(
                entry(path, ct, detected, size, None),
                PartAction::Kept,
                None,
            );
        }
    }

    /// Writes a body text; the header block a bounce returns
    /// (`text/rfc822-headers`) with its fields decoded, so staff read the
    /// Subject of the mail that bounced rather than its encoded words.
    fn write_report_text(&mut self, ct: &str, text: &str) {
        if matches!(ct, "text/rfc822-headers" | "message/global-headers") {
            self.body
                .write_block(&header_text::decode_header_block(text));
        } else {
            self.body.write_block(text);
        }
    }

    /// Body text as UTF-8, or `None` when the part is not readable text
    /// in any charset (binary posing as text). mail-parser's own decoding
    /// is used when it is trustworthy (UTF-8, ASCII or plain ISO-2022-JP
    /// with no errors); otherwise the raw bytes are decoded again with
    /// charset repair. A transfer encoding that cannot be undone strictly,
    /// or that strictly undone gives garbage, is undone leniently and the
    /// repair reported.
    fn decode<'m>(
        &mut self,
        msg: &'m Message<'_>,
        part: &'m MessagePart<'_>,
        text: &'m str,
        lenient: bool,
    ) -> Option<Decoded<'m>> {
        let label = part.content_type().and_then(|ct| ct.attribute("charset"));
        let resolved = charset::resolve_label(label);
        let clean = || {
            memchr::memchr(0x1b, text.as_bytes()).is_none()
                && memchr::memmem::find(text.as_bytes(), "\u{fffd}".as_bytes()).is_none()
        };
        let trusted = match resolved {
            Label::Unknown => clean(),
            Label::Ascii => text.is_ascii() && clean(),
            Label::Known(enc) if enc == encoding_rs::UTF_8 => clean(),
            Label::Known(enc) if enc == encoding_rs::ISO_2022_JP => {
                label.is_some_and(|l| l.trim().eq_ignore_ascii_case("iso-2022-jp")) && clean()
            }
            _ => false,
        };
        if trusted && !lenient {
            return Some(Decoded {
                text: Cow::Borrowed(text),
                charset: "utf-8",
                repaired: false,
                errors: 0,
            });
        }
        let readable = |decoded: &charset::Decoded<'_>| {
            let chars = decoded.text.chars().count();
            chars < 16 || decoded.errors * 4 <= chars
        };
        let owned = |decoded: charset::Decoded<'_>| Decoded {
            text: Cow::Owned(decoded.text.into_owned()),
            charset: decoded.charset,
            repaired: decoded.repaired,
            errors: decoded.errors,
        };
        if !lenient && let Some(bytes) = transfer_decoded(msg, part) {
            let decoded = charset::decode_resolved(&bytes, resolved);
            if readable(&decoded) {
                return Some(owned(decoded));
            }
        }
        let declared = declared_encoding(part);
        if lenient || declared == Encoding::None {
            let bytes = lenient_transfer_decoded(msg, part);
            let decoded = charset::decode_resolved(&bytes, resolved);
            return readable(&decoded).then(|| owned(decoded));
        }
        let bytes = lenient_transfer_decoded(msg, part);
        let decoded = charset::decode_resolved(&bytes, resolved);
        if !readable(&decoded) {
            return None;
        }
        self.report.add_repair(match declared {
            Encoding::Base64 => Repair::Base64,
            _ => Repair::QuotedPrintable,
        });
        Some(owned(decoded))
    }

    fn binary(
        &mut self,
        msg: &Message<'_>,
        part: &MessagePart<'_>,
        bytes: &[u8],
        ct: &str,
        path: &str,
        disposal: Disposal,
    ) -> Result<(), Refusal> {
        let bytes = self.file_bytes(msg, part, PartBody::File(bytes));
        let bytes = bytes.as_ref();
        let size = bytes.len() as u64;
        self.account(size)?;
        let name = filename(msg, part);
        let detected = sniff::detect_type(bytes, ct);
        let readable_report = TEXTUAL_MESSAGE_TYPES.contains(&ct)
            && disposal == Disposal::Body
            && !is_attachment(part)
            && !sniff::is_binary_format(bytes);
        if readable_report {
            let decoded = charset::decode(bytes, None);
            self.body.start_block();
            self.write_report_text(ct, &decoded.text);
            self.record(
                entry(path, ct, detected, size, name),
                PartAction::Kept,
                None,
            );
            return Ok(());
        }
        if Self::converts(part, disposal, ct) {
            self.attachment(part, bytes, ct, path, name);
        } else {
            let reason = Self::removal_reason(part, disposal);
            self.record(
                entry(path, ct, detected, size, name),
                PartAction::Removed,
                Some(reason),
            );
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn forwarded(
        &mut self,
        msg: &Message<'_>,
        part: &MessagePart<'_>,
        inner: &Message<'_>,
        ct: &str,
        path: &str,
        depth: usize,
        disposal: Disposal,
    ) -> Result<(), Refusal> {
        let depth = self.descend(depth)?;
        let size = part.offset_end.saturating_sub(part.offset_body) as u64;
        let name = filename(msg, part);
        if disposal != Disposal::Body {
            let reason = Self::removal_reason(part, disposal);
            self.record(
                entry(path, ct, "message/rfc822".into(), size, name),
                PartAction::Removed,
                Some(reason),
            );
            return Ok(());
        }
        self.record(
            entry(path, ct, "message/rfc822".into(), size, name),
            PartAction::Converted,
            Some(PartReason::ForwardedMessage),
        );
        self.report.add_action(Action::ForwardedInlined);
        let kept = headers::read(inner, false);
        let ja = self.policy.notice_language == Language::Ja;
        let mut lines = vec![
            if ja {
                "---------- 転送メッセージ ----------"
            } else {
                "---------- Forwarded message ----------"
            }
            .to_string(),
        ];
        let mut field = |label: &str, value: String| {
            if !value.is_empty() {
                lines.push(format!("{label}: {value}"));
            }
        };
        field("From", address::display(&kept.from));
        field("Date", kept.date.clone().unwrap_or_default());
        field("To", address::display(&kept.to));
        field("Cc", address::display(&kept.cc));
        field("Subject", kept.subject.clone().unwrap_or_default());
        self.body.start_block();
        self.body.begin_quote();
        self.body.write_block(&lines.join("\n"));
        self.message(inner, path, depth)?;
        self.body.end_quote();
        Ok(())
    }
}

/// What the parser made of a file part's body.
enum PartBody<'m> {
    /// A binary part: the file's bytes.
    File(&'m [u8]),
    /// A text part: charset-decoded already, so the file's bytes are read
    /// again from the raw body; these are the fallback.
    Text(&'m [u8]),
}

/// The part's raw bytes with its transfer encoding undone (`None` when
/// the encoding is broken).
fn transfer_decoded<'m>(msg: &'m Message<'_>, part: &MessagePart<'_>) -> Option<Cow<'m, [u8]>> {
    let raw = msg
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    match part.encoding {
        Encoding::Base64 => mail_parser::decoders::base64::base64_decode(raw).map(Cow::Owned),
        Encoding::QuotedPrintable => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(raw).map(Cow::Owned)
        }
        Encoding::None => Some(Cow::Borrowed(raw)),
    }
}

/// The repair a text part's transfer encoding needs, if any. The declared
/// encoding is read from the field itself: mail-parser reports a body it
/// could not decode as not encoded at all.
fn broken_transfer(part: &MessagePart<'_>) -> Option<Repair> {
    if !part.is_encoding_problem {
        return None;
    }
    Some(match declared_encoding(part) {
        Encoding::Base64 => Repair::Base64,
        Encoding::QuotedPrintable => Repair::QuotedPrintable,
        Encoding::None => Repair::UnterminatedPart,
    })
}

fn declared_encoding(part: &MessagePart<'_>) -> Encoding {
    let field = part
        .content_transfer_encoding()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match field.as_str() {
        "base64" => Encoding::Base64,
        "quoted-printable" => Encoding::QuotedPrintable,
        _ => Encoding::None,
    }
}

/// A part's body with its declared transfer encoding undone leniently.
fn lenient_transfer_decoded<'m>(msg: &'m Message<'_>, part: &MessagePart<'_>) -> Cow<'m, [u8]> {
    let raw = msg
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    match declared_encoding(part) {
        Encoding::Base64 => Cow::Owned(repair::lenient_base64(raw)),
        Encoding::QuotedPrintable => Cow::Owned(repair::lenient_quoted_printable(raw)),
        Encoding::None => Cow::Borrowed(raw),
    }
}

/// File name of a part, decoded from the raw Content-Disposition and
/// Content-Type fields.
fn filename(msg: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    params::filename(
        headers::raw_value(msg, part, HeaderName::ContentDisposition),
        headers::raw_value(msg, part, HeaderName::ContentType),
    )
}

/// True if the subtree under `id` has a text/html part (bounded walk).
fn contains_html(msg: &Message<'_>, id: usize) -> bool {
    let mut stack = vec![id];
    let mut visited = 0;
    while let Some(id) = stack.pop() {
        visited += 1;
        if visited > 1000 {
            return false;
        }
        match msg.parts.get(id).map(|p| &p.body) {
            Some(PartType::Html(_)) => return true,
            Some(PartType::Multipart(children)) => {
                stack.extend(children.iter().map(|&c| c as usize))
            }
            _ => {}
        }
    }
    false
}
