//! Writing fresh MIME: header fields (RFC 2047 encoded words for anything
//! that is not plain ASCII, folded to 78 columns) and the text body
//! (base64 or quoted-printable, CRLF line ends, no line over 76 octets).
//! Nothing here ever copies bytes from the original message.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::address::{AddressItem, Mailbox};

/// Preferred maximum header line length (RFC 5322 §2.1.1).
const FOLD_AT: usize = 78;
/// Raw bytes per base64 body line (76 characters encoded).
const B64_LINE: usize = 57;

/// Writes `Name: atom atom …` folding between atoms.
fn write_folded(out: &mut Vec<u8>, name: &str, atoms: &[String]) {
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    let mut line_len = name.len() + 1;
    for (i, atom) in atoms.iter().enumerate() {
        if i > 0 && line_len + 1 + atom.len() > FOLD_AT {
            out.extend_from_slice(b"\r\n");
            line_len = 0;
        }
        out.push(b' ');
        out.extend_from_slice(atom.as_bytes());
        line_len += 1 + atom.len();
    }
    out.extend_from_slice(b"\r\n");
}

/// Splits text into `=?UTF-8?B?…?=` words of at most 75 characters,
/// never splitting a character.
fn encoded_words(text: &str) -> Vec<String> {
    const MAX_BYTES: usize = 39; // 52 base64 characters + 12 of framing: fits after any field name
    let mut words = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + MAX_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        words.push(format!(
            "=?UTF-8?B?{}?=",
            STANDARD.encode(&text[start..end])
        ));
        start = end;
    }
    words
}

/// True when a value can go out as plain ASCII atoms.
fn is_plain_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !text.contains("=?")
        && text.split(' ').all(|w| w.len() <= FOLD_AT - 12)
}

/// An unstructured header (Subject): ASCII as is, anything else encoded.
pub fn unstructured(out: &mut Vec<u8>, name: &str, value: &str) {
    let atoms: Vec<String> = if is_plain_ascii(value) {
        value
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    } else {
        encoded_words(value)
    };
    write_folded(out, name, &atoms);
}

/// A header of ASCII tokens (Date, Message-ID, our own X- headers).
pub fn tokens(out: &mut Vec<u8>, name: &str, tokens: &[String]) {
    write_folded(out, name, tokens);
}

const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

fn phrase_atoms(name: &str, atoms: &mut Vec<String>) {
    if !name.is_ascii() || name.contains("=?") {
        atoms.extend(encoded_words(name));
    } else if name.split(' ').all(|w| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(c))
    }) {
        atoms.extend(name.split(' ').map(str::to_string));
    } else {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        atoms.push(format!("\"{escaped}\""));
    }
}

fn mailbox_atoms(m: &Mailbox, last: bool, atoms: &mut Vec<String>) {
    let sep = if last { "" } else { "," };
    match &m.name {
        Some(name) => {
            phrase_atoms(name, atoms);
            atoms.push(format!("<{}>{sep}", m.address));
        }
        None => atoms.push(format!("{}{sep}", m.address)),
    }
}

/// An address header (From, To, Cc, Reply-To).
pub fn addresses(out: &mut Vec<u8>, name: &str, items: &[AddressItem]) {
    let mut atoms = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        match item {
            AddressItem::Mailbox(m) => mailbox_atoms(m, last, &mut atoms),
            AddressItem::Group { name, members } => {
                phrase_atoms(
                    if name.is_empty() {
                        "undisclosed-recipients"
                    } else {
                        name
                    },
                    &mut atoms,
                );
                if let Some(phrase) = atoms.last_mut() {
                    phrase.push(':');
                }
                for (j, m) in members.iter().enumerate() {
                    mailbox_atoms(m, j + 1 == members.len(), &mut atoms);
                }
                atoms.push(if last {
                    ";".to_string()
                } else {
                    ";,".to_string()
                });
            }
        }
    }
    write_folded(out, name, &atoms);
}

/// The body transfer encodings we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TransferEncoding {
    QuotedPrintable,
    Base64,
    /// Plain ASCII text with CRLF line ends and lines of at most 998
    /// bytes, written as it is.
    SevenBit,
}

/// Longest line a 7bit body may have (RFC 5322 2.1.1), without CRLF.
const MAX_7BIT_LINE: usize = 998;

