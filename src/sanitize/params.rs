//! MIME parameters (`Content-Type: …; name=…`, `Content-Disposition: …;
//! filename=…`) read from the raw header bytes, so that file names come out
//! as the sender saw them: RFC 2231 (with continuations, charset and
//! percent-encoding), RFC 2047 encoded words inside quotes, and raw 8-bit
//! names in Shift_JIS, EUC-JP or UTF-8.

use super::{charset, header_text};

/// One parameter, after RFC 2231 sections are joined.
#[derive(Debug, Default)]
struct Param {
    name: String,
    /// Sections by number; a plain `name=` is section 0.
    sections: Vec<(u32, Vec<u8>, bool)>,
    charset: Option<String>,
}

/// Splits `value; a=b; c="d;e"` into `(name, raw value bytes, extended)`.
fn split_params(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = match memchr::memchr(b';', raw) {
        Some(p) => p + 1,
        None => return out,
    };
    while i < raw.len() {
        while i < raw.len() && (raw[i].is_ascii_whitespace() || raw[i] == b';') {
            i += 1;
        }
        let name_start = i;
        while i < raw.len() && raw[i] != b'=' && raw[i] != b';' {
            i += 1;
        }
        let name = String::from_utf8_lossy(&raw[name_start..i])
            .trim()
            .to_ascii_lowercase();
        if i >= raw.len() || raw[i] == b';' {
            continue;
        }
        i += 1; // '='
        while i < raw.len() && (raw[i] == b' ' || raw[i] == b'\t') {
            i += 1;
        }
        let mut value = Vec::new();
        if raw.get(i) == Some(&b'"') {
            i += 1;
            while i < raw.len() && raw[i] != b'"' {
                if raw[i] == b'\\' && i + 1 < raw.len() {
                    i += 1;
                }
                if raw[i] != b'\r' && raw[i] != b'\n' {
                    value.push(raw[i]);
                }
                i += 1;
            }
            i += 1;
            while i < raw.len() && raw[i] != b';' {
                i += 1;
            }
        } else {
            let start = i;
            while i < raw.len() && raw[i] != b';' {
                i += 1;
            }
            value.extend(
                raw[start..i]
                    .iter()
                    .copied()
                    .filter(|b| *b != b'\r' && *b != b'\n'),
            );
            while value.last().is_some_and(|b| b.is_ascii_whitespace()) {
                value.pop();
            }
        }
        if !name.is_empty() && out.len() < 64 {
            out.push((name, value));
        }
    }
    out
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Collects parameters by base name, joining RFC 2231 sections.
fn collect(raw: &[u8]) -> Vec<Param> {
    let mut params: Vec<Param> = Vec::new();
    for (name, value) in split_params(raw) {
        let (base, extended) = match name.strip_suffix('*') {
            Some(b) => (b.to_string(), true),
            None => (name.clone(), false),
        };
        let (base, section) = match base.rsplit_once('*') {
            Some((b, n)) if n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty() => {
                (b.to_string(), n.parse::<u32>().unwrap_or(u32::MAX))
            }
            _ => (base, 0),
        };
        let index = match params.iter().position(|p| p.name == base) {
            Some(p) => p,
            None => {
                params.push(Param {
                    name: base,
                    ..Param::default()
                });
                params.len() - 1
            }
        };
        let param = &mut params[index];
        let mut value = value;
        if extended && section == 0 {
            // charset'language'percent-encoded
            let mut parts = value.splitn(3, |b| *b == b'\'');
            if let (Some(cs), Some(_lang), Some(rest)) = (parts.next(), parts.next(), parts.next())
            {
                param.charset = Some(String::from_utf8_lossy(cs).into_owned());
                value = rest.to_vec();
            }
        }
        if extended {
            value = percent_decode(&value);
        }
        if !param.sections.iter().any(|(n, _, _)| *n == section) {
            param.sections.push((section, value, extended));
        }
    }
    params
}

/// The decoded value of parameter `name` (`filename`, `name`, `charset` …).
pub fn param(raw: &[u8], name: &str) -> Option<String> {
    let mut params = collect(raw);
    let param = params.iter_mut().find(|p| p.name == name)?;
    param.sections.sort_by_key(|(n, _, _)| *n);
    let any_extended = param.sections.iter().any(|(_, _, e)| *e);
    let bytes: Vec<u8> = param
        .sections
        .iter()
        .flat_map(|(_, v, _)| v.iter().copied())
        .collect();
    let text = if any_extended {
        let decoded = charset::decode(&bytes, param.charset.as_deref());
        header_text::clean_line(&decoded.text)
    } else {
        // Quoted or token value: may hold RFC 2047 words or raw 8-bit bytes.
        header_text::decode_unstructured(&bytes)
    };
    Some(text)
}

/// The name the sender gave a part: `filename` from Content-Disposition,
/// else `name` from Content-Type. Path components are kept for display
/// but control characters are not.
pub fn filename(disposition: Option<&[u8]>, content_type: Option<&[u8]>) -> Option<String> {
    disposition
        .and_then(|d| param(d, "filename"))
        .filter(|n| !n.is_empty())
        .or_else(|| content_type.and_then(|c| param(c, "name")))
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(255).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_quoted() {
        assert_eq!(
            param(b"attachment; filename=a.pdf", "filename").unwrap(),
            "a.pdf"
        );
        assert_eq!(
            param(
                b"attachment; filename=\"my \\\"file\\\".pdf\"; size=3",
                "filename"
            )
            .unwrap(),
            "my \"file\".pdf"
        );
        assert_eq!(
            param(b"text/plain; charset=\"ISO-2022-JP\"", "charset").unwrap(),
            "ISO-2022-JP"
        );
        assert!(param(b"attachment", "filename").is_none());
    }

    #[test]
    fn rfc2231_with_charset_and_continuations() {
        let raw =
            b"attachment;\r\n filename*0*=UTF-8''%E8%AB%8B%E6%B1%82;\r\n filename*1*=%E6%9B%B8.pdf";
        assert_eq!(param(raw, "filename").unwrap(), "請求書.pdf");
        let raw = b"attachment; filename*=iso-2022-jp'ja'%1B%24B%40A5a%3Dq%1B%28B.pdf";
        assert_eq!(param(raw, "filename").unwrap(), "請求書.pdf");
        let raw = b"attachment; filename*1=\"rt2.txt\"; filename*0=\"pa\"";
        assert_eq!(param(raw, "filename").unwrap(), "part2.txt");
    }

    #[test]
    fn rfc2047_and_raw_eight_bit_names() {
        let raw = b"application/pdf; name=\"=?ISO-2022-JP?B?GyRCQEE1YT1xGyhC?=.pdf\"";
        assert_eq!(param(raw, "name").unwrap(), "請求書.pdf");
        let mut raw = b"attachment; filename=\"".to_vec();
        raw.extend_from_slice(&encoding_rs::SHIFT_JIS.encode("見積書.xlsx").0);
        raw.push(b'"');
        assert_eq!(param(&raw, "filename").unwrap(), "見積書.xlsx");
    }

    #[test]
    fn filename_prefers_disposition() {
        assert_eq!(
            filename(
                Some(b"attachment; filename=b.txt"),
                Some(b"text/plain; name=a.txt")
            )
            .unwrap(),
            "b.txt"
        );
        assert_eq!(
            filename(Some(b"inline"), Some(b"text/plain; name=a.txt")).unwrap(),
            "a.txt"
        );
        assert_eq!(filename(None, None), None);
    }
}
