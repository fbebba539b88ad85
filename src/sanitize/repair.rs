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
    /// No header block at all: the input read as a plain-text body.
    MissingHeader,
    /// Base64 with stray characters, whitespace or wrong padding.
    Base64,
    /// Quoted-printable with broken escapes.
    QuotedPrintable,
    /// A text part cut short (its multipart never closed) or under an
    /// unknown transfer encoding: read as it stands.
    UnterminatedPart,
    /// A multipart whose boundary is missing or never appears: its body
    /// read as text.
    MultipartWithoutBoundary,
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

/// The value of one base64 character; both alphabets (standard and
/// URL-safe) are read, as clients do.
fn base64_value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Base64 decoding that never fails: sextets are gathered four at a time;
/// [`Sextets::finish_group`] ends a group early (at padding, or at the end)
/// keeping the whole bytes it holds (a lone sextet holds none).
#[derive(Default)]
pub struct Sextets {
    out: Vec<u8>,
    group: u32,
    filled: usize,
}

impl Sextets {
    pub fn with_capacity(bytes: usize) -> Self {
        Sextets {
            out: Vec::with_capacity(bytes),
            ..Sextets::default()
        }
    }

    /// Adds the characters of the alphabet in `data`; others are skipped.
    pub fn push(&mut self, data: &[u8]) {
        for v in data.iter().filter_map(|&b| base64_value(b)) {
            self.group = self.group << 6 | v;
            self.filled += 1;
            if self.filled == 4 {
                self.out.extend_from_slice(&self.group.to_be_bytes()[1..]);
                self.group = 0;
                self.filled = 0;
            }
        }
    }

    pub fn finish_group(&mut self) {
        if self.filled >= 2 {
            let bytes = (self.group << (6 * (4 - self.filled))).to_be_bytes();
            self.out.extend_from_slice(&bytes[1..self.filled]);
        }
        self.group = 0;
        self.filled = 0;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.finish_group();
        self.out
    }
}

/// True when `data` reads as base64: no spaces, at least four fifths of
/// it in the alphabet (padding counted).
fn looks_encoded(data: &[u8]) -> bool {
    let alphabet = data
        .iter()
        .filter(|&&b| b == b'=' || base64_value(b).is_some())
        .count();
    !data.iter().any(u8::is_ascii_whitespace) && alphabet * 5 >= data.len() * 4
}

/// The data of one line of base64: up to the padding that completes a
/// partial group (`eXk=` ends there; a signature glued on after it is not
/// data), with `true` when such padding was found. An `=` at a group
/// boundary pads nothing: when more base64 follows it is skipped as a
/// stray character, so two encoders' output glued together (`QUJD=RUZH`)
/// is read whole; otherwise the data ends there too.
fn base64_line_data(line: &[u8]) -> (&[u8], bool) {
    let mut sextets = 0usize;
    for (i, &b) in line.iter().enumerate() {
        if base64_value(b).is_some() {
            sextets += 1;
        } else if b == b'=' {
            let rest = line[i..].trim_ascii_start();
            let rest = &rest[rest.iter().take_while(|&&b| b == b'=').count()..];
            if sextets % 4 >= 2 || !looks_encoded(rest) {
                return (&line[..i], true);
            }
        }
    }
    (line, false)
}

/// Base64 read the way mail clients read it: a line that is not base64 at
/// all (words with spaces, mostly punctuation) is skipped, every other
/// character outside the alphabet too; padding ends a line's data (see
/// [`base64_line_data`]) and completes the group; a final partial group
/// is kept.
pub fn lenient_base64(raw: &[u8]) -> Vec<u8> {
    let mut sextets = Sextets::with_capacity(raw.len() / 4 * 3);
    for line in raw.split(|&b| b == b'\n') {
        let (data, padded) = base64_line_data(line.trim_ascii());
        if data.is_empty() || !looks_encoded(data) {
            continue;
        }
        sextets.push(data);
        if padded {
            sextets.finish_group();
        }
    }
    sextets.finish()
}

/// The payload of an RFC 2047 B word, read as clients read it: one line
/// of [`lenient_base64`] (`5pel=5pys`, two encoders' output glued, is
/// 日本; extra or missing padding changes nothing), never failing.
pub fn lenient_base64_word(payload: &[u8]) -> Vec<u8> {
    let (data, _) = base64_line_data(payload);
    let mut sextets = Sextets::with_capacity(data.len() / 4 * 3 + 2);
    sextets.push(data);
    sextets.finish()
}

/// Quoted-printable read leniently: a broken escape stays as written,
/// soft line breaks are joined.
pub fn lenient_quoted_printable(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'=' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        match (raw.get(i + 1).copied(), raw.get(i + 2).copied()) {
            (Some(b'\r'), Some(b'\n')) => i += 3,
            (Some(b'\n'), _) => i += 2,
            (Some(a), Some(b)) if hex(a).is_some() && hex(b).is_some() => {
                out.push(hex(a).unwrap_or(0) << 4 | hex(b).unwrap_or(0));
                i += 3;
            }
            _ => {
                out.push(b'=');
                i += 1;
            }
        }
    }
    out
}

