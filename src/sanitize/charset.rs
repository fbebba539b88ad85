//! Bytes in a declared (or missing, or wrong) charset → UTF-8 text.
//!
//! Real Japanese mail lies about its charset: Shift_JIS or UTF-8 labelled
//! ISO-2022-JP, no label at all, `charset=unknown`, Microsoft labels that
//! encoding_rs does not know (CP932, ISO-2022-JP-MS, CP50220 …). The rules:
//!
//! 1. Labels are mapped through an alias table first (CP932 → Shift_JIS,
//!    every ISO-2022-JP variant → ISO-2022-JP, whose decoder knows the NEC
//!    row 13 and IBM extensions, …).
//! 2. 7-bit bytes: ISO-2022-JP escapes win whatever the label says; UTF-7
//!    when labelled so; otherwise they are ASCII.
//! 3. 8-bit bytes: valid UTF-8 is UTF-8 (other Japanese encodings almost never
//!    form valid UTF-8); then the declared charset if it decodes cleanly; then
//!    Shift_JIS and EUC-JP, scored on how Japanese the result reads.
//!
//! U+FFFD appears only for bytes no candidate could decode.

use encoding_rs::{EUC_JP, Encoding, ISO_2022_JP, SHIFT_JIS, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

use super::utf7;

/// The result of decoding one run of bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// The charset actually used (lower-case WHATWG name, or `utf-7`).
    pub charset: &'static str,
    /// True when the label was missing or wrong and detection chose another charset.
    pub repaired: bool,
    /// Number of U+FFFD characters that decoding had to introduce.
    pub errors: usize,
}

/// What a charset label means once aliases are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// No label, or one that means "we do not know".
    Unknown,
    /// `us-ascii` and friends: 7-bit, so 8-bit bytes mean the label is wrong.
    Ascii,
    Utf7,
    Known(&'static Encoding),
}

/// Resolves a MIME charset label, including the Microsoft and Japanese
/// aliases that encoding_rs (and the WHATWG table) do not list.
pub fn resolve_label(label: Option<&str>) -> Label {
    let Some(label) = label else {
        return Label::Unknown;
    };
    let label = label.trim().trim_matches(['"', '\'']).trim();
    let lower = label.to_ascii_lowercase();
    let lower = lower.as_str();
    match lower {
        "" | "unknown" | "unknown-8bit" | "x-unknown" | "default" | "charset" | "none" => {
            Label::Unknown
        }
        "us-ascii" | "ascii" | "ansi_x3.4-1968" | "iso646-us" | "cp367" | "7bit" => Label::Ascii,
        "utf-7" | "utf7" | "unicode-1-1-utf-7" | "csunicode11utf7" | "x-utf-7" => Label::Utf7,
        "utf8" | "x-utf8" => Label::Known(UTF_8),
        "cp932" | "ms932" | "ms_kanji" | "windows-31j" | "x-ms-cp932" | "sjis" | "x-sjis"
        | "shift-jis" | "shift_jis" | "shift_jisx0213" | "shift_jis-2004" | "cp943" | "cp943c"
        | "ibm-943" | "csshiftjis" | "csWindows31J" => Label::Known(SHIFT_JIS),
        "euc-jp"
        | "eucjp"
        | "x-euc-jp"
        | "euc_jp"
        | "eucjp-ms"
        | "euc-jp-ms"
        | "eucjpms"
        | "cp51932"
        | "euc-jisx0213"
        | "euc-jis-2004"
        | "cseucpkdfmtjapanese" => Label::Known(EUC_JP),
        _ if lower.starts_with("iso-2022-jp")
            || lower.starts_with("iso2022jp")
            || lower.starts_with("iso_2022_jp")
            || matches!(
                lower,
                "cp50220" | "cp50221" | "cp50222" | "csiso2022jp" | "jis"
            ) =>
        {
            Label::Known(ISO_2022_JP)
        }
        _ => match Encoding::for_label(lower.as_bytes()) {
            // "replacement" is WHATWG's sink for dangerous labels: treat as unknown.
            Some(enc) if enc == encoding_rs::REPLACEMENT => Label::Unknown,
            Some(enc) => Label::Known(enc),
            None => Label::Unknown,
        },
    }
}

/// Decodes `bytes` declared as `label`, repairing a wrong or missing label.
pub fn decode<'a>(bytes: &'a [u8], label: Option<&str>) -> Decoded<'a> {
    decode_resolved(bytes, resolve_label(label))
}

