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
}

impl TransferEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferEncoding::QuotedPrintable => "quoted-printable",
            TransferEncoding::Base64 => "base64",
        }
    }

    /// Base64 for text that is mostly non-ASCII (Japanese), where
    /// quoted-printable would triple its size; quoted-printable otherwise.
    pub fn for_text(pieces: &[&str]) -> TransferEncoding {
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
        let mut lines = rest.chunks_exact(B64_LINE);
        for line in &mut lines {
            base64_line(out, line);
        }
        let remainder = lines.remainder();
        carry[..remainder.len()].copy_from_slice(remainder);
        filled = remainder.len();
    }
    if filled > 0 {
        base64_line(out, &carry[..filled]);
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

/// One text line as quoted-printable, soft-broken at 76 columns.
fn qp_line(out: &mut Vec<u8>, line: &[u8]) {
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

/// Binary content as base64 in 76-character lines.
pub fn base64_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len().div_ceil(B64_LINE) * 78);
    for line in bytes.chunks(B64_LINE) {
        base64_line(out, line);
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
    fn qp_lines_stay_short() {
        let mut out = Vec::new();
        qp_line(&mut out, "=".repeat(200).as_bytes());
        assert!(out.split(|&b| b == b'\n').all(|l| l.len() <= 77));
    }
}
