//! HTML body → readable plain text, with html2text doing the layout.
//!
//! html2text has no bound of its own (20 000 nested `<div>` take seconds),
//! so size and an estimate of element nesting are checked first. The
//! decorator shows each link as its text followed by `<target>` (the target
//! is defanged later with all other text), drops images entirely (tracking
//! pixels, remote content) apart from their alt text, and adds no markdown
//! decoration. `<script>`, `<style>` and `<head>` never render.

use html2text::render::{TaggedLine, TextDecorator};

use crate::policy::Policy;

/// Why an HTML body was not converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HtmlRejected {
    TooLarge,
    TooDeep,
}

/// Width used when wrapping is off: wider than any line we will see.
const NO_WRAP: usize = 1 << 20;

/// Converts an HTML document to text under the policy's limits.
pub fn html_to_text(html: &str, policy: &Policy) -> Result<String, HtmlRejected> {
    if html.len() as u64 > policy.limits.max_html_size.bytes() {
        return Err(HtmlRejected::TooLarge);
    }
    if nesting_estimate(html.as_bytes()) > policy.limits.max_html_depth {
        return Err(HtmlRejected::TooDeep);
    }
    let width = match policy.wrap_width {
        0 => NO_WRAP,
        w => w.max(20),
    };
    let config = html2text::config::with_decorator(MailDecorator::default())
        .allow_width_overflow()
        .link_footnotes(false);
    // html2text only fails on I/O errors of the reader or impossible widths;
    // an in-memory slice has neither, but fail closed all the same.
    let text = config
        .string_from_read(html.as_bytes(), width)
        .map_err(|_| HtmlRejected::TooDeep)?;
    Ok(drop_repeated_targets(text))
}