impl TransferEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferEncoding::QuotedPrintable => "quoted-printable",
            TransferEncoding::Base64 => "base64",
            TransferEncoding::SevenBit => "7bit",
        }
    }

    /// 7bit for text that needs no encoding (ASCII, no control characters
    /// but TAB, CRLF line ends, no line over 998 bytes): copied, not
    /// encoded. Base64 for text that is mostly non-ASCII (Japanese), where
    /// quoted-printable would triple its size; quoted-printable otherwise.
    pub fn for_text(pieces: &[&str]) -> TransferEncoding {
        if is_seven_bit(pieces) {
            return TransferEncoding::SevenBit;
        }
        // UTF-8 continuation bytes = bytes − chars (std counts chars with
        // SIMD); Japanese has two per character, so this is ~2/3 of the
        // non-ASCII bytes.
        let (mut total, mut continuation) = (0usize, 0usize);
        for piece in pieces {
            total += piece.len();
            continuation += piece.len() - piece.chars().count();
        }
        if continuation * 6 > total {
            TransferEncoding::Base64
        } else {
            TransferEncoding::QuotedPrintable
        }
    }
}

/// Encodes text (CRLF line ends) as the body.
pub fn body(out: &mut Vec<u8>, encoding: TransferEncoding, pieces: &[&str]) {
    match encoding {
        TransferEncoding::Base64 => base64_body(out, pieces),
        TransferEncoding::QuotedPrintable => qp_body(out, pieces),
        TransferEncoding::SevenBit => seven_bit_body(out, pieces),
    }
}

/// True when the text can go out as 7bit: checked a run at a time (the
/// ASCII test and the counts are vectorised, lines found with memchr).
fn is_seven_bit(pieces: &[&str]) -> bool {
    let mut line = 0usize;
    for piece in pieces {
        let bytes = piece.as_bytes();
        if !bytes.is_ascii() {
            return false;
        }
        let controls = bytes.iter().filter(|&&b| b < 0x20 || b == 0x7f).count();
        let newlines = memchr::memchr_iter(b'\n', bytes).count();
        let returns = memchr::memchr_iter(b'\r', bytes).count();
        let tabs = memchr::memchr_iter(b'\t', bytes).count();
        let pairs = memchr::memmem::find_iter(bytes, b"\r\n").count();
        // Every CR and every LF in a CRLF pair, nothing else below space.
        if controls != newlines + returns + tabs || pairs != newlines || pairs != returns {
            return false;
        }
        // `line`: bytes of the current line before `start` (carried over
        // from earlier pieces).
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', bytes) {
            // The line and its CR.
            if line + (nl - start) > MAX_7BIT_LINE + 1 {
                return false;
            }
            line = 0;
            start = nl + 1;
        }
        line += bytes.len() - start;
        if line > MAX_7BIT_LINE {
            return false;
        }
    }
    true
}

/// 7bit text copied as it is, ending with CRLF. A line that grew past
/// 998 bytes after the choice (a long request link put in later) is
/// broken there, so the body stays valid.
fn seven_bit_body(out: &mut Vec<u8>, pieces: &[&str]) {
    let start = out.len();
    for piece in pieces {
        out.extend_from_slice(piece.as_bytes());
    }
    if out.len() > start && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    let mut line_start = start;
    let mut at = start;
    while let Some(nl) = memchr::memchr(b'\n', &out[at..]) {
        let end = at + nl;
        if end - line_start > MAX_7BIT_LINE + 1 {
            let cut = line_start + MAX_7BIT_LINE;
            out.splice(cut..cut, *b"\r\n");
            line_start = cut + 2;
            at = line_start;
            continue;
        }
        line_start = end + 1;
        at = end + 1;
    }
}

/// Base64 in 76-character lines over text given in pieces (already CRLF),
/// encoding straight from the pieces; only a line that straddles two
/// pieces is copied.
fn base64_body(out: &mut Vec<u8>, pieces: &[&str]) {
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    out.reserve(total.div_ceil(B64_LINE) * 78);
    let mut carry = [0u8; B64_LINE];
    let mut filled = 0;
    for piece in pieces {
        let mut rest = piece.as_bytes();
        if filled > 0 {
            let take = (B64_LINE - filled).min(rest.len());
            carry[filled..filled + take].copy_from_slice(&rest[..take]);
            filled += take;
            rest = &rest[take..];
            if filled < B64_LINE {
                continue;
            }
            base64_line(out, &carry);
        }
        let full = rest.len() - rest.len() % B64_LINE;
        base64_lines(out, &rest[..full]);
        let remainder = &rest[full..];
        carry[..remainder.len()].copy_from_slice(remainder);
        filled = remainder.len();
    }
    if filled > 0 {
        base64_line(out, &carry[..filled]);
    }
}

