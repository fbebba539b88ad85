//! The link policy: finds everything a mail client could turn into a link
//! in one line of text (read on the detection view, see `clean`), and says
//! how to render each one: defanged (`https://evil.example/x` →
//! `hxxps[:]//evil[.]example/x`), removed (`[URL削除]`) or kept.
//!
//! Found: any `scheme:` followed by `//`, `/` or `\` (`https:\\host\x`
//! too; a one-letter scheme before one slash is a drive, `C:\Users`),
//! the schemes that need no slashes (`mailto:`, `javascript:`, `file:`,
//! `http:host` …), `www.` after a word boundary, a bare `host.tld/path`
//! (or `host.tld:port/`, or an IPv4 address), and UNC paths
//! (`\\server\share`). Hosts may be IDN (`例え.jp`, with `。` as a dot) or
//! punycode. A defanged link keeps no `://`, no `www.` and no host dot, and
//! the scan goes on after its host, so a URL inside another URL's path or
//! query is found and defanged too. Already defanged text stays as it is.

use memchr::memchr3;

use crate::policy::LinkMode;

/// What to write instead of a piece of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// `[` the original characters `]`.
    Bracket,
    /// A fixed replacement (`hxxps` for `https`).
    Replace(&'static str),
    /// The removal label, for the whole link.
    Remove,
}

/// One edit over the view's bytes `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    pub edit: Edit,
}

/// Schemes that are links without `//`.
const BARE_SCHEMES: &[&str] = &[
    "http",
    "https",
    "ftp",
    "ftps",
    "ws",
    "wss",
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
    "telnet",
    "ssh",
    "ldap",
    "search-ms",
    "skype",
    "webcal",
    "itms-services",
];

/// Top-level domains whose bare names (`evil.com`, no path) webmail
/// clients turn into links. Not `.zip`, `.mov` and the like: they would
/// bracket every attachment name in every notice.
const LINKED_ALONE: &[&str] = &[
    "com", "net", "org", "info", "biz", "io", "co", "me", "app", "dev", "xyz", "top", "site",
    "online", "jp", "cn", "ru",
];

/// A link found in the view.
struct Link {
    start: usize,
    /// The scheme name, when there is one.
    scheme: Option<(usize, usize)>,
    colon: Option<usize>,
    /// Where a UNC path's `\\` is.
    unc: Option<usize>,
    /// The host part (userinfo and port included): its dots and `@` are
    /// bracketed.
    authority: (usize, usize),
    /// Where the rest of the link (path, query) starts; its end is found
    /// only when the whole link is removed.
    rest: usize,
}

/// What a look at one interesting byte found.
enum Found {
    Link(Link),
    /// Nothing here; go on from this offset.
    Next(usize),
    /// Not this kind; try the next.
    No,
}

/// Finds the links in `view` (one line), adds the edits `mode` asks for
/// to `marks` in order, and returns how many links there were.
pub fn find(view: &str, mode: LinkMode, marks: &mut Vec<Mark>) -> usize {
    let b = view.as_bytes();
    let (mut i, mut floor, mut found) = (0, 0, 0);
    while let Some(p) = memchr3(b':', b'.', b'\\', &b[i..]) {
        let at = i + p;
        let look = match b[at] {
            b':' => scheme_link(view, floor, at),
            b'.' => match www_link(view, floor, at) {
                Found::No => bare_host(view, floor, at),
                other => other,
            },
            _ => unc_link(view, floor, at),
        };
        match look {
            Found::Link(link) => {
                found += 1;
                i = mark(&link, view, mode, marks);
                floor = i;
            }
            Found::Next(next) => i = next.max(at + 1),
            Found::No => i = at + 1,
        }
    }
    found
}