/// A top-level `multipart/*` Content-Type without a boundary parameter,
/// whose body does show a delimiter line (`--token`): the message again
/// with `; boundary="token"` added to that field, so its parts are read
/// as parts. `None` when there is nothing to repair this way.
pub fn missing_boundary(bytes: &[u8]) -> Option<Vec<u8>> {
    let header_end = memchr::memmem::find(bytes, b"\n\r\n")
        .map(|at| at + 1)
        .or_else(|| memchr::memmem::find(bytes, b"\n\n").map(|at| at + 1))?;
    let header = &bytes[..header_end];
    // The Content-Type field: its start, and the end of its last line
    // (before the line break), folded lines included.
    let mut start = None;
    let mut at = 0;
    while at < header.len() {
        let line_end = memchr::memchr(b'\n', &header[at..]).map_or(header.len(), |n| at + n);
        if header[at..line_end]
            .get(..13)
            .is_some_and(|name| name.eq_ignore_ascii_case(b"content-type:"))
        {
            start = Some(at);
            break;
        }
        at = line_end + 1;
    }
    let start = start?;
    let mut end = start;
    loop {
        let line_end = memchr::memchr(b'\n', &header[end..]).map_or(header.len(), |n| end + n);
        let next = line_end + 1;
        if header.get(next).is_some_and(|b| *b == b' ' || *b == b'\t') {
            end = next;
            continue;
        }
        end = if header[..line_end].ends_with(b"\r") {
            line_end - 1
        } else {
            line_end
        };
        break;
    }
    let field = String::from_utf8_lossy(&header[start + 13..end]).to_ascii_lowercase();
    if !field.trim_start().starts_with("multipart/") || field.contains("boundary") {
        return None;
    }
    let body = &bytes[header_end..];
    let token = body
        .split(|&b| b == b'\n')
        .filter_map(|line| line.strip_prefix(b"--"))
        .map(|rest| rest.trim_ascii_end())
        .find(|t| {
            !t.is_empty() && t.len() <= 70 && t.iter().all(|&b| b.is_ascii_graphic() && b != b'"')
        })?;
    let token = token
        .strip_suffix(b"--")
        .filter(|t| !t.is_empty())
        .unwrap_or(token);
    let mut out = Vec::with_capacity(bytes.len() + token.len() + 16);
    out.extend_from_slice(&bytes[..end]);
    out.extend_from_slice(b"; boundary=\"");
    out.extend_from_slice(token);
    out.push(b'"');
    out.extend_from_slice(&bytes[end..]);
    Some(out)
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

    #[test]
    fn a_missing_boundary_parameter_is_taken_from_the_delimiter_that_appears() {
        let raw = b"From: a@b\r\nContent-Type: multipart/mixed\r\n\r\npreamble\r\n--abc\r\nContent-Type: text/plain\r\n\r\nhi\r\n--abc--\r\n";
        let fixed = missing_boundary(raw).unwrap();
        assert!(
            fixed.starts_with(
                b"From: a@b\r\nContent-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n"
            ),
            "{}",
            String::from_utf8_lossy(&fixed)
        );
        assert!(
            missing_boundary(
                b"From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
            )
            .is_none()
        );
        assert!(
            missing_boundary(b"From: a@b\r\nContent-Type: text/plain\r\n\r\n--x\r\n").is_none()
        );
        assert!(
            missing_boundary(b"From: a@b\r\nContent-Type: multipart/mixed\r\n\r\nno delimiter\r\n")
                .is_none()
        );
    }

    #[test]
    fn broken_transfer_encodings_are_read_as_clients_read_them() {
        // 日本語 with a stray `!`, a line break and no padding.
        assert_eq!(lenient_base64(b"5pel5p!ys\r\n 6Kqe"), "日本語".as_bytes());
        // Lines of words or punctuation are not base64 and are skipped.
        assert_eq!(
            lenient_base64(b"5pel\r\nnot base64 at all\r\n!!!@@@#5pys\r\n5pys6Kqe"),
            "日本語".as_bytes()
        );
        assert_eq!(lenient_base64(b"YQ"), b"a");
        assert_eq!(lenient_base64(b"YWI=="), b"ab");
        // Padding ends the data: a word glued on after it is not decoded,
        // and padded chunks one after another each keep their bytes.
        assert_eq!(lenient_base64(b"eXk=  ignored\r\n"), b"yy");
        assert_eq!(lenient_base64(b"YQ==YWI=\r\nYWJj"), b"aabc");
        assert_eq!(lenient_base64(b"QUJD=RUZH==\r\n"), b"ABCEFG");
        assert_eq!(
            lenient_quoted_printable(b"=E6=97=A5=ZZ x=\r\ny"),
            b"\xE6\x97\xA5=ZZ xy"
        );
    }
}
