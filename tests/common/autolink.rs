//! A liberal autolinker, written independently of mugai's detector: what
//! a mail client could turn into a clickable link. Tests assert that no
//! text mugai writes contains one, in its own characters or in their
//! compatibility (NFKC) fold with IDNA's full stops read as dots.

use unicode_normalization::UnicodeNormalization;

const TLDS: &[&str] = &["com", "jp", "net", "org", "example", "xn--zckzah", "lg.jp"];

/// The first link-like piece of `text`, if any.
pub fn find_link(text: &str) -> Option<String> {
    let folded: String = text
        .nfkc()
        .map(|c| match c {
            '\u{3002}' | '\u{ff61}' => '.',
            c => c,
        })
        .collect();
    find_in(text).or_else(|| find_in(&folded))
}

fn find_in(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let b = lower.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let shown = |i: usize| {
        let start = i.saturating_sub(12);
        String::from_utf8_lossy(&b[start..(i + 24).min(b.len())]).into_owned()
    };
    for i in 0..b.len() {
        let rest = &b[i..];
        let slash = |k: usize| matches!(rest.get(k), Some(b'/' | b'\\'));
        // scheme: followed by a slash (two for a one-letter or empty scheme)
        if rest[0] == b':' {
            // RFC 3986: a letter, then letters, digits, `+`, `.`, `-`.
            let run = b[..i]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || b"+.-".contains(c))
                .count();
            let scheme = b[i - run..i]
                .iter()
                .position(u8::is_ascii_alphabetic)
                .map_or(0, |p| run - p);
            if (scheme >= 2 && slash(1)) || (slash(1) && slash(2)) {
                return Some(shown(i));
            }
        }
        // schemes that need no slashes
        for scheme in ["mailto:", "javascript:", "file:", "vbscript:", "data:"] {
            if rest.starts_with(scheme.as_bytes())
                && (i == 0 || !word(b[i - 1]))
                && rest
                    .get(scheme.len())
                    .is_some_and(|c| c.is_ascii_alphanumeric())
            {
                return Some(shown(i));
            }
        }
        // www. at a word boundary
        if rest.starts_with(b"www.")
            && (i == 0 || !word(b[i - 1]))
            && rest.get(4).is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return Some(shown(i));
        }
        // \\server
        if rest.starts_with(b"\\\\") && rest.get(2).is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Some(shown(i));
        }
        // label.tld/ (a bare host with a path), or label.com alone as
        // webmail links it (not a mail address's domain)
        if i > 0 && rest[0] == b'.' && word(b[i - 1]) {
            let host_start = b[..i]
                .iter()
                .rposition(|c| !(word(*c) || *c == b'.' || *c == b'-'))
                .map_or(0, |p| p + 1);
            let in_address = host_start > 0 && b[host_start - 1] == b'@';
            for tld in TLDS {
                let after = &rest[1..];
                if !after.starts_with(tld.as_bytes()) {
                    continue;
                }
                let next = after.get(tld.len());
                let path = matches!(next, Some(b'/' | b'\\'));
                let continues = next.is_some_and(|c| word(*c) || *c == b'-')
                    || (next == Some(&b'.') && after.get(tld.len() + 1).is_some_and(|c| word(*c)));
                let alone = ["com", "jp", "net", "org"].contains(tld) && !continues && !in_address;
                if path || alone {
                    return Some(shown(i));
                }
            }
        }
    }
    None
}