/// Whole 57-byte lines, encoded in place into the output grown once for
/// all of them (no per-line growth, truncation or copy).
fn base64_lines(out: &mut Vec<u8>, bytes: &[u8]) {
    const ENCODED: usize = B64_LINE / 3 * 4;
    let start = out.len();
    out.resize(start + bytes.len() / B64_LINE * (ENCODED + 2), 0);
    for (line, slot) in bytes
        .chunks_exact(B64_LINE)
        .zip(out[start..].chunks_exact_mut(ENCODED + 2))
    {
        let _ = STANDARD.encode_slice(line, &mut slot[..ENCODED]);
        slot[ENCODED..].copy_from_slice(b"\r\n");
    }
}

fn base64_line(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(start + 4 * bytes.len().div_ceil(3), 0);
    let written = STANDARD.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    out.extend_from_slice(b"\r\n");
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn qp_body(out: &mut Vec<u8>, pieces: &[&str]) {
    for piece in pieces {
        let mut lines = piece.split('\n').peekable();
        while let Some(line) = lines.next() {
            qp_line(out, line.strip_suffix('\r').unwrap_or(line).as_bytes());
            if lines.peek().is_some() {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
}

/// Bytes written as themselves in quoted-printable (space and TAB only
/// before the end of a line).
const QP_LITERAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x21;
    while b <= 0x7e {
        table[b] = b != b'=' as usize;
        b += 1;
    }
    table[b' ' as usize] = true;
    table[b'\t' as usize] = true;
    table
};

/// Where the run of literal bytes from `start` ends (at most `limit`):
/// sixteen bytes at a time while a whole block is literal (tested without
/// a branch per byte, so it runs many bytes at once), then by the table.
fn literal_run_end(line: &[u8], start: usize, limit: usize) -> usize {
    let mut end = start;
    while let Some(block) = line.get(end..end + 16)
        && end + 16 <= limit
    {
        let literal = block.iter().fold(true, |all, &b| {
            all & ((b.wrapping_sub(0x20) < 0x5f && b != b'=') | (b == b'\t'))
        });
        if !literal {
            break;
        }
        end += 16;
    }
    while end < limit && QP_LITERAL[line[end] as usize] {
        end += 1;
    }
    end
}

/// One text line as quoted-printable, soft-broken at 76 columns. Runs of
/// literal bytes are found many at a time and copied whole.
fn qp_line(out: &mut Vec<u8>, line: &[u8]) {
    // A space or TAB that ends the line is encoded (transports strip it).
    let literal_end = match line.last() {
        Some(b' ' | b'\t') => line.len() - 1,
        _ => line.len(),
    };
    let mut col = 0;
    let mut i = 0;
    while i < line.len() {
        // "From " at a line start would be mangled by mbox writers.
        let from = i == 0 && line.starts_with(b"From ");
        if i < literal_end && QP_LITERAL[line[i] as usize] && !from {
            let end = literal_run_end(line, i + 1, literal_end);
            while i < end {
                if col >= 75 {
                    // Only the line's last character may take column 76.
                    if i + 1 == line.len() {
                        out.push(line[i]);
                        i += 1;
                        col += 1;
                        continue;
                    }
                    out.extend_from_slice(b"=\r\n");
                    col = 0;
                }
                let n = (75 - col).min(end - i);
                out.extend_from_slice(&line[i..i + n]);
                col += n;
                i += n;
            }
            continue;
        }
        let b = line[i];
        let room = if i + 1 == line.len() { 76 } else { 75 };
        if col + 3 > room {
            out.extend_from_slice(b"=\r\n");
            col = 0;
        }
        out.extend_from_slice(&[b'=', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        col += 3;
        i += 1;
    }
}

/// Binary content as base64 in 76-character lines.
pub fn base64_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len().div_ceil(B64_LINE) * 78);
    let full = bytes.len() - bytes.len() % B64_LINE;
    base64_lines(out, &bytes[..full]);
    if full < bytes.len() {
        base64_line(out, &bytes[full..]);
    }
}

/// True for a file name that can be written as a plain quoted string.
fn is_plain_filename(name: &str) -> bool {
    name.len() <= 60
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"\\%*'=;()<>@,:/?[]".contains(&b) || b == b' ')
}

/// The header fields of an attached file: Content-Type with an RFC 2047
/// `name` (what older Japanese clients read) and Content-Disposition with
/// an RFC 2231 `filename*` (what the standard says), both from `name`.
pub fn attachment_fields(out: &mut Vec<u8>, mime: &str, name: &str) {
    if is_plain_filename(name) {
        out.extend_from_slice(format!("Content-Type: {mime};\r\n name=\"{name}\"\r\n").as_bytes());
        out.extend_from_slice(
            format!("Content-Disposition: attachment;\r\n filename=\"{name}\"\r\n").as_bytes(),
        );
    } else {
        out.extend_from_slice(format!("Content-Type: {mime};\r\n name=\"").as_bytes());
        let words = encoded_words(name);
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"\r\n ");
            }
            out.extend_from_slice(word.as_bytes());
        }
        out.extend_from_slice(b"\"\r\nContent-Disposition: attachment");
        let mut section = 0;
        let mut current = String::new();
        let flush = |out: &mut Vec<u8>, section: usize, current: &str| {
            let charset = if section == 0 { "UTF-8''" } else { "" };
            out.extend_from_slice(
                format!(";\r\n filename*{section}*={charset}{current}").as_bytes(),
            );
        };
        for b in name.bytes() {
            let mut piece = String::new();
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                piece.push(b as char);
            } else {
                piece.push('%');
                piece.push(HEX[(b >> 4) as usize] as char);
                piece.push(HEX[(b & 15) as usize] as char);
            }
            // Keep each section's line under 78 characters, never
            // splitting a %XX escape.
            if current.len() + piece.len() > 54 {
                flush(out, section, &current);
                section += 1;
                current.clear();
            }
            current.push_str(&piece);
        }
        flush(out, section, &current);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ascii_and_japanese_subjects() {
        assert_eq!(
            header(|o| unstructured(o, "Subject", "Hello world")),
            "Subject: Hello world\r\n"
        );
        let s = header(|o| unstructured(o, "Subject", &"請求書".repeat(20)));
        assert!(s.lines().all(|l| l.len() <= 78), "{s}");
        let raw = format!("{s}\r\nx");
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap();
        assert_eq!(parsed.subject().unwrap(), "請求書".repeat(20));
    }

    #[test]
    fn addresses_round_trip_through_mail_parser() {
        let items = vec![
            AddressItem::Mailbox(Mailbox {
                name: Some("山田 太郎".into()),
                address: "t@example.jp".into(),
            }),
            AddressItem::Mailbox(Mailbox {
                name: Some("Doe, \"J\"".into()),
                address: "j@example.com".into(),
            }),
            AddressItem::Mailbox(Mailbox {
                name: None,
                address: "x@example.org".into(),
            }),
        ];
        let s = header(|o| addresses(o, "To", &items));
        let raw = format!("{s}\r\nx");
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap();
        let to: Vec<_> = parsed
            .to()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a.name().map(str::to_string),
                    a.address().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            to,
            vec![
                (Some("山田 太郎".to_string()), "t@example.jp".to_string()),
                (Some("Doe, \"J\"".to_string()), "j@example.com".to_string()),
                (None, "x@example.org".to_string()),
            ]
        );
    }

    #[test]
    fn bodies_decode_back_with_crlf() {
        let text = "こんにちは\n= equals and trailing space \nFrom here\n";
        for enc in [TransferEncoding::Base64, TransferEncoding::QuotedPrintable] {
            let mut out = Vec::new();
            let text = text.replace('\n', "\r\n");
            body(&mut out, enc, &["notice\r\n", &text]);
            assert!(out.split(|&b| b == b'\n').all(|l| l.len() <= 77));
            let decoded = match enc {
                TransferEncoding::Base64 => {
                    mail_parser::decoders::base64::base64_decode(&out).unwrap()
                }
                TransferEncoding::QuotedPrintable => {
                    mail_parser::decoders::quoted_printable::quoted_printable_decode(&out).unwrap()
                }
                TransferEncoding::SevenBit => unreachable!(),
            };
            let expected = format!("notice\r\n{text}");
            assert_eq!(
                String::from_utf8(decoded).unwrap().trim_end(),
                expected.trim_end(),
                "{enc:?}"
            );
        }
    }

    #[test]
    fn plain_ascii_text_goes_out_as_it_is() {
        let ok = [
            "Hello\r\nworld\r\n",
            "tab\there.\r\n. dots.\r\n",
            &"x".repeat(998),
            "\r\n",
        ];
        assert_eq!(TransferEncoding::for_text(&ok), TransferEncoding::SevenBit);
        let mut out = Vec::new();
        body(&mut out, TransferEncoding::SevenBit, &ok);
        assert_eq!(out, ok.concat().as_bytes());
        for bad in [
            vec!["日本語\r\n"],
            vec!["bare\nlf\r\n"],
            vec!["bare\rcr\r\n"],
            vec!["nul\0\r\n"],
            vec!["del\x7f\r\n"],
            vec!["esc\x1b$B\r\n"],
            vec![&"x".repeat(999), "\r\n"],
            vec![&"x".repeat(500), &"y".repeat(499)],
            vec!["short\r\n", &"x".repeat(999), "\r\nshort\r\n"],
        ] {
            assert_ne!(
                TransferEncoding::for_text(&bad),
                TransferEncoding::SevenBit,
                "{bad:?}"
            );
        }
        assert_eq!(
            TransferEncoding::for_text(&["日本語の文章です\r\n"]),
            TransferEncoding::Base64
        );
        assert_eq!(
            TransferEncoding::for_text(&["mostly ascii, é\r\n"]),
            TransferEncoding::QuotedPrintable
        );
    }

    #[test]
    fn a_7bit_line_that_grew_too_long_is_broken() {
        let mut out = b"head\r\n".to_vec();
        let long = format!("a\r\n{}\r\nb", "z".repeat(2100));
        body(&mut out, TransferEncoding::SevenBit, &[&long]);
        assert!(out.starts_with(b"head\r\na\r\n"));
        assert!(out.ends_with(b"\r\nb\r\n"));
        let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
        assert!(
            lines.iter().all(|l| l.len() <= 999),
            "{:?}",
            lines.iter().map(|l| l.len()).collect::<Vec<_>>()
        );
        let zs = out.iter().filter(|&&b| b == b'z').count();
        assert_eq!(zs, 2100);
    }

    /// The byte-at-a-time encoder the run-based one replaced.
    fn qp_line_reference(out: &mut Vec<u8>, line: &[u8]) {
        let mut col = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let literal = match b {
                b' ' | b'\t' => !last,
                // "From " at a line start would be mangled by mbox writers.
                b'F' if i == 0 && line.starts_with(b"From ") => false,
                b'=' => false,
                0x21..=0x7e => true,
                _ => false,
            };
            let width = if literal { 1 } else { 3 };
            // Leave room for the soft break "=" unless this is the last character.
            let room = if last { 76 } else { 75 };
            if col + width > room {
                out.extend_from_slice(b"=\r\n");
                col = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
            col += width;
        }
    }

    #[test]
    fn qp_runs_give_the_same_bytes_as_one_byte_at_a_time() {
        // Short runs, and long literal runs with a rare byte at the edges
        // of the literal range (0x1f, 0x20, 0x7e, 0x7f) or an `=`.
        let short: &[u8] = b"ab =\t.F\xe3\x81\x82\x7f\x01";
        let long: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH.,;:-\t \x1f\x7e\x7f=";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..6000 {
            let alphabet = if round % 2 == 0 { short } else { long };
            let len = (seed % 200) as usize;
            let mut line = Vec::with_capacity(len + 5);
            if round % 7 == 0 {
                line.extend_from_slice(b"From ");
            }
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            qp_line(&mut fast, &line);
            qp_line_reference(&mut slow, &line);
            assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&line));
            seed = seed.wrapping_add(round);
        }
    }

    #[test]
    fn qp_lines_stay_short() {
        let mut out = Vec::new();
        qp_line(&mut out, "=".repeat(200).as_bytes());
        assert!(out.split(|&b| b == b'\n').all(|l| l.len() <= 77));
    }
}