/// Adds the edits for one link; returns where the scan goes on.
fn mark(link: &Link, view: &str, mode: LinkMode, marks: &mut Vec<Mark>) -> usize {
    match mode {
        LinkMode::Remove => {
            let end = url_end(view.as_bytes(), link.rest).max(link.rest);
            marks.push(Mark {
                start: link.start,
                end,
                edit: Edit::Remove,
            });
            end
        }
        LinkMode::Keep | LinkMode::Defang => {
            if mode == LinkMode::Keep {
                return link.rest.max(link.start + 1);
            }
            if let Some((start, end)) = link.scheme {
                let renamed = match view[start..end].to_ascii_lowercase().as_str() {
                    "http" => Some("hxxp"),
                    "https" => Some("hxxps"),
                    "ftp" => Some("fxp"),
                    "ftps" => Some("fxps"),
                    _ => None,
                };
                if let Some(renamed) = renamed {
                    marks.push(Mark {
                        start,
                        end,
                        edit: Edit::Replace(renamed),
                    });
                }
            }
            if let Some(colon) = link.colon {
                marks.push(bracket(colon, colon + 1));
                // `https:\\host`: the backslashes would still make a UNC path.
                let slashes = link.authority.0;
                if view.as_bytes()[colon + 1..slashes].contains(&b'\\') {
                    marks.push(bracket(colon + 1, slashes));
                }
            }
            if let Some(unc) = link.unc {
                marks.push(bracket(unc, unc + 2));
            }
            let (start, end) = link.authority;
            let b = view.as_bytes();
            for i in start..end {
                // Dots and `@`, and a colon unless it starts a port: what
                // is left must not read as a host or a scheme.
                let port = is_port(&b[i + 1..]) && !ends_in_bare_scheme(&b[start..i]);
                let colon = b[i] == b':' && !port;
                if b[i] == b'.' || b[i] == b'@' || colon {
                    marks.push(bracket(i, i + 1));
                }
            }
            end.max(link.colon.map_or(link.start, |c| c + 1))
                .max(link.start + 1)
        }
    }
}

/// Puts marks from several detections over one line in order, merging
/// overlaps: a repeated edit is kept once, a removal swallows whatever it
/// overlaps, other overlapping edits become one bracket over both.
pub fn merge(marks: &mut Vec<Mark>) {
    marks.sort_by_key(|m| (m.start, m.end));
    let mut kept: Vec<Mark> = Vec::with_capacity(marks.len());
    for mark in marks.drain(..) {
        if mark.end <= mark.start {
            continue;
        }
        if let Some(last) = kept.last_mut()
            && mark.start < last.end
        {
            if mark.end > last.end || mark.edit != last.edit {
                last.edit = if mark.edit == Edit::Remove || last.edit == Edit::Remove {
                    Edit::Remove
                } else {
                    Edit::Bracket
                };
                last.end = last.end.max(mark.end);
            }
            continue;
        }
        kept.push(mark);
    }
    *marks = kept;
}

fn bracket(start: usize, end: usize) -> Mark {
    Mark {
        start,
        end,
        edit: Edit::Bracket,
    }
}

/// True when `after` (what follows a colon) is a port number: digits
/// that end the host (`:8080/`, not `:0.com`).
fn is_port(after: &[u8]) -> bool {
    let digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=5).contains(&digits)
        && !after
            .get(digits)
            .is_some_and(|&c| is_label_byte(c) || c == b'.')
}

/// True when `before` ends with a scheme that needs no slashes
/// (`javascript` in `…javascript:0`): its colon is no port separator.
fn ends_in_bare_scheme(before: &[u8]) -> bool {
    BARE_SCHEMES.iter().any(|s| {
        before.len() >= s.len()
            && before[before.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
    })
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'
}

/// ASCII characters of a host label.
fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn is_url_byte(b: u8) -> bool {
    (0x21..=0x7e).contains(&b)
        && !matches!(b, b'<' | b'>' | b'"' | b'`' | b'{' | b'}' | b'|' | b'^')
}

fn is_slash(b: Option<&u8>) -> bool {
    matches!(b, Some(b'/' | b'\\'))
}

/// True when `c` can start a host label.
fn starts_label(c: char) -> bool {
    c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())
}

