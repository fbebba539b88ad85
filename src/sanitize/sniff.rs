//! The type of a part judged from its bytes, never from its name or label.
//! A first look (magic numbers through `infer`); the attachment issue adds
//! container inspection on top.

/// The detected MIME type of `bytes`, with `declared` as a hint only for
/// content that has no magic number (text).
pub fn detect_type(bytes: &[u8], declared: &str) -> String {
    if bytes.is_empty() {
        return "application/x-empty".to_string();
    }
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_string();
    }
    if looks_like_text(bytes) {
        if declared.starts_with("text/") || declared.starts_with("message/") {
            declared.to_string()
        } else {
            "text/plain".to_string()
        }
    } else {
        "application/octet-stream".to_string()
    }
}

/// As [`detect_type`] for body text already decoded to UTF-8: only a
/// magic number can contradict the declared text type. `Err` with the
/// detected type when the bytes carry a binary signature (one look at the
/// magic numbers serves both answers).
pub fn detect_text_type(text: &[u8], declared: &str) -> Result<String, String> {
    match infer::get(text) {
        Some(kind) if kind.matcher_type() != infer::MatcherType::Text => {
            Err(kind.mime_type().to_string())
        }
        Some(kind) => Ok(kind.mime_type().to_string()),
        None => Ok(declared.to_string()),
    }
}

/// True when the bytes carry a known binary signature (executable,
/// archive, image, document …), whatever they claim to be.
pub fn is_binary_format(bytes: &[u8]) -> bool {
    infer::get(bytes).is_some_and(|kind| kind.matcher_type() != infer::MatcherType::Text)
}

/// No NUL and few control bytes in the first 8 KiB (and not empty).
pub(crate) fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.is_empty() || memchr::memchr(0, head).is_some() {
        return false;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b | 0x0e | 0x0f))
        .count();
    controls * 100 <= head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_wins_over_labels() {
        assert_eq!(
            detect_type(b"%PDF-1.7\n...", "text/plain"),
            "application/pdf"
        );
        assert_eq!(
            detect_type(
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
                "image/png"
            )
            .as_str(),
            "application/vnd.microsoft.portable-executable"
        );
        assert!(is_binary_format(b"PK\x03\x04\x14\x00\x00\x00\x08\x00"));
        assert_eq!(detect_type("本文".as_bytes(), "text/plain"), "text/plain");
        assert_eq!(
            detect_type(b"\x00\x01\x02\x03", "text/plain"),
            "application/octet-stream"
        );
        assert_eq!(detect_type(b"", "application/pdf"), "application/x-empty");
    }
}