/// `https://a.jp <https://a.jp>` (a link whose text is its own target)
/// becomes `https://a.jp`; likewise `a@b.jp <mailto:a@b.jp>`.
fn drop_repeated_targets(text: String) -> String {
    if !text.contains('<') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(['>', '\n']) else {
            break;
        };
        let target = &after[..close];
        let before = &rest[..open];
        let shown = target.strip_prefix("mailto:").unwrap_or(target);
        let trimmed = before.trim_end_matches([' ', '\n']);
        let repeated = after[close..].starts_with('>')
            && !target.is_empty()
            && trimmed.len() < before.len()
            && (trimmed.ends_with(target) || trimmed.ends_with(shown));
        if repeated {
            out.push_str(trimmed);
            rest = &after[close + 1..];
        } else {
            out.push_str(&rest[..open + 1]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

const VOID_OR_SELF_CLOSING: &[&[u8]] = &[
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"tr",
    b"td",
    b"th",
    b"option",
    b"optgroup",
    b"tbody",
    b"thead",
    b"tfoot",
    b"colgroup",
    b"rb",
    b"rt",
    b"rp",
];

/// HTML elements that leave SVG or MathML content when they start
/// (HTML's "breakout" tags): inside `<svg>` they open as HTML elements.
const BREAKOUT: &[&[u8]] = &[
    b"b",
    b"big",
    b"blockquote",
    b"body",
    b"br",
    b"center",
    b"code",
    b"dd",
    b"div",
    b"dl",
    b"dt",
    b"em",
    b"embed",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"head",
    b"hr",
    b"i",
    b"img",
    b"li",
    b"listing",
    b"menu",
    b"meta",
    b"nobr",
    b"ol",
    b"p",
    b"pre",
    b"ruby",
    b"s",
    b"small",
    b"span",
    b"strong",
    b"strike",
    b"sub",
    b"sup",
    b"table",
    b"tt",
    b"u",
    b"ul",
    b"var",
    b"font",
];

/// An upper-bound estimate of element nesting, counted the way the tree
/// builder opens elements: open tags that need an explicit close, minus
/// close tags. A self-closing slash counts only where HTML honours it:
/// on void elements, and on SVG/MathML elements inside `<svg>`/`<math>`;
/// `<div/>` opens a div (a million of them nest a million deep).
/// Cheap (one scan) and conservative.
pub fn nesting_estimate(html: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    // Open <svg>/<math> elements: foreign content honours `/>`.
    let mut foreign = 0usize;
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'<', &html[i..]) {
        i += p + 1;
        let rest = &html[i..];
        if rest.starts_with(b"!--") {
            i += memchr::memmem::find(rest, b"-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
        let foreign_root = name == b"svg" || name == b"math";
        if closing {
            depth = depth.saturating_sub(1);
            if foreign_root {
                foreign = foreign.saturating_sub(1);
            }
            continue;
        }
        let tag_end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        let self_closed = tag_end > 0 && rest[tag_end - 1] == b'/';
        let name = name.as_slice();
        // `<svg/>` itself is a foreign element: closed at once, it opens
        // no foreign content for what follows.
        let honoured = self_closed && (foreign_root || (foreign > 0 && !BREAKOUT.contains(&name)));
        if !honoured && !VOID_OR_SELF_CLOSING.contains(&name) {
            depth += 1;
            max = max.max(depth);
            if foreign_root {
                foreign += 1;
            }
        }
    }
    max
}

/// Plain-text decoration for mail: no markdown marks, links as
/// `text <target>`, images as their alt text only.
#[derive(Debug, Default, Clone)]
struct MailDecorator {
    links: Vec<String>,
}

impl TextDecorator for MailDecorator {
    type Annotation = ();

    fn decorate_link_start(&mut self, url: &str) -> (String, ()) {
        self.links.push(url.trim().to_string());
        (String::new(), ())
    }

    fn decorate_link_end(&mut self) -> String {
        match self.links.pop() {
            Some(url) if shows_target(&url) => format!(" <{url}>"),
            _ => String::new(),
        }
    }

    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_em_end(&self) -> String {
        String::new()
    }
    fn decorate_strong_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strong_end(&self) -> String {
        String::new()
    }
    fn decorate_strikeout_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }
    fn decorate_code_start(&self) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_code_end(&self) -> String {
        String::new()
    }
    fn decorate_preformat_first(&self) {}
    fn decorate_preformat_cont(&self) {}

    fn decorate_image(&mut self, _src: &str, title: &str) -> (String, ()) {
        let title = title.trim();
        if title.is_empty() {
            (String::new(), ())
        } else {
            (format!("[{title}]"), ())
        }
    }

    fn header_prefix(&self, _level: usize) -> String {
        String::new()
    }
    fn quote_prefix(&self) -> String {
        "| ".to_string()
    }
    fn unordered_item_prefix(&self) -> String {
        "・".to_string()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }

    fn make_subblock_decorator(&self) -> Self {
        MailDecorator::default()
    }

    fn finalise(&mut self, _links: Vec<String>) -> Vec<TaggedLine<()>> {
        Vec::new()
    }
}

/// Only targets a reader can use are shown; `#anchors` and scripts are not.
fn shows_target(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    !(url.is_empty()
        || url.starts_with('#')
        || lower.starts_with("javascript:")
        || lower.starts_with("vbscript:")
        || lower.starts_with("data:")
        || url.len() > 2048)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(html: &str) -> String {
        html_to_text(html, &Policy::default()).unwrap()
    }

    #[test]
    fn scripts_styles_and_head_never_appear() {
        let text = convert(
            "<html><head><title>SECRET-TITLE</title><style>.x{color:red}</style>\
             <script>alert('x')</script></head><body><p>本文です</p>\
             <script>document.write('evil')</script><noscript></noscript></body></html>",
        );
        assert!(text.contains("本文です"), "{text}");
        for hidden in ["SECRET-TITLE", "color:red", "alert", "evil"] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
    }

    #[test]
    fn links_show_text_and_target_and_images_vanish() {
        let text = convert(
            "<p>詳細は<a href=\"https://example.jp/a\">こちら</a>。\
             <a href=\"#top\">上へ</a><img src=\"https://t.example/p.gif\" width=1>\
             <img src=\"x.png\" alt=\"ロゴ\"></p>",
        );
        assert!(text.contains("こちら <https://example.jp/a>"), "{text}");
        assert!(text.contains("上へ") && !text.contains("#top"), "{text}");
        assert!(!text.contains("t.example"), "{text}");
    }

    #[test]
    fn a_link_showing_its_own_target_is_not_repeated() {
        let text = convert(
            "<p><a href=\"https://example.jp/a\">https://example.jp/a</a> \
             <a href=\"mailto:k@example.jp\">k@example.jp</a> <a href=\"https://b.jp\">B</a></p>",
        );
        assert_eq!(
            text.trim(),
            "https://example.jp/a k@example.jp B <https://b.jp>"
        );
    }

    #[test]
    fn lists_tables_and_paragraphs_stay_readable() {
        let text = convert(
            "<p>一</p><p>二</p><ul><li>りんご</li><li>みかん</li></ul>\
             <table><tr><td>品名</td><td>数量</td></tr><tr><td>紙</td><td>10</td></tr></table>",
        );
        assert!(text.contains("・りんご\n・みかん"), "{text}");
        let table_line = text.lines().find(|l| l.contains("品名")).unwrap();
        assert!(table_line.contains("数量"), "{text}");
    }

    #[test]
    fn japanese_wraps_by_display_width_without_splitting_characters() {
        let long = "あ".repeat(100);
        let text = convert(&format!("<p>{long}</p>"));
        for line in text.lines() {
            assert!(unicode_width::UnicodeWidthStr::width(line) <= 76, "{line}");
        }
        assert_eq!(text.replace('\n', ""), long);
        let unwrapped = html_to_text(
            &format!("<p>{long}</p>"),
            &Policy {
                wrap_width: 0,
                ..Policy::default()
            },
        )
        .unwrap();
        assert_eq!(unwrapped.trim_end(), long);
    }

    #[test]
    fn limits_reject_before_converting() {
        let deep = "<div>".repeat(5000);
        assert_eq!(
            html_to_text(&deep, &Policy::default()),
            Err(HtmlRejected::TooDeep)
        );
        let mut policy = Policy::default();
        policy.limits.max_html_size = crate::policy::ByteSize(10);
        assert_eq!(
            html_to_text("<p>0123456789</p>", &policy),
            Err(HtmlRejected::TooLarge)
        );
        assert_eq!(
            nesting_estimate(b"<p>a<p>b<br><img/><!-- <div> --><div></div>"),
            1
        );
        // `<div/>` opens a div: the tree builder ignores the slash.
        let self_closed = "<div/>".repeat(5000);
        assert!(nesting_estimate(self_closed.as_bytes()) >= 5000);
        assert_eq!(
            html_to_text(&self_closed, &Policy::default()),
            Err(HtmlRejected::TooDeep)
        );
        // Inside SVG the slash counts, except on HTML elements.
        let icon = format!("<svg>{}</svg>", "<path d=\"M0\"/>".repeat(5000));
        assert_eq!(nesting_estimate(icon.as_bytes()), 1);
        let breakout = format!("<svg>{}</svg>", "<div/>".repeat(5000));
        assert!(nesting_estimate(breakout.as_bytes()) >= 5000);
        let closed_svg = format!("<svg/>{}", "<x/>".repeat(5000));
        assert!(nesting_estimate(closed_svg.as_bytes()) >= 5000);
    }
}