/// End of a URL's remaining ASCII part from `from`, minus trailing
/// punctuation and unbalanced closing brackets.
fn url_end(b: &[u8], from: usize) -> usize {
    let mut end = from;
    while end < b.len() && is_url_byte(b[end]) {
        end += 1;
    }
    let count = |c: u8| b[from..end].iter().filter(|&&x| x == c).count();
    let (open_paren, mut close_paren) = (count(b'('), count(b')'));
    let (open_square, mut close_square) = (count(b'['), count(b']'));
    while end > from {
        match b[end - 1] {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => {}
            b')' if close_paren > open_paren => close_paren -= 1,
            b']' if close_square > open_square => close_square -= 1,
            _ => break,
        }
        end -= 1;
    }
    end
}

/// End of a host part (userinfo, IDN labels, port) starting at `from`. A
/// label that starts with a non-ASCII letter may go on with letters of
/// any script; one that starts in ASCII ends at the first non-ASCII
/// character (`example.jpです` is `example.jp` then text). When the part
/// ends in `scheme:` before a slash (`x:https://evil`), that scheme is
/// left out: it starts a link of its own.
fn authority_end(view: &str, from: usize) -> usize {
    let b = view.as_bytes();
    let bracketed = b.get(from) == Some(&b'[');
    let (mut label_start, mut label_non_ascii) = (true, false);
    let mut end = view.len();
    for (offset, c) in view[from..].char_indices() {
        if c.is_ascii() {
            match c {
                '.' => {
                    label_start = true;
                    label_non_ascii = false;
                }
                '[' | ']' if bracketed => label_start = false,
                c if c.is_ascii_alphanumeric() || "-_~%:@".contains(c) => {
                    label_start = false;
                }
                _ => {
                    end = from + offset;
                    break;
                }
            }
        } else if c.is_alphanumeric() && (label_start || label_non_ascii) {
            label_start = false;
            label_non_ascii = true;
        } else {
            end = from + offset;
            break;
        }
    }
    before_nested_scheme(b, from, end)
}

/// `end`, or the start of the `scheme` when `from..end` ends in
/// `scheme:` followed by a slash.
fn before_nested_scheme(b: &[u8], from: usize, end: usize) -> usize {
    if end <= from || b[end - 1] != b':' || !is_slash(b.get(end)) {
        return end;
    }
    let mut start = end - 1;
    while start > from && is_scheme_byte(b[start - 1]) && b[start - 1] != b'.' {
        start -= 1;
    }
    start
}

/// A `scheme:` link whose colon is at `colon`.
fn scheme_link(view: &str, floor: usize, colon: usize) -> Found {
    let b = view.as_bytes();
    let mut start = colon;
    while start > floor && is_scheme_byte(b[start - 1]) {
        start -= 1;
    }
    // RFC 3986: a letter, then letters, digits, `+`, `-` and `.`.
    while start < colon && !b[start].is_ascii_alphabetic() {
        start += 1;
    }
    let scheme = &view[start..colon];
    let after = colon + 1;
    let slashes = is_slash(b.get(after));
    if slashes {
        let two = is_slash(b.get(after + 1));
        // `C:\Users`, `D:/data`: a drive, not a link.
        if scheme.len() == 1 && !two {
            return Found::Next(after);
        }
        if scheme.is_empty() && !two {
            return Found::Next(after);
        }
    } else {
        // The name may end a longer word (`xmailto:`): a client that sees
        // a word boundary there links it, so any suffix counts.
        let lower = scheme.to_ascii_lowercase();
        let known = |s: &str| BARE_SCHEMES.contains(&s) || s.starts_with("ms-");
        let suffix = (0..lower.len())
            .filter(|&i| lower.is_char_boundary(i) && lower.as_bytes()[i].is_ascii_alphabetic())
            .find(|&i| known(&lower[i..]));
        match suffix {
            Some(i) => start += i,
            None => return Found::Next(after),
        }
    }
    let mut host = after;
    while is_slash(b.get(host)) {
        host += 1;
    }
    let authority = if slashes {
        authority_end(view, host)
    } else {
        // `mailto:` with nothing after it is no link.
        if !b.get(host).is_some_and(|&c| is_url_byte(c)) {
            return Found::Next(after);
        }
        // Up to the path, query or fragment only: the scan goes on from
        // there, so the rest of a long run is not read again per link.
        let end = b[host..]
            .iter()
            .position(|&c| !is_url_byte(c) || b"/?#\\".contains(&c))
            .map_or(b.len(), |p| host + p);
        before_nested_scheme(b, host, end)
    };
    Found::Link(Link {
        start,
        scheme: (start < colon).then_some((start, colon)),
        colon: Some(colon),
        unc: None,
        authority: (host, authority),
        rest: authority,
    })
}

