//! UTF-7 (RFC 2152), which encoding_rs deliberately does not implement but
//! which old mail clients still send. Decoding only; never used for output.

const fn base64_value(b: u8) -> Option<u32> {
    match b {
        b'A'..=b'Z' => Some((b - b'A') as u32),
        b'a'..=b'z' => Some((b - b'a') as u32 + 26),
        b'0'..=b'9' => Some((b - b'0') as u32 + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes UTF-7 bytes; returns the text and how many U+FFFD were inserted.
pub fn decode(bytes: &[u8]) -> (String, usize) {
    let mut out = String::with_capacity(bytes.len());
    let mut errors = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b != b'+' {
            if b.is_ascii() {
                out.push(b as char);
            } else {
                out.push(char::REPLACEMENT_CHARACTER);
                errors += 1;
            }
            continue;
        }
        if bytes.get(i) == Some(&b'-') {
            out.push('+');
            i += 1;
            continue;
        }
        // A shifted run of modified base64 carrying UTF-16 code units.
        let mut units = Vec::new();
        let (mut bits, mut nbits) = (0u32, 0u32);
        while let Some(v) = bytes.get(i).and_then(|&b| base64_value(b)) {
            bits = (bits << 6) | v;
            nbits += 6;
            if nbits >= 16 {
                nbits -= 16;
                units.push((bits >> nbits) as u16);
                bits &= (1 << nbits) - 1;
            }
            i += 1;
        }
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        for c in char::decode_utf16(units) {
            out.push(c.unwrap_or_else(|_| {
                errors += 1;
                char::REPLACEMENT_CHARACTER
            }));
        }
    }
    (out, errors)
}