/// As [`decode`], with the label already resolved.
pub fn decode_resolved(bytes: &[u8], label: Label) -> Decoded<'_> {
    // UTF-16 is the one family that is not ASCII-compatible: trust its label.
    if let Label::Known(enc) = label
        && (enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE)
    {
        return with_encoding(bytes, enc, false);
    }
    if bytes.is_ascii() {
        return decode_seven_bit(bytes, label);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let repaired =
            !matches!(label, Label::Known(enc) if enc == UTF_8) && label != Label::Unknown;
        return Decoded {
            text: Cow::Borrowed(text),
            charset: "utf-8",
            repaired,
            errors: 0,
        };
    }
    if let Label::Known(enc) = label
        && enc != ISO_2022_JP
        && enc != UTF_8
        && let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Decoded {
            text,
            charset: name_of(enc),
            repaired: false,
            errors: 0,
        };
    }
    detect_japanese(bytes, label)
}

/// 7-bit input: ISO-2022-JP escapes, UTF-7, or plain ASCII.
fn decode_seven_bit(bytes: &[u8], label: Label) -> Decoded<'_> {
    let shifts_to_kana =
        label == Label::Known(ISO_2022_JP) && memchr::memchr(0x0e, bytes).is_some();
    if looks_like_iso_2022_jp(bytes) || shifts_to_kana {
        let repaired = label != Label::Known(ISO_2022_JP);
        return decode_iso_2022_jp(bytes, repaired);
    }
    if label == Label::Utf7 {
        let (text, errors) = utf7::decode(bytes);
        return Decoded {
            text: Cow::Owned(text),
            charset: "utf-7",
            repaired: false,
            errors,
        };
    }
    // ASCII is valid in every ASCII-compatible charset; UTF-8 is the honest name.
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    Decoded {
        text: Cow::Borrowed(text),
        charset: "us-ascii",
        repaired: false,
        errors: 0,
    }
}

/// ISO-2022-JP with SO/SI written as the escapes they mean and every
/// escape sequence directly followed by another dropped (it selects a set
/// that is never used); `None` when the bytes need neither.
fn jis_escapes_normalised(bytes: &[u8]) -> Option<Vec<u8>> {
    const ESCAPES: [&[u8]; 5] = [b"\x1b(B", b"\x1b(J", b"\x1b(I", b"\x1b$@", b"\x1b$B"];
    let escape_at = |b: &[u8]| ESCAPES.iter().copied().find(|e| b.starts_with(e));
    let redundant = |b: &[u8], i: usize| {
        escape_at(&b[i..]).is_some_and(|e| matches!(b.get(i + e.len()), Some(0x1b | 0x0e | 0x0f)))
    };
    let shifts = memchr::memchr2(0x0e, 0x0f, bytes).is_some();
    if !shifts && !memchr::memchr_iter(0x1b, bytes).any(|i| redundant(bytes, i)) {
        return None;
    }
    let mut expanded = Vec::with_capacity(bytes.len() + 16);
    for &b in bytes {
        match b {
            0x0e => expanded.extend_from_slice(b"\x1b(I"),
            0x0f => expanded.extend_from_slice(b"\x1b(B"),
            _ => expanded.push(b),
        }
    }
    let mut fixed = Vec::with_capacity(expanded.len());
    let mut i = 0;
    while i < expanded.len() {
        if expanded[i] == 0x1b
            && let Some(e) = escape_at(&expanded[i..])
            && expanded.get(i + e.len()) == Some(&0x1b)
        {
            i += e.len();
            continue;
        }
        fixed.push(expanded[i]);
        i += 1;
    }
    Some(fixed)
}

/// True when the bytes switch into a JIS X 0208/0212 or kana set.
fn looks_like_iso_2022_jp(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"\x1b").any(|i| {
        matches!(
            bytes.get(i + 1..i + 3),
            Some(b"$B" | b"$@" | b"(I" | b"(J" | b"$(")
        )
    })
}

/// ISO-2022-JP, including the CP50222 habit of shifting into half-width
/// kana with SO/SI, which the WHATWG decoder does not know, and escape
/// sequences with nothing between them, which it reads as an error
/// (U+FFFD) but mail clients skip: adjacent ISO-2022-JP encoded words in
/// a Subject end and start that way once joined.
fn decode_iso_2022_jp(bytes: &[u8], repaired: bool) -> Decoded<'_> {
    let (text, errors) = match jis_escapes_normalised(bytes) {
        Some(fixed) => {
            let (text, had_errors) = ISO_2022_JP.decode_without_bom_handling(&fixed);
            let errors = count_errors(&text, had_errors);
            (Cow::Owned(text.into_owned()), errors)
        }
        None => {
            let (text, had_errors) = ISO_2022_JP.decode_without_bom_handling(bytes);
            let errors = count_errors(&text, had_errors);
            (text, errors)
        }
    };
    Decoded {
        text,
        charset: "iso-2022-jp",
        repaired,
        errors,
    }
}

