//! `BodyWriter`: the single pass every piece of output text goes through.
//!
//! In one scan it normalises line ends (CR, LF, CRLF → CRLF), drops control,
//! bidi-override and BOM characters, makes links unclickable according to
//! the `links` policy (`https://example.com/a` → `hxxps://example[.]com/a`),
//! neutralises `<script` so no output text carries a script tag, and adds
//! quote prefixes for forwarded messages. Runs of ordinary text are copied
//! in bulk; only the few interesting bytes are looked at closely.

use crate::policy::{Language, LinkMode};

/// Bytes that need a closer look: ASCII controls, `:` (schemes), `.` (www.),
/// `<` (script) and the lead bytes of C1 controls, bidi controls and BOM.
const INTERESTING: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != b'\t' as usize;
        b += 1;
    }
    table[0x7f] = true;
    table[b':' as usize] = true;
    table[b'.' as usize] = true;
    table[b'<' as usize] = true;
    table[0xc2] = true;
    table[0xe2] = true;
    table[0xef] = true;
    table
};

/// Schemes that are links without `//` (and so need naming).
const BARE_SCHEMES: &[&str] = &[
    "mailto",
    "tel",
    "sms",
    "callto",
    "sip",
    "sips",
    "facetime",
    "javascript",
    "vbscript",
    "data",
    "file",
    "news",
    "nntp",
    "search-ms",
    "ms-msdt",
    "ms-word",
    "ms-excel",
    "ms-powerpoint",
    "ms-settings",
    "skype",
    "webcal",
    "itms-services",
];

/// Accumulates output text, one block per body part.
pub struct BodyWriter {
    out: String,
    prefix: String,
    at_line_start: bool,
    /// The last line written was empty (or only a quote prefix).
    last_line_blank: bool,
    links: LinkMode,
    language: Language,
    /// Number of links found (and defanged or removed, per the policy).
    pub links_found: usize,
}

#[derive(Clone, Copy)]
enum LinkKind {
    /// `scheme:` followed by `//` when `slashes`.
    Scheme { colon: usize, slashes: bool },
    /// A bare `www.` host.
    Www,
}

impl BodyWriter {
    pub fn new(links: LinkMode, language: Language, capacity: usize) -> BodyWriter {
        BodyWriter {
            out: String::with_capacity(capacity),
            prefix: String::new(),
            at_line_start: true,
            last_line_blank: true,
            links,
            language,
            links_found: 0,
        }
    }

    pub fn into_string(self) -> String {
        self.out
    }

    /// Quotes everything written until the matching [`end_quote`](Self::end_quote).
    pub fn begin_quote(&mut self) {
        self.ensure_line_start();
        self.prefix.push_str("> ");
    }

    pub fn end_quote(&mut self) {
        self.ensure_line_start();
        let len = self.prefix.len().saturating_sub(2);
        self.prefix.truncate(len);
    }

    /// Starts a new block: ends the current line and leaves one blank line.
    pub fn start_block(&mut self) {
        if self.out.is_empty() {
            return;
        }
        self.ensure_line_start();
        if !self.last_line_blank {
            self.newline();
        }
    }

    fn ensure_line_start(&mut self) {
        if !self.at_line_start {
            self.newline();
        }
    }

