//! `[sanitize.attachments]`: for each kind of attachment that can be made
//! harmless, what to do with it, and beside it the limits each converter
//! works under. SVG is drawn into a PNG (`svg`); scripts and web code
//! (HTML, JavaScript, VBScript, PowerShell, batch, shell, ASP/PHP/JSP,
//! HTA …) are removed unless `script = "text"`. Every other kind
//! (executables, shortcuts, disk images, OneNote, legacy OLE2 Office,
//! encrypted files, other archives, audio and video, zip-based formats
//! other than Office and ODF, anything unknown) is always removed.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::units::{ByteSize, Seconds};

/// What happens to an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentAction {
    Remove,
    /// Decode and write a fresh image.
    Reencode,
    /// Render to pixels and rebuild a PDF from them.
    Rasterise,
    /// Keep only the text, as a `.txt` attachment (or in the body).
    Text,
    /// Open the archive and treat each entry as an attachment.
    Unpack,
}

impl AttachmentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentAction::Remove => "remove",
            AttachmentAction::Reencode => "reencode",
            AttachmentAction::Rasterise => "rasterise",
            AttachmentAction::Text => "text",
            AttachmentAction::Unpack => "unpack",
        }
    }
}

/// The policy table, with the defaults of municipal 無害化 practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttachmentPolicy {
    /// PNG, JPEG, GIF, WebP, BMP, TIFF: `reencode` or `remove`.
    pub image: AttachmentAction,
    /// `rasterise` or `remove`.
    pub pdf: AttachmentAction,
    /// docx/xlsx/pptx, their macro-enabled variants (macros never pass)
    /// and ODF: `text` or `remove`.
    pub office: AttachmentAction,
    /// Plain text files (txt, csv): `text` or `remove`.
    pub text: AttachmentAction,
    /// iCalendar invitations: `text` (a summary in the body) or `remove`.
    pub calendar: AttachmentAction,
    /// zip: `unpack` or `remove`.
    pub zip: AttachmentAction,
    /// winmail.dat: `unpack` or `remove`.
    pub tnef: AttachmentAction,
    /// Scripts and web code, by content or name: `remove` (default) or
    /// `text` (the source as a `.txt`; HTML as its readable text).
    pub script: AttachmentAction,
    /// SVG: `rasterise` (default: drawn into a PNG), `text` (its source as
    /// a `.txt`) or `remove`.
    pub svg: AttachmentAction,

    /// Re-encoded JPEG photographs stay JPEG (`jpeg`, smaller) or become
    /// PNG (`png`, lossless). Every other image becomes PNG.
    pub photo_format: PhotoFormat,
    /// JPEG quality (1–100) for re-encoded photographs.
    pub jpeg_quality: u8,
    /// Largest image width and height in pixels; a larger image is removed.
    pub image_max_side: u32,
    /// Largest image in pixels (width × height), checked before decoding.
    pub image_max_pixels: u64,
    /// Resolution at which PDF pages are rendered.
    pub pdf_dpi: u32,
    /// Pages rendered; a longer PDF keeps its first pages and says so.
    pub pdf_max_pages: u32,
    /// Deliver a PDF's text layer beside it as `<name>.pdf.txt`.
    pub pdf_text: bool,
    /// Pixels per rendered page; a larger page is rendered at a lower
    /// resolution so that it fits.
    pub pdf_max_page_pixels: u64,
    /// Threads that render one PDF's pages at once; 0 (default) means one
    /// per CPU core, at most 8, so a long PDF takes about pages ÷ cores ×
    /// the time of a page. Each thread holds one rendered page (charged against
    /// `converter_memory_limit`).
    pub pdf_threads: usize,
    /// A CJK font file (TTF/OTF/TTC) for PDFs that use a Japanese font
    /// they do not embed. Empty: look in the usual system locations.
    pub cjk_font: String,
    /// Largest text extracted from one document; the rest is cut off.
    pub text_max_size: ByteSize,
    /// Entries in one archive; more and the archive is removed.
    pub zip_max_entries: usize,
    /// Sum of the uncompressed sizes of an archive's entries.
    pub zip_max_total: ByteSize,
    /// Largest compression ratio of any entry (uncompressed : compressed).
    pub zip_max_ratio: u64,
    /// Archives inside archives: how deep to unpack.
    pub zip_max_depth: usize,
    /// Time one attachment may take to convert (a whole PDF included).
    pub converter_time_limit: Seconds,
    /// Memory one conversion may use for decoded pixels and unpacked data.
    pub converter_memory_limit: ByteSize,

    /// The CJK fallback font, loaded by the configuration (not a key).
    #[serde(skip)]
    pub fonts: Fonts,
}

/// The output format for re-encoded JPEG photographs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    Jpeg,
    Png,
}