/// A `www.` link whose first dot is at `dot`.
fn www_link(view: &str, floor: usize, dot: usize) -> Found {
    let b = view.as_bytes();
    // `www.` everywhere; `ftp.` is Thunderbird's shorthand for ftp://.
    let named = |prefix: &[u8]| b[dot - 3..dot].eq_ignore_ascii_case(prefix);
    if dot < floor + 3 || !(named(b"www") || named(b"ftp")) {
        return Found::No;
    }
    let start = dot - 3;
    if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
        return Found::No;
    }
    if !view[dot + 1..].chars().next().is_some_and(starts_label) {
        return Found::No;
    }
    let authority = authority_end(view, start);
    Found::Link(Link {
        start,
        scheme: None,
        colon: None,
        unc: None,
        authority: (start, authority),
        rest: authority,
    })
}

/// A bare `host.tld/path` (or `host.tld:port/`, `192.0.2.1/`, or a
/// `host.com` alone) in the run of host characters around the dot at
/// `dot`. Empty labels (`..`) and over-long ones split the run into
/// pieces; a client links any piece that is a host (`..evil.example/`,
/// `evil.com..x`), and a `www`/`ftp` label anywhere starts a link of its
/// own. The run is read label by label only up to the link returned, so
/// a long run costs one pass however many links it holds.
fn bare_host(view: &str, floor: usize, dot: usize) -> Found {
    // (Labels are counted, not collected: a sentence's full stop comes
    // here too, and must not cost an allocation.)
    let b = view.as_bytes();
    let mut start = dot;
    while start > floor && (is_label_byte(b[start - 1]) || b[start - 1] == b'.') {
        start -= 1;
    }
    let link = |piece: &Piece| {
        host_piece(b, piece).map(|after| {
            Found::Link(Link {
                start: piece.start,
                scheme: None,
                colon: None,
                unc: None,
                authority: (piece.start, after),
                rest: after,
            })
        })
    };
    let mut at = start;
    let mut piece = Piece::default();
    loop {
        let end = at + b[at..].iter().take_while(|&&c| is_label_byte(c)).count();
        let label = &view[at..end];
        let more = b.get(end) == Some(&b'.');
        if more
            && (label.eq_ignore_ascii_case("www") || label.eq_ignore_ascii_case("ftp"))
            && let Found::Link(found) = www_link(view, floor, end)
        {
            return Found::Link(found);
        }
        if label.is_empty() || label.len() > 63 {
            if let Some(found) = link(&piece) {
                return found;
            }
            piece = Piece::default();
        } else {
            piece.add(at, label);
        }
        if !more {
            return link(&piece).unwrap_or(Found::Next(end));
        }
        at = end + 1;
    }
}

/// One piece of a host run: labels separated by single dots.
#[derive(Default)]
struct Piece<'a> {
    /// Where its first label starts and its last ends.
    start: usize,
    end: usize,
    labels: usize,
    last: &'a str,
    /// Every label is one to three digits (a dotted IPv4 address).
    digits: bool,
}

impl<'a> Piece<'a> {
    /// Adds the label at `at`.
    fn add(&mut self, at: usize, label: &'a str) {
        if self.labels == 0 {
            self.start = at;
            self.digits = true;
        }
        self.labels += 1;
        self.end = at + label.len();
        self.last = label;
        self.digits &= label.len() <= 3 && label.bytes().all(|c| c.is_ascii_digit());
    }
}

