//! The `Report`: the one record of what sanitization did to a message.
//!
//! The notice in the mail, the `X-Mugai-Sanitized` header, `--report-json`,
//! the quarantine index, the web pages and the audit log are all rendered
//! from this value; nothing keeps a second record of the same facts.

use super::repair::Repair;
use serde::{Deserialize, Serialize};

use super::attach::{Detection, Kind};
use std::fmt;

/// What became of the message as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Sanitized,
    Refused,
}

/// Why a message was refused as a whole: the class of defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalCode {
    /// MIME or message/rfc822 nesting deeper than the limit.
    Nesting,
    /// More MIME parts than the limit.
    Parts,
    /// A header block too large, or no header block at all.
    Header,
    /// A body part whose transfer encoding cannot be undone. No longer
    /// given (broken base64 and quoted-printable are repaired); kept so
    /// that reports stored by earlier versions still read.
    Encoding,
    /// Nothing readable remains: the text parts decode into readable text
    /// in no charset, and there is no file to deliver.
    Charset,
    /// The message, or its decoded parts, larger than the limit.
    Size,
    /// A structure that cannot be understood (no boundary, overlong line …).
    Structure,
    /// The converter process died (a crash, an abort, a stack overflow).
    ConverterCrashed,
    /// The conversion ran out of time.
    TimeLimit,
    /// The conversion ran out of memory.
    MemoryLimit,
}

impl RefusalCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::Nesting => "nesting",
            RefusalCode::Parts => "parts",
            RefusalCode::Header => "header",
            RefusalCode::Encoding => "encoding",
            RefusalCode::Charset => "charset",
            RefusalCode::Size => "size",
            RefusalCode::Structure => "structure",
            RefusalCode::ConverterCrashed => "converter-crashed",
            RefusalCode::TimeLimit => "time-limit",
            RefusalCode::MemoryLimit => "memory-limit",
        }
    }
}

impl fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was done to one MIME part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartAction {
    /// Body text, decoded to UTF-8 and rewritten (links) but otherwise kept.
    Kept,
    /// Turned into something else: HTML into text, a forwarded message into quoted text.
    Converted,
    /// Not delivered; the original stays in quarantine.
    Removed,
}

/// Why a part got its action. Stable codes, used in JSON and the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartReason {
    /// HTML body converted to plain text.
    HtmlToText,
    /// message/rfc822 rendered as quoted text.
    ForwardedMessage,
    /// An image or other resource embedded in an HTML body.
    InlineImage,
    /// A rendition of multipart/alternative that was not chosen.
    AlternativeUnused,
    /// An HTML body larger than `max_html_size`.
    HtmlTooLarge,
    /// An HTML body nested deeper than `max_html_depth`.
    HtmlTooDeep,
    /// A part whose transfer encoding is broken or unknown.
    BadEncoding,
    /// A part of a type that cannot be shown safely as text.
    Unsupported,
    /// An attachment of a kind the policy removes (executables …).
    KindRemoved,
    /// Its name or Content-Type claims a dangerous kind its bytes are not.
    TypeMismatch,
    /// Password-protected: its content cannot be checked.
    Encrypted,
    /// Password-protected, and the password given does not open it.
    WrongPassword,
    /// Damaged, or not readable as what it is.
    Unreadable,
    /// Past a configured size, page or entry limit.
    TooLarge,
    /// An archive built to hurt: bomb, header mismatch, path tricks.
    UnsafeArchive,
    /// Conversion ran out of time.
    TimeLimit,
    /// The converter failed; nothing of the original passes.
    ConverterFailed,
    /// An image decoded and written afresh.
    ImageReencoded,
    /// A PDF rendered to page images and rebuilt from them.
    PdfRasterised,
    /// A document reduced to its text.
    TextExtracted,
    /// An archive opened; its entries are listed on their own.
    Unpacked,
    /// A calendar invitation summarised in the body.
    CalendarSummarised,
}

impl PartReason {
    /// True for reasons the recipient should read about in the notice.
    pub fn is_notable(self) -> bool {
        !matches!(
            self,
            PartReason::AlternativeUnused | PartReason::HtmlToText | PartReason::ForwardedMessage
        )
    }
}

/// One MIME part, as the recipient's mail client would have shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartReport {
    /// IMAP-style part number: "1", "2.1", …
    pub path: String,
    /// Decoded file name (RFC 2231 / 2047 / raw 8-bit), if the part had one.
    pub filename: Option<String>,
    /// Content-Type as declared, lower-case `type/subtype`.
    pub declared_type: String,
    /// Type detected from the bytes (never from the name).
    pub detected_type: String,
    /// Decoded size in bytes.
    pub size: u64,
    pub action: PartAction,
    pub reason: Option<PartReason>,
    /// For attachments: the kind read from the bytes, the Content-Type and
    /// the file name, and the kind the policy acted on (the strictest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Detection>,
    /// For converted attachments: what the recipient now has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputReport>,
    /// For entries of an archive: the archive's file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The exact cause of a removal or a note on a conversion (English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The file that replaced an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputReport {
    pub name: String,
    pub mime: String,
    pub size: u64,
    /// Rasterised PDFs: pages rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Rasterised PDFs: pages in the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages_total: Option<u32>,
}

