//! Header text as the sender meant it: RFC 2047 encoded words, raw 8-bit
//! bytes and folding → one line of clean UTF-8.
//!
//! Adjacent encoded words in the same charset are joined *before* charset
//! decoding, so a multibyte character split across two words (common with
//! ISO-2022-JP and UTF-8 Subjects) comes out whole. Encoded words glued to
//! text without the whitespace RFC 2047 asks for are decoded too, as every
//! mail client does.

use super::repair::lenient_base64_word;
use super::{charset, clean};

/// One encoded word: `=?charset?B|Q?payload?=`.
struct EncodedWord<'a> {
    charset: &'a str,
    bytes: Vec<u8>,
    /// Length of the whole `=?…?=` token in the input.
    len: usize,
}

fn parse_encoded_word(input: &[u8]) -> Option<EncodedWord<'_>> {
    let rest = input.strip_prefix(b"=?")?;
    let q1 = memchr::memchr(b'?', rest)?;
    let charset = std::str::from_utf8(&rest[..q1]).ok()?;
    // RFC 2231 adds an optional language: `charset*lang`.
    let charset = charset.split('*').next().unwrap_or(charset);
    if charset.is_empty() || charset.len() > 64 {
        return None;
    }
    let encoding = *rest.get(q1 + 1)?;
    if rest.get(q1 + 2) != Some(&b'?') {
        return None;
    }
    let payload_start = q1 + 3;
    let payload_len = memchr::memmem::find(&rest[payload_start..], b"?=")?;
    let payload = &rest[payload_start..payload_start + payload_len];
    if payload.iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let bytes = match encoding {
        b'B' | b'b' => lenient_base64_word(payload),
        b'Q' | b'q' => decode_q(payload),
        _ => return None,
    };
    Some(EncodedWord {
        charset,
        bytes,
        len: 2 + payload_start + payload_len + 2,
    })
}