    fn emit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.at_line_start && !self.prefix.is_empty() {
            self.out.push_str(&self.prefix);
        }
        self.out.push_str(s);
        self.at_line_start = false;
    }

    /// Ends a line. Output uses CRLF, the wire format, so the encoder can
    /// take the text as it is.
    fn newline(&mut self) {
        let blank = self.at_line_start;
        if blank && !self.prefix.is_empty() {
            self.out.push_str(self.prefix.trim_end());
        }
        self.out.push_str("\r\n");
        self.at_line_start = true;
        self.last_line_blank = blank;
    }

    /// Writes text, trimmed of trailing blank lines, ending its last line.
    pub fn write_block(&mut self, text: &str) {
        let text = text.trim_end_matches(['\r', '\n', ' ', '\t', '\u{3000}']);
        let text = text.trim_start_matches(['\r', '\n']);
        self.write(text);
        self.ensure_line_start();
    }

    /// Writes text through the rewriting pass.
    pub fn write(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if !INTERESTING[b as usize] {
                i += 1;
                continue;
            }
            match b {
                b'\n' | b'\r' => {
                    self.emit(&text[start..i]);
                    self.newline();
                    i += if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    start = i;
                }
                b':' | b'.' => {
                    let found = if b == b':' {
                        scheme_link(bytes, start, i)
                    } else {
                        www_link(bytes, start, i)
                    };
                    match found {
                        Some((url_start, url_end, kind)) => {
                            self.emit(&text[start..url_start]);
                            self.write_link(&text[url_start..url_end], kind);
                            i = url_end;
                            start = i;
                        }
                        None => i += 1,
                    }
                }
                b'<' => {
                    let next = bytes.get(i + 1..i + 7);
                    if next.is_some_and(|n| n.eq_ignore_ascii_case(b"script")) {
                        self.emit(&text[start..i]);
                        self.emit("＜");
                        start = i + 1;
                    }
                    i += 1;
                }
                0xc2 | 0xe2 | 0xef => {
                    let drop = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
                        (0xc2, Some(0x80..=0x9f), _) => 2,          // C1 controls
                        (0xe2, Some(0x80), Some(0xaa..=0xae)) => 3, // LRE … RLO
                        (0xe2, Some(0x81), Some(0xa6..=0xa9)) => 3, // LRI … PDI
                        (0xef, Some(0xbb), Some(0xbf)) => 3,        // BOM
                        _ => 0,
                    };
                    if drop > 0 {
                        self.emit(&text[start..i]);
                        i += drop;
                        start = i;
                    } else {
                        i += 1;
                    }
                }
                _ => {
                    // Other C0 controls (ESC, NUL, …) and DEL are dropped.
                    self.emit(&text[start..i]);
                    i += 1;
                    start = i;
                }
            }
        }
        self.emit(&text[start..]);
    }

    fn write_link(&mut self, url: &str, kind: LinkKind) {
        self.links_found += 1;
        match self.links {
            LinkMode::Keep => self.emit(url),
            LinkMode::Remove => self.emit(match self.language {
                Language::Ja => "[URL削除]",
                Language::En => "[URL removed]",
            }),
            LinkMode::Defang => {
                let defanged = defang(url, kind);
                self.emit(&defanged);
            }
        }
    }
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'-'
}

fn is_url_byte(b: u8) -> bool {
    (0x21..=0x7e).contains(&b)
        && !matches!(
            b,
            b'<' | b'>' | b'"' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
        )
}

/// End of a URL starting at `from`: URL characters, minus trailing punctuation.
fn url_end(bytes: &[u8], from: usize) -> usize {
    let mut end = from;
    while end < bytes.len() && is_url_byte(bytes[end]) {
        end += 1;
    }
    while let Some(&last) = bytes.get(end.wrapping_sub(1)).filter(|_| end > from) {
        let unbalanced = |open: u8, close: u8| {
            last == close && {
                let s = &bytes[from..end];
                s.iter().filter(|&&c| c == close).count() > s.iter().filter(|&&c| c == open).count()
            }
        };
        if b".,;:!?'*".contains(&last) || unbalanced(b'(', b')') || unbalanced(b'[', b']') {
            end -= 1;
        } else {
            break;
        }
    }
    end
}

/// A `scheme:` link whose colon is at `colon`; the scheme starts no earlier
/// than `floor`.
fn scheme_link(bytes: &[u8], floor: usize, colon: usize) -> Option<(usize, usize, LinkKind)> {
    let mut start = colon;
    while start > floor && is_scheme_byte(bytes[start - 1]) {
        start -= 1;
    }
    let scheme = &bytes[start..colon];
    if scheme.is_empty() || scheme.len() > 32 || !scheme[0].is_ascii_alphabetic() {
        return None;
    }
    let slashes = bytes.get(colon + 1..colon + 3) == Some(b"//");
    // Already defanged text (security advisories, our own notice) stays as is.
    if [&b"hxxp"[..], b"hxxps", b"fxp", b"fxps"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme))
    {
        return None;
    }
    if !slashes {
        let scheme = std::str::from_utf8(scheme).ok()?.to_ascii_lowercase();
        if !BARE_SCHEMES.contains(&scheme.as_str()) && !scheme.starts_with("ms-") {
            return None;
        }
    }
    let body_start = colon + if slashes { 3 } else { 1 };
    let end = url_end(bytes, body_start);
    if end <= body_start {
        return None;
    }
    Some((
        start,
        end,
        LinkKind::Scheme {
            colon: colon - start,
            slashes,
        },
    ))
}