/// 8-bit bytes that are not UTF-8 and not the declared charset.
fn detect_japanese(bytes: &[u8], label: Label) -> Decoded<'_> {
    let strict: Vec<(&'static Encoding, Cow<'_, str>)> = [SHIFT_JIS, EUC_JP]
        .into_iter()
        .filter_map(|enc| {
            enc.decode_without_bom_handling_and_without_replacement(bytes)
                .map(|text| (enc, text))
        })
        .collect();
    let declared = match label {
        Label::Known(enc) => Some(enc),
        _ => None,
    };
    if let Some((enc, text)) = strict
        .into_iter()
        .max_by_key(|(enc, text)| (japanese_score(text), *enc == SHIFT_JIS))
    {
        return Decoded {
            text,
            charset: name_of(enc),
            repaired: declared != Some(enc),
            errors: 0,
        };
    }
    // Nothing decodes cleanly: damaged Japanese, or not Japanese at all.
    let mut best: Option<Decoded<'_>> = None;
    for enc in [SHIFT_JIS, EUC_JP, UTF_8].into_iter().chain(declared) {
        let candidate = with_encoding(bytes, enc, declared != Some(enc));
        if best.as_ref().is_none_or(|b| candidate.errors < b.errors) {
            best = Some(candidate);
        }
    }
    let mut best = best.unwrap_or_else(|| with_encoding(bytes, UTF_8, true));
    let chars = best.text.chars().count();
    let high = bytes.iter().filter(|b| !b.is_ascii()).count();
    if best.errors > 1 + chars / 100 && declared.is_none() && high * 10 <= bytes.len() * 3 {
        // Mostly ASCII with a few unlabelled 8-bit letters: Western text.
        return with_encoding(bytes, WINDOWS_1252, true);
    }
    // Damaged Japanese is shown with U+FFFD where bytes were bad. Binary
    // posing as text decodes "cleanly" into half-width kana and private-use
    // characters: count those as undecodable too, so the caller refuses it.
    let garbled = best.text.chars().filter(|&c| is_garbage(c)).count();
    if garbled * 4 > chars {
        best.errors = best.errors.max(garbled);
    }
    best
}

/// Characters that real text almost never consists of.
fn is_garbage(c: char) -> bool {
    matches!(c as u32, 0xfffd | 0xff61..=0xff9f | 0xe000..=0xf8ff | 0x80..=0x9f)
}

fn with_encoding<'a>(bytes: &'a [u8], enc: &'static Encoding, repaired: bool) -> Decoded<'a> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    let errors = count_errors(&text, had_errors);
    Decoded {
        text,
        charset: name_of(enc),
        repaired,
        errors,
    }
}

fn count_errors(text: &str, had_errors: bool) -> usize {
    if had_errors {
        text.chars()
            .filter(|&c| c == char::REPLACEMENT_CHARACTER)
            .count()
    } else {
        0
    }
}

