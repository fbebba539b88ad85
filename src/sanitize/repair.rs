//! Repairs: malformed text read the way mail clients read it, never a
//! reason to refuse (text is safe once re-encoded). Each repair made is
//! named in the report (`repairs`) and, through the `repaired` action, in
//! `X-Mugai-Sanitized`, so an operator can see what arrived broken.

use serde::{Deserialize, Serialize};

/// One kind of damage that was repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Repair {
    /// A byte order mark before the first header field.
    ByteOrderMark,
    /// Blank lines or spaces before the first header field.
    LeadingWhitespace,
}

/// The message without what comes before its first header field: a UTF-8
/// byte order mark (Windows tools write one) and blank lines or spaces.
/// Returns the rest and the repairs made.
pub fn leading_junk(bytes: &[u8]) -> (&[u8], Vec<Repair>) {
    let mut repairs = Vec::new();
    let mut rest = bytes;
    if let Some(after) = rest.strip_prefix(b"\xEF\xBB\xBF") {
        rest = after;
        repairs.push(Repair::ByteOrderMark);
    }
    let blank = rest
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
        .count();
    // Only whole lines: a header block cannot start with a folded line.
    let line_start = rest[..blank]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |nl| nl + 1);
    if line_start > 0 && line_start < rest.len() {
        rest = &rest[line_start..];
        repairs.push(Repair::LeadingWhitespace);
    }
    (rest, repairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_and_blank_lines_before_the_header_are_dropped() {
        let (rest, repairs) = leading_junk(b"\xEF\xBB\xBF\r\n\r\nFrom: a@b\r\n\r\nx");
        assert_eq!(rest, b"From: a@b\r\n\r\nx");
        assert_eq!(repairs, [Repair::ByteOrderMark, Repair::LeadingWhitespace]);
        let (rest, repairs) = leading_junk(b"From: a@b\r\n\r\nx");
        assert_eq!(rest, b"From: a@b\r\n\r\nx");
        assert!(repairs.is_empty());
        // Only blank lines: nothing to keep, nothing repaired.
        let (rest, repairs) = leading_junk(b"\r\n\r\n");
        assert_eq!(rest, b"\r\n\r\n");
        assert!(repairs.is_empty());
    }
}
