//! Plain text files (txt, csv, log) → `text`: decoded from whatever
//! Japanese charset they use into UTF-8, control characters dropped, and
//! attached as `.txt`, so that no program treats a `.csv` as a sheet of
//! formulas. With `script = "text"`, scripts and SVG become the `.txt` of
//! their source and HTML files the `.txt` of their readable text.

use super::budget::Failure;
use super::names;
use super::{NewFile, Verdict};
use crate::policy::{AttachmentPolicy, Policy};
use crate::sanitize::charset;
use crate::sanitize::report::PartReason;

pub fn to_text(
    bytes: &[u8],
    label: Option<&str>,
    name: Option<&str>,
    limits: &AttachmentPolicy,
) -> Result<Verdict, Failure> {
    let decoded = charset::decode(bytes, label);
    let chars = decoded.text.chars().count();
    if chars >= 16 && decoded.errors * 4 > chars {
        return Err(Failure::Broken(
            "not readable text in any known charset".into(),
        ));
    }
    let mut text = String::with_capacity(decoded.text.len());
    push_clean(&mut text, &decoded.text);
    let detail = truncate(&mut text, limits.text_max_size.bytes() as usize);
    Ok(text_file(name, text, detail))
}

/// An HTML file → its readable text (the same conversion as an HTML body).
pub fn html_to_text(
    bytes: &[u8],
    label: Option<&str>,
    name: Option<&str>,
    policy: &Policy,
) -> Result<Verdict, Failure> {
    let decoded = charset::decode(bytes, label);
    let mut text = crate::sanitize::html::html_to_text(&decoded.text, policy)
        .map_err(|_| Failure::Broken("the HTML is too large or too deeply nested".into()))?;
    let detail = truncate(&mut text, policy.attachments.text_max_size.bytes() as usize);
    Ok(text_file(name, text, detail))
}

/// Appends `text` without control characters other than tab and newline
/// (CRLF and CR become LF).
pub fn push_clean(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\t' | '\n' => out.push(c),
            '\u{feff}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Cuts `text` to at most `max` bytes at a character boundary; says so.
pub fn truncate(text: &mut String, max: usize) -> Option<String> {
    if text.len() <= max {
        return None;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    Some(format!("text cut off at text_max_size ({max} bytes)"))
}

/// The `.txt` attachment for extracted text.
pub fn text_file(name: Option<&str>, text: String, detail: Option<String>) -> Verdict {
    Verdict::Replaced {
        file: NewFile {
            name: names::append_extension(name, "document", "txt"),
            mime: "text/plain; charset=utf-8".into(),
            bytes: text.into_bytes(),
        },
        reason: PartReason::TextExtracted,
        pages: None,
        detail,
        companion: None,
    }
}
