//! The `Policy`: every knob the sanitization core obeys, with safe defaults.
//!
//! It is plain data (deserialised from the `[sanitize]` table of the TOML
//! file by `config`), so the core stays a pure function of bytes and policy.

use serde::{Deserialize, Serialize};

pub use crate::units::ByteSize;

mod attachments;
mod isolation;
pub use attachments::{AttachmentAction, AttachmentPolicy, FontFile, Fonts, PhotoFormat};
pub use isolation::Isolation;

/// What happens to links found in body text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkMode {
    /// `https://example.com/a` becomes `hxxps://example[.]com/a`: readable, not clickable.
    #[default]
    Defang,
    /// Links are left as they are.
    Keep,
    /// Each link is replaced by `[URL削除]` (`[URL removed]` in English).
    Remove,
}

/// Language of the notice and of the few words the core writes into mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

/// How the HTML → text conversion lays out lines.
pub const DEFAULT_WRAP_WIDTH: usize = 76;

/// The sanitization policy (`[sanitize]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// `defang` (default), `keep` or `remove`.
    pub links: LinkMode,
    /// `ja` (default) or `en`.
    pub notice_language: Language,
    /// Prepended once to the Subject, e.g. `"[外部]"`. Empty: off.
    pub subject_prefix: String,
    /// Display width (full-width characters count two) at which text
    /// converted from HTML is wrapped; 0 means no wrapping.
    pub wrap_width: usize,
    /// Keep the upstream `Received` fields (decoded, through the writer
    /// and the link policy) for operators who trace mail across hops.
    pub keep_trace_headers: bool,
    /// Attach a picture of an HTML body's layout as `本文.png` (drawn by
    /// the browser in a jail, nothing loaded, no script run).
    pub html_snapshot: bool,
    /// Limits past which a message is refused as a whole.
    pub limits: Limits,
    /// What to do with each kind of attachment (`[sanitize.attachments]`).
    pub attachments: AttachmentPolicy,
    /// How the core is run for untrusted mail (`[sanitize.isolation]`);
    /// the core itself ignores it.
    pub isolation: Isolation,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            links: LinkMode::Defang,
            notice_language: Language::Ja,
            subject_prefix: String::new(),
            wrap_width: DEFAULT_WRAP_WIDTH,
            keep_trace_headers: false,
            html_snapshot: false,
            limits: Limits::default(),
            attachments: AttachmentPolicy::default(),
            isolation: Isolation::default(),
        }
    }
}

/// Structural limits. Past any of them the message is refused (fail closed);
/// the HTML limits only remove the HTML part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Whole message, as received.
    pub max_message_size: ByteSize,
    /// Sum of the decoded sizes of all parts.
    pub max_decoded_size: ByteSize,
    /// Multipart and message/rfc822 nesting levels.
    pub max_depth: usize,
    /// MIME parts in total, nested messages included.
    pub max_parts: usize,
    /// Size of any one header block (the message's or a part's).
    pub max_header_size: ByteSize,
    /// Longest line anywhere in the message, in octets.
    pub max_line_length: ByteSize,
    /// Largest HTML body converted to text; a larger one is removed.
    pub max_html_size: ByteSize,
    /// Deepest element nesting in an HTML body; a deeper one is removed.
    pub max_html_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: ByteSize(50 * 1024 * 1024),
            max_decoded_size: ByteSize(100 * 1024 * 1024),
            max_depth: 20,
            max_parts: 500,
            max_header_size: ByteSize(256 * 1024),
            max_line_length: ByteSize(256 * 1024),
            max_html_size: ByteSize(8 * 1024 * 1024),
            max_html_depth: 512,
        }
    }
}