fn name_of(enc: &'static Encoding) -> &'static str {
    match enc.name() {
        "UTF-8" => "utf-8",
        "Shift_JIS" => "shift_jis",
        "EUC-JP" => "euc-jp",
        "ISO-2022-JP" => "iso-2022-jp",
        "windows-1252" => "windows-1252",
        other => {
            // encoding_rs names are static; lower-case ones are returned as is.
            if other.bytes().any(|b| b.is_ascii_uppercase()) {
                "other"
            } else {
                other
            }
        }
    }
}

/// How much a decoding reads like Japanese prose: kana and kanji score,
/// half-width kana, private-use and stray symbols cost.
fn japanese_score(text: &str) -> i64 {
    let mut score = 0i64;
    for c in text.chars() {
        score += match c as u32 {
            0..=0x7f => 0,
            0x3040..=0x309f => 3,                   // hiragana
            0x30a0..=0x30ff => 2,                   // katakana
            0x4e00..=0x9fff => 1,                   // CJK unified ideographs
            0x3000..=0x303f | 0xff01..=0xff5e => 1, // CJK punctuation, full-width forms
            0xff61..=0xff9f => -2,                  // half-width katakana
            0xe000..=0xf8ff => -4,                  // private use
            _ => -1,
        };
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "こんにちは、世界。請求書を送付いたします。";

    fn sjis(text: &str) -> Vec<u8> {
        SHIFT_JIS.encode(text).0.into_owned()
    }
    fn eucjp(text: &str) -> Vec<u8> {
        EUC_JP.encode(text).0.into_owned()
    }
    fn jis(text: &str) -> Vec<u8> {
        ISO_2022_JP.encode(text).0.into_owned()
    }

    #[test]
    fn back_to_back_jis_escapes_are_not_errors() {
        // Two encoded words joined: `ESC ( B` then `ESC $ B` at once.
        let mut joined = jis("会議");
        joined.extend(jis("資料"));
        joined.extend(b"\x1b$B\x1b(B ok");
        let d = decode(&joined, Some("ISO-2022-JP"));
        assert_eq!(d.text, "会議資料 ok");
        assert_eq!(d.errors, 0);
    }

    #[test]
    fn declared_charsets_decode() {
        for (bytes, label) in [
            (jis(HELLO), "ISO-2022-JP"),
            (sjis(HELLO), "Shift_JIS"),
            (sjis(HELLO), "CP932"),
            (eucjp(HELLO), "euc-jp"),
            (HELLO.as_bytes().to_vec(), "utf-8"),
        ] {
            let d = decode(&bytes, Some(label));
            assert_eq!(d.text, HELLO, "{label}");
            assert!(!d.repaired, "{label}");
            assert_eq!(d.errors, 0);
        }
    }

    #[test]
    fn mislabelled_and_unlabelled_japanese_is_repaired() {
        for (bytes, label) in [
            (sjis(HELLO), Some("iso-2022-jp")),
            (HELLO.as_bytes().to_vec(), Some("iso-2022-jp")),
            (eucjp(HELLO), Some("iso-2022-jp")),
            (sjis(HELLO), None),
            (eucjp(HELLO), Some("unknown")),
            (jis(HELLO), Some("us-ascii")),
            (jis(HELLO), None),
            (HELLO.as_bytes().to_vec(), Some("shift_jis")),
            (HELLO.as_bytes().to_vec(), Some("iso-8859-1")),
        ] {
            let d = decode(&bytes, label);
            assert_eq!(d.text, HELLO, "{label:?} {}", d.charset);
            assert_eq!(d.errors, 0);
        }
        assert!(decode(&sjis(HELLO), Some("iso-2022-jp")).repaired);
    }

    #[test]
    fn iso_2022_jp_extensions_decode() {
        // NEC row 13 (①, ㈱) and an NEC-selected IBM extension kanji (髙).
        let bytes = b"\x1b$B-!-j|b\x1b(B";
        assert_eq!(decode(bytes, Some("ISO-2022-JP-MS")).text, "①㈱髙");
        assert_eq!(decode(bytes, Some("CP50220")).text, "①㈱髙");
        // CP50222 shifts into half-width kana with SO/SI.
        assert_eq!(decode(b"A\x0e1\x0fB", Some("cp50222")).text, "AｱB");
    }

    #[test]
    fn cp932_extensions_decode_under_microsoft_labels() {
        let text = "①②㈱髙﨑";
        let bytes = sjis(text);
        assert_eq!(decode(&bytes, Some("Windows-31J")).text, text);
        assert_eq!(decode(&bytes, Some("x-sjis")).text, text);
    }

    #[test]
    fn utf7_and_western_text() {
        assert_eq!(
            decode(b"Hi Mom -+Jjo--!", Some("utf-7")).text,
            "Hi Mom -\u{263a}-!"
        );
        assert_eq!(
            decode(b"+ZeVnLIqe-", Some("UNICODE-1-1-UTF-7")).text,
            "日本語"
        );
        let latin = b"caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu";
        assert_eq!(
            decode(latin, Some("iso-8859-1")).text,
            "café crème brûlée, déjà vu"
        );
        assert_eq!(decode(latin, None).text, "café crème brûlée, déjà vu");
    }

    #[test]
    fn undecodable_bytes_become_replacement_characters_only_there() {
        let mut bytes = sjis(HELLO);
        bytes.insert(6, 0xff);
        let d = decode(&bytes, Some("shift_jis"));
        assert_eq!(d.text, HELLO.replacen("ちは", "\u{fffd}ちは", 1));
        assert_eq!(d.errors, 1);
    }
}