/// A bare `www.host` whose dot is at `dot`.
fn www_link(bytes: &[u8], floor: usize, dot: usize) -> Option<(usize, usize, LinkKind)> {
    let start = dot.checked_sub(3)?;
    if start < floor || !bytes[start..dot].eq_ignore_ascii_case(b"www") {
        return None;
    }
    if start > 0
        && (bytes[start - 1].is_ascii_alphanumeric() || b"./@-_".contains(&bytes[start - 1]))
    {
        return None;
    }
    if !bytes
        .get(dot + 1)
        .is_some_and(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let end = url_end(bytes, dot + 1);
    Some((start, end, LinkKind::Www))
}

/// `https://a.example/x` → `hxxps://a[.]example/x`; `mailto:a@b.jp` →
/// `mailto[:]a[@]b[.]jp`; `www.a.jp` → `www[.]a[.]jp`.
fn defang(url: &str, kind: LinkKind) -> String {
    let mut out = String::with_capacity(url.len() + 16);
    let authority_then_rest = |out: &mut String, rest: &str| {
        let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        out.push_str(&authority.replace('.', "[.]").replace('@', "[@]"));
        out.push_str(path);
    };
    match kind {
        LinkKind::Www => authority_then_rest(&mut out, url),
        LinkKind::Scheme { colon, slashes } => {
            let scheme = url[..colon].to_ascii_lowercase();
            if slashes {
                match scheme.as_str() {
                    "http" => out.push_str("hxxp://"),
                    "https" => out.push_str("hxxps://"),
                    "ftp" => out.push_str("fxp://"),
                    "ftps" => out.push_str("fxps://"),
                    _ => {
                        out.push_str(&url[..colon]);
                        out.push_str("[:]//");
                    }
                }
                authority_then_rest(&mut out, &url[colon + 3..]);
            } else {
                out.push_str(&url[..colon]);
                out.push_str("[:]");
                authority_then_rest(&mut out, &url[colon + 1..]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mode: LinkMode, text: &str) -> String {
        let mut w = BodyWriter::new(mode, Language::Ja, 0);
        w.write(text);
        w.into_string()
    }

    #[test]
    fn defangs_every_link_form() {
        let cases = [
            ("see https://example.com/a.", "see hxxps://example[.]com/a."),
            (
                "http://a.b.example/x?y=1#z",
                "hxxp://a[.]b[.]example/x?y=1#z",
            ),
            (
                "ftp://files.example.jp/pub",
                "fxp://files[.]example[.]jp/pub",
            ),
            ("(www.example.jp)", "(www[.]example[.]jp)"),
            ("mailto:taro@example.jp", "mailto[:]taro[@]example[.]jp"),
            ("tel:+81-3-1234-5678", "tel[:]+81-3-1234-5678"),
            ("HTTPS://EXAMPLE.COM", "hxxps://EXAMPLE[.]COM"),
            (
                "詳細はhttps://example.jp/aです",
                "詳細はhxxps://example[.]jp/aです",
            ),
            ("smb://server.local/share", "smb[:]//server[.]local/share"),
            ("javascript:alert(1)", "javascript[:]alert(1)"),
            (
                "https://user@evil.example/",
                "hxxps://user[@]evil[.]example/",
            ),
            ("hxxps://already[.]defanged/", "hxxps://already[.]defanged/"),
        ];
        for (input, expected) in cases {
            assert_eq!(run(LinkMode::Defang, input), expected, "{input}");
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in [
            "Note: see 3.5 below.",
            "時刻 10:30。",
            "e.g. mywww.site",
            "a: b. c",
            "x://",
        ] {
            assert_eq!(run(LinkMode::Defang, text), text);
        }
    }

    #[test]
    fn keep_and_remove_modes() {
        assert_eq!(
            run(LinkMode::Keep, "go https://a.jp/x now"),
            "go https://a.jp/x now"
        );
        assert_eq!(
            run(LinkMode::Remove, "go https://a.jp/x now"),
            "go [URL削除] now"
        );
        let mut w = BodyWriter::new(LinkMode::Remove, Language::En, 0);
        w.write("www.a.jp");
        assert_eq!(w.into_string(), "[URL removed]");
    }

    #[test]
    fn line_ends_controls_and_script() {
        assert_eq!(run(LinkMode::Keep, "a\r\nb\rc\nd"), "a\r\nb\r\nc\r\nd");
        assert_eq!(
            run(LinkMode::Keep, "a\u{1b}$Bb\u{0}c\u{85}d\u{202e}e\u{feff}f"),
            "a$Bbcdef"
        );
        assert_eq!(run(LinkMode::Keep, "x<SCRIPT>y"), "x＜SCRIPT>y");
    }

    #[test]
    fn quoting_prefixes_each_line() {
        let mut w = BodyWriter::new(LinkMode::Keep, Language::Ja, 0);
        w.write_block("top");
        w.begin_quote();
        w.write_block("a\n\nb");
        w.end_quote();
        w.write_block("after");
        assert_eq!(w.into_string(), "top\r\n> a\r\n>\r\n> b\r\nafter\r\n");
    }
}