/// Message-level actions; also the tokens of `X-Mugai-Sanitized`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// HTML body turned into plain text.
    TextConverted,
    /// A body's charset label was missing or wrong and was repaired.
    CharsetRepaired,
    /// Links made unclickable.
    LinksDefanged,
    /// Links replaced by a placeholder.
    LinksRemoved,
    /// Forwarded messages rendered as quoted text.
    ForwardedInlined,
    /// Attachments or inline resources removed.
    AttachmentsRemoved,
    /// Attachments made harmless (re-encoded, rasterised, text, unpacked).
    AttachmentsConverted,
    /// Headers outside the kept set dropped.
    HeadersRemoved,
    /// `subject_prefix` added.
    SubjectTagged,
    /// The message was refused as a whole; this is the notice sent instead.
    Refused,
    /// Malformed text was repaired (see `repairs`).
    Repaired,
    /// A picture of the HTML body's layout is attached (`本文.png`).
    LayoutPictured,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::TextConverted => "text-converted",
            Action::CharsetRepaired => "charset-repaired",
            Action::LinksDefanged => "links-defanged",
            Action::LinksRemoved => "links-removed",
            Action::ForwardedInlined => "forwarded-inlined",
            Action::AttachmentsRemoved => "attachments-removed",
            Action::AttachmentsConverted => "attachments-converted",
            Action::HeadersRemoved => "headers-removed",
            Action::SubjectTagged => "subject-tagged",
            Action::Refused => "refused",
            Action::Repaired => "repaired",
            Action::LayoutPictured => "layout-pictured",
        }
    }
}

/// The report for one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub outcome: Outcome,
    /// Set when the message was refused.
    pub reason: Option<RefusalCode>,
    /// A sentence saying exactly what was wrong (refusals only).
    pub detail: Option<String>,
    /// SHA-256 of the original bytes, lower-case hex: the quarantine handle.
    pub original_sha256: String,
    pub original_size: u64,
    /// Decoded From and Subject of the original, for logs and the index.
    pub from: Option<String>,
    pub subject: Option<String>,
    /// Decoded To of the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub parts: Vec<PartReport>,
    /// Sorted, without duplicates.
    pub actions: Vec<Action>,
    /// Damage repaired on the way (sorted, without duplicates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<Repair>,
    /// A conversion asked to open one password-protected part (PPAP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock: Option<UnlockReport>,
}

/// What became of a password given for one part. Never the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockReport {
    /// The part's path ("2").
    pub part: String,
    /// Its decoded file name.
    pub name: Option<String>,
    /// The password opened it (its contents were then treated as usual).
    pub opened: bool,
    /// mugai tried a password line from a later mail by itself.
    pub automatic: bool,
}

impl Report {
    pub(crate) fn new(original_sha256: String, original_size: u64) -> Report {
        Report {
            outcome: Outcome::Sanitized,
            reason: None,
            detail: None,
            original_sha256,
            original_size,
            from: None,
            subject: None,
            to: None,
            parts: Vec::new(),
            actions: Vec::new(),
            repairs: Vec::new(),
            unlock: None,
        }
    }

    /// Records a repair (and the `repaired` action).
    pub(crate) fn add_repair(&mut self, repair: Repair) {
        if let Err(at) = self.repairs.binary_search(&repair) {
            self.repairs.insert(at, repair);
        }
        self.add_action(Action::Repaired);
    }

    pub(crate) fn add_action(&mut self, action: Action) {
        if let Err(at) = self.actions.binary_search(&action) {
            self.actions.insert(at, action);
        }
    }

    pub fn has(&self, action: Action) -> bool {
        self.actions.binary_search(&action).is_ok()
    }

    /// Attachments a password could open (PPAP): zips and PDFs attached
    /// directly, removed as password-protected or holding entries that
    /// were.
    pub fn locked_parts(&self) -> impl Iterator<Item = &PartReport> {
        self.parts.iter().filter(|p| {
            let openable = p.container.is_none()
                && p.kinds
                    .as_ref()
                    .is_some_and(|k| matches!(k.by_content, Kind::Zip | Kind::Pdf));
            openable
                && (p.reason == Some(PartReason::Encrypted)
                    || self.parts.iter().any(|q| {
                        q.reason == Some(PartReason::Encrypted)
                            && q.path
                                .strip_prefix(p.path.as_str())
                                .is_some_and(|rest| rest.starts_with('/'))
                    }))
        })
    }

    /// Parts the recipient should be told about: attachments (converted or
    /// removed) and removed body parts, in message order.
    pub fn notable_parts(&self) -> impl Iterator<Item = &PartReport> {
        self.parts.iter().filter(|p| {
            p.kinds.is_some()
                || (p.action == PartAction::Removed && p.reason.is_some_and(PartReason::is_notable))
        })
    }

    /// The value of `X-Mugai-Sanitized`: space-separated action tokens.
    pub fn actions_header(&self) -> String {
        if self.actions.is_empty() {
            return "none".to_string();
        }
        self.actions
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The report as one JSON document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_string())
    }
}