/// Where a link ends when the labels of `piece` are a host a client
/// links: a named top-level domain or an IPv4 address, followed by a path
/// (after an optional port), or alone when its top-level domain is one
/// webmail links by itself (and it is not a mail address's domain).
fn host_piece(b: &[u8], piece: &Piece) -> Option<usize> {
    let (start, tld) = (piece.start, piece.last);
    if piece.labels < 2 {
        return None;
    }
    let named = (tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic()))
        || tld.to_ascii_lowercase().starts_with("xn--");
    let ipv4 = piece.labels == 4 && piece.digits;
    if !named && !ipv4 {
        return None;
    }
    let mut after = piece.end;
    if b.get(after) == Some(&b':') {
        let digits = b[after + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0 {
            after += 1 + digits;
        }
    }
    let alone = LINKED_ALONE.contains(&tld.to_ascii_lowercase().as_str())
        && !(start > 0 && b[start - 1] == b'@');
    (is_slash(b.get(after)) || alone).then_some(after)
}

/// A UNC path (`\\server\share`) whose first backslash is at `at`.
fn unc_link(view: &str, floor: usize, at: usize) -> Found {
    let b = view.as_bytes();
    if at < floor || b.get(at + 1) != Some(&b'\\') {
        return Found::Next(at + 1);
    }
    let host = at + 2;
    if !view[host..].chars().next().is_some_and(starts_label) {
        return Found::Next(at + 1);
    }
    let authority = authority_end(view, host);
    Found::Link(Link {
        start: at,
        scheme: None,
        colon: None,
        unc: Some(at),
        authority: (host, authority),
        rest: authority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies the marks to `view` (the view is its own original here).
    fn render(mode: LinkMode, text: &str) -> String {
        let mut marks = Vec::new();
        find(text, mode, &mut marks);
        let mut out = String::new();
        let mut cursor = 0;
        for m in marks {
            out.push_str(&text[cursor..m.start.max(cursor)]);
            match m.edit {
                Edit::Bracket => {
                    out.push('[');
                    out.push_str(&text[m.start..m.end]);
                    out.push(']');
                }
                Edit::Replace(s) => out.push_str(s),
                Edit::Remove => out.push_str("[URL]"),
            }
            cursor = m.end;
        }
        out.push_str(&text[cursor..]);
        out
    }

    #[test]
    fn defangs_every_link_form() {
        let cases = [
            (
                "see https://example.com/a.",
                "see hxxps[:]//example[.]com/a.",
            ),
            (
                "http://a.b.example/x?y=1#z",
                "hxxp[:]//a[.]b[.]example/x?y=1#z",
            ),
            (
                "ftp://files.example.jp/pub",
                "fxp[:]//files[.]example[.]jp/pub",
            ),
            ("(www.example.jp)", "(www[.]example[.]jp)"),
            ("mailto:taro@example.jp", "mailto[:]taro[@]example[.]jp"),
            ("tel:+81-3-1234-5678", "tel[:]+81-3-1234-5678"),
            ("HTTPS://EXAMPLE.COM", "hxxps[:]//EXAMPLE[.]COM"),
            (
                "詳細はhttps://example.jp/aです",
                "詳細はhxxps[:]//example[.]jp/aです",
            ),
            ("smb://server.local/share", "smb[:]//server[.]local/share"),
            ("javascript:alert(1)", "javascript[:]alert(1)"),
            (
                "https://user@evil.example/",
                "hxxps[:]//user[@]evil[.]example/",
            ),
            ("hxxps://evil.example/", "hxxps[:]//evil[.]example/"),
            (
                "https:\\\\evil.example\\x",
                "hxxps[:][\\\\]evil[.]example\\x",
            ),
            ("https:/evil.example", "hxxps[:]/evil[.]example"),
            ("http:evil.example", "hxxp[:]evil[.]example"),
            ("\\\\fileserver\\share", "[\\\\]fileserver\\share"),
            ("\\\\evil.example\\s", "[\\\\]evil[.]example\\s"),
            ("evil.example/login", "evil[.]example/login"),
            ("..evil.example/login", "..evil[.]example/login"),
            (" .0.jp/a", " .0[.]jp/a"),
            ("=...www.evil.example", "=...www[.]evil[.]example"),
            ("ww.evil.com..a", "ww[.]evil[.]com..a"),
            ("a..b..evil.example/x", "a..b..evil[.]example/x"),
            ("evil.example:8080/x", "evil[.]example:8080/x"),
            ("192.0.2.1/admin", "192[.]0[.]2[.]1/admin"),
            ("xn--r8jz45g.xn--zckzah/", "xn--r8jz45g[.]xn--zckzah/"),
            ("https://例え.テスト/", "hxxps[:]//例え[.]テスト/"),
            ("file:///C:/x", "file[:]///C:/x"),
            ("x://", "x[:]//"),
            ("www.evil.example", "www[.]evil[.]example"),
            ("ftp.evil.example", "ftp[.]evil[.]example"),
            ("\\\\javascript:0", "[\\\\]javascript[:]0"),
            ("see evil.com now", "see evil[.]com now"),
            ("city.example.lg.jp?x", "city[.]example[.]lg[.]jp?x"),
        ];
        for (input, expected) in cases {
            assert_eq!(render(LinkMode::Defang, input), expected, "{input}");
        }
    }

    #[test]
    fn links_inside_links_are_defanged_too() {
        assert_eq!(
            render(
                LinkMode::Defang,
                "https://a.example/r?u=https://evil.example/x&v=www.evil2.example"
            ),
            "hxxps[:]//a[.]example/r?u=hxxps[:]//evil[.]example/x&v=www[.]evil2[.]example"
        );
        assert_eq!(
            render(LinkMode::Defang, "https://a.example/go/evil.example/x"),
            "hxxps[:]//a[.]example/go/evil[.]example/x"
        );
    }

    #[test]
    fn ordinary_text_and_defanged_text_stay() {
        for text in [
            "Note: see 3.5 below.",
            "時刻 10:30。",
            "e.g. mywww.example",
            "a: b. c",
            "C:\\Users\\taro\\file.txt",
            "D:/data/x.csv",
            "ver.2.1/3",
            "hxxps[:]//evil[.]example/x",
            "www[.]evil[.]example",
            "[\\\\]server\\share",
            "taro@example.jp",
            "taro@city.example.lg.jp",
            "report.pdf and Node.js and 資料.zip and report.zip",
        ] {
            assert_eq!(render(LinkMode::Defang, text), text, "{text}");
        }
    }

    #[test]
    fn remove_mode_takes_the_whole_link() {
        assert_eq!(
            render(LinkMode::Remove, "go https://a.jp/x?u=https://b.jp now"),
            "go [URL] now"
        );
        assert_eq!(render(LinkMode::Remove, "(www.a.jp)."), "([URL]).");
    }

    #[test]
    fn long_dotted_runs_are_scanned_once() {
        let text = "a.".repeat(100_000);
        let mut marks = Vec::new();
        assert_eq!(find(&text, LinkMode::Defang, &mut marks), 0);
        let text = "a://".repeat(50_000);
        assert_eq!(find(&text, LinkMode::Defang, &mut marks), 50_000);
        for mode in [LinkMode::Defang, LinkMode::Remove, LinkMode::Keep] {
            // Linear, these take milliseconds; a quadratic scan takes
            // minutes on such lines.
            for run in [
                "tel:1/",
                "mailto:a?",
                "\\\\a\\",
                "www.a.b/",
                "a.com/",
                "a.com..",
            ] {
                let text = run.repeat(200_000 / run.len());
                assert!(find(&text, mode, &mut marks) > 0, "{run} {mode:?}");
            }
            for run in ["x..", "a.b.c.d", "x:"] {
                let text = run.repeat(200_000 / run.len());
                assert_eq!(find(&text, mode, &mut marks), 0, "{run} {mode:?}");
            }
        }
    }
}