/// Font bytes handed to the PDF renderer. Loaded once by whoever builds
/// the policy (the core itself never reads files).
#[derive(Clone, Default)]
pub struct Fonts {
    /// A CJK font (Japanese glyphs).
    pub cjk: Option<FontFile>,
}

/// A font file's bytes and the index of the face wanted in a collection.
pub type FontFile = (Arc<Vec<u8>>, u32);

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cjk {
            Some((bytes, index)) => write!(f, "Fonts(cjk: {} bytes #{index})", bytes.len()),
            None => f.write_str("Fonts(cjk: none)"),
        }
    }
}

impl PartialEq for Fonts {
    fn eq(&self, other: &Fonts) -> bool {
        match (&self.cjk, &other.cjk) {
            (Some((a, i)), Some((b, j))) => Arc::ptr_eq(a, b) && i == j,
            (None, None) => true,
            _ => false,
        }
    }
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        AttachmentPolicy {
            image: AttachmentAction::Reencode,
            pdf: AttachmentAction::Rasterise,
            office: AttachmentAction::Text,
            text: AttachmentAction::Text,
            calendar: AttachmentAction::Text,
            zip: AttachmentAction::Unpack,
            tnef: AttachmentAction::Unpack,
            script: AttachmentAction::Remove,
            svg: AttachmentAction::Rasterise,
            photo_format: PhotoFormat::Jpeg,
            jpeg_quality: 85,
            image_max_side: 16_384,
            image_max_pixels: 60_000_000,
            pdf_dpi: 150,
            pdf_max_pages: 100,
            pdf_text: true,
            pdf_max_page_pixels: 20_000_000,
            pdf_threads: 0,
            cjk_font: String::new(),
            text_max_size: ByteSize(8 * 1024 * 1024),
            zip_max_entries: 256,
            zip_max_total: ByteSize(200 * 1024 * 1024),
            zip_max_ratio: 200,
            zip_max_depth: 3,
            converter_time_limit: Seconds(60),
            converter_memory_limit: ByteSize(512 * 1024 * 1024),
            fonts: Fonts::default(),
        }
    }
}

use AttachmentAction::{Rasterise, Reencode, Remove, Text, Unpack};

impl AttachmentPolicy {
    /// One sentence per key set to an action its kind cannot take.
    pub fn problems(&self, out: &mut Vec<String>) {
        let table: [(&str, AttachmentAction, &[AttachmentAction]); 9] = [
            ("image", self.image, &[Reencode, Remove]),
            ("pdf", self.pdf, &[Rasterise, Remove]),
            ("office", self.office, &[Text, Remove]),
            ("text", self.text, &[Text, Remove]),
            ("calendar", self.calendar, &[Text, Remove]),
            ("zip", self.zip, &[Unpack, Remove]),
            ("tnef", self.tnef, &[Unpack, Remove]),
            ("script", self.script, &[Text, Remove]),
            ("svg", self.svg, &[Rasterise, Text, Remove]),
        ];
        for (key, action, allowed) in table {
            if !allowed.contains(&action) {
                let allowed: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                out.push(format!(
                    "sanitize.attachments.{key} = \"{}\" is not possible; use one of: {}",
                    action.as_str(),
                    allowed.join(", ")
                ));
            }
        }
        let ranges: [(&str, u64, u64, u64); 10] = [
            ("jpeg_quality", self.jpeg_quality.into(), 1, 100),
            ("image_max_side", self.image_max_side.into(), 1, 65_535),
            ("image_max_pixels", self.image_max_pixels, 1, u64::MAX),
            ("pdf_dpi", self.pdf_dpi.into(), 36, 600),
            ("pdf_max_pages", self.pdf_max_pages.into(), 1, 100_000),
            (
                "pdf_max_page_pixels",
                self.pdf_max_page_pixels,
                100_000,
                u64::MAX,
            ),
            ("pdf_threads", self.pdf_threads as u64, 0, 256),
            ("zip_max_entries", self.zip_max_entries as u64, 1, u64::MAX),
            ("zip_max_ratio", self.zip_max_ratio, 1, u64::MAX),
            (
                "converter_time_limit",
                self.converter_time_limit.0,
                1,
                u64::MAX,
            ),
        ];
        for (key, value, min, max) in ranges {
            if value < min || value > max {
                out.push(format!(
                    "sanitize.attachments.{key} = {value} is out of range ({min}..={max})"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_their_own_checks_and_a_wrong_action_is_named() {
        let policy = AttachmentPolicy::default();
        let mut problems = Vec::new();
        policy.problems(&mut problems);
        assert!(problems.is_empty());
        let odd = AttachmentPolicy {
            image: Unpack,
            ..AttachmentPolicy::default()
        };
        odd.problems(&mut problems);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("sanitize.attachments.image"),
            "{problems:?}"
        );
    }
}