fn decode_q(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len());
    let mut i = 0;
    while i < payload.len() {
        match payload[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = payload
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'=');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Decodes an unstructured header value (raw bytes, possibly folded) into
/// one line of text with control characters removed.
pub fn decode_unstructured(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    // Pending bytes of consecutive encoded words in one charset.
    let mut pending: Option<(String, Vec<u8>)> = None;
    let mut plain_start = 0;
    let mut i = 0;
    let flush_pending = |pending: &mut Option<(String, Vec<u8>)>, out: &mut String| {
        if let Some((label, bytes)) = pending.take() {
            out.push_str(&charset::decode(&bytes, Some(&label)).text);
        }
    };
    while i < raw.len() {
        if raw[i] == b'='
            && raw.get(i + 1) == Some(&b'?')
            && let Some(word) = parse_encoded_word(&raw[i..])
        {
            let between = &raw[plain_start..i];
            let only_space = between.iter().all(|b| b.is_ascii_whitespace());
            if !(only_space && pending.is_some()) {
                flush_pending(&mut pending, &mut out);
                push_plain(&mut out, between);
            }
            match &mut pending {
                Some((label, bytes)) if label.eq_ignore_ascii_case(word.charset) => {
                    bytes.extend_from_slice(&word.bytes)
                }
                _ => {
                    flush_pending(&mut pending, &mut out);
                    pending = Some((word.charset.to_string(), word.bytes));
                }
            }
            i += word.len;
            plain_start = i;
            continue;
        }
        i += 1;
    }
    let tail = &raw[plain_start..];
    if !tail.iter().all(|b| b.is_ascii_whitespace()) || pending.is_none() {
        flush_pending(&mut pending, &mut out);
        push_plain(&mut out, tail);
    } else {
        flush_pending(&mut pending, &mut out);
    }
    clean_line(&out)
}

/// A header block shown as text (the returned headers of a bounce): one
/// field with encoded words on one line, decoded as [`decode_unstructured`]
/// does; every other line stays as it is.
pub fn decode_header_block(block: &str) -> String {
    let mut out = String::with_capacity(block.len());
    // The current field's lines, joined by '\n'.
    let mut field = String::new();
    let flush = |field: &mut String, out: &mut String| {
        if field.is_empty() {
            return;
        }
        match field.split_once(':') {
            Some((name, value))
                if !name.is_empty() && !name.contains([' ', '\t']) && value.contains("=?") =>
            {
                out.push_str(name);
                out.push_str(": ");
                out.push_str(&decode_unstructured(value.as_bytes()));
            }
            _ => out.push_str(field),
        }
        out.push('\n');
        field.clear();
    };
    for line in block.lines() {
        if line.starts_with([' ', '\t']) && !field.is_empty() {
            field.push('\n');
            field.push_str(line);
            continue;
        }
        flush(&mut field, &mut out);
        if line.is_empty() {
            out.push('\n');
        } else {
            field.push_str(line);
        }
    }
    flush(&mut field, &mut out);
    out
}

/// Text between encoded words: ASCII as is, 8-bit through charset detection.
fn push_plain(out: &mut String, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    out.push_str(&charset::decode(bytes, None).text);
}

/// Folds a decoded value onto one line: line breaks and tabs become spaces,
/// runs of spaces collapse, and what `clean` removes from all text goes.
/// The ideographic space (U+3000) is content (`佐藤　花子`) and stays.
pub fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{3000}' {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(c);
            last_space = false;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    clean::clean(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_folded() {
        assert_eq!(
            decode_unstructured(b" Hello\r\n  world \r\n"),
            "Hello world"
        );
    }

    #[test]
    fn encoded_words_in_japanese_charsets() {
        assert_eq!(
            decode_unstructured(b"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?="),
            "こんにちは"
        );
        assert_eq!(
            decode_unstructured(b"=?UTF-8?Q?=E3=81=93=E3=82=93?= =?utf-8?q?_x?="),
            "こん x"
        );
        assert_eq!(
            decode_unstructured(b"=?shift_jis?B?grGC8YLJgr+CzQ==?="),
            "こんにちは"
        );
        // An unknown Microsoft label is mapped, not passed through as ESC bytes.
        assert_eq!(
            decode_unstructured(b"=?ISO-2022-JP-MS?B?GyRCLSEtahsoQg==?="),
            "①㈱"
        );
    }

    #[test]
    fn split_multibyte_character_is_joined() {
        // "日本" in UTF-8 = E6 97 A5 E6 9C AC, split after the fourth byte.
        assert_eq!(
            decode_unstructured(b"=?UTF-8?B?5pel5g==?=\r\n =?UTF-8?B?nKw=?="),
            "日本"
        );
    }

    #[test]
    fn whitespace_between_words_and_text_is_kept() {
        assert_eq!(
            decode_unstructured(b"Re: =?UTF-8?B?5pel5pys?= test"),
            "Re: 日本 test"
        );
        assert_eq!(decode_unstructured(b"Re:=?UTF-8?B?5pel5pys?="), "Re:日本");
    }

    #[test]
    fn raw_eight_bit_headers_are_detected() {
        let sjis = encoding_rs::SHIFT_JIS.encode("見積書のご送付").0;
        assert_eq!(decode_unstructured(&sjis), "見積書のご送付");
        assert_eq!(decode_unstructured("件名 テスト".as_bytes()), "件名 テスト");
    }

    #[test]
    fn controls_and_bidi_overrides_are_removed() {
        assert_eq!(decode_unstructured(b"a\x1bb\x07c"), "abc");
        // Unencoded ISO-2022-JP in a header (old Japanese clients) is decoded.
        assert_eq!(decode_unstructured(b"\x1b$B$3$s\x1b(B"), "\u{3053}\u{3093}");
        assert_eq!(clean_line("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
    }

    #[test]
    fn japanese_header_damage_is_read_as_clients_read_it() {
        // A charset alias Outlook Express wrote.
        assert_eq!(
            decode_unstructured(b"=?UNICODE-1-1-UTF-7?B?K1R4cUxjREJ1TUZSb1NGR0Yt?="),
            "会議のご案内"
        );
        // Padding where none belongs (`…KEI==`), and padding in the middle
        // of a word's payload where two encoders' output was glued.
        assert_eq!(
            decode_unstructured(b"=?ISO-2022-JP?B?GyRCMnE1RBsoQg===?="),
            "会議"
        );
        assert_eq!(decode_unstructured(b"=?UTF-8?B?5pel=5pys?="), "日本");
        // A folded Subject whose continuation line is only whitespace.
        assert_eq!(
            decode_unstructured(
                b"=?ISO-2022-JP?B?GyRCMnE1RCROJDQbKEI=?=\r\n \r\n =?ISO-2022-JP?B?GyRCMnE1RBsoQg==?="
            ),
            "会議のご会議"
        );
    }

    #[test]
    fn a_returned_header_block_is_decoded_field_by_field() {
        let block = "From: taro@example.lg.jp\r\nSubject: =?UTF-8?B?5Lya6K2w?=\r\n =?UTF-8?B?6LOH5paZ?=\r\nX-Odd line\r\n\r\ntail";
        assert_eq!(
            decode_header_block(block),
            "From: taro@example.lg.jp\nSubject: 会議資料\nX-Odd line\n\ntail\n"
        );
    }

    #[test]
    fn malformed_words_stay_text() {
        assert_eq!(decode_unstructured(b"=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
        assert_eq!(decode_unstructured(b"=?"), "=?");
        assert_eq!(decode_unstructured(b"=?utf-8?B?"), "=?utf-8?B?");
    }
}
