//! `TextWriter`: the one writer every text mugai writes goes through: the
//! body, converted text attachments, calendar summaries, decoded display
//! headers ([`header_text`]), notices and postmaster reports.
//!
//! Text is taken a whole line at a time, however callers split it, so a
//! link is never cut by a write boundary. Each line is cleaned first
//! (invisible and control characters removed, see `clean`), then links
//! are found on the folded view and rewritten by the link policy, then the
//! line is written: CRLF line ends (CR, LF, CRLF, U+2028 and U+2029 all
//! end a line), quote prefixes for forwarded messages, and `<script`
//! written as `＜script` so no output carries a script tag. Nothing is
//! removed after detection.

use std::borrow::Cow;

use super::clean::{View, clean, quick_scan};
use super::links::{self, Edit, Mark};
use crate::policy::{Language, LinkMode};

/// Accumulates output text, one block per body part.
pub struct TextWriter {
    out: String,
    /// The start of a line whose end has not been written yet.
    pending: String,
    /// The last write ended in CR: an LF opening the next one is its pair.
    after_cr: bool,
    prefix: String,
    at_line_start: bool,
    /// The last line written was empty (or only a quote prefix).
    last_line_blank: bool,
    links: LinkMode,
    language: Language,
    links_found: usize,
    marks: Vec<Mark>,
    folded_marks: Vec<Mark>,
}

/// Where the next line end in `text` is, and how long it is.
fn next_line_end(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(p) = memchr::memchr3(b'\r', b'\n', 0xe2, &bytes[from..]) {
        let at = from + p;
        match bytes[at] {
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => return Some((at, 2)),
            b'\r' | b'\n' => return Some((at, 1)),
            // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
            _ if bytes.get(at + 1) == Some(&0x80)
                && matches!(bytes.get(at + 2), Some(0xa8 | 0xa9)) =>
            {
                return Some((at, 3));
            }
            _ => from = at + 1,
        }
    }
    None
}

impl TextWriter {
    pub fn new(links: LinkMode, language: Language, capacity: usize) -> TextWriter {
        TextWriter {
            out: String::with_capacity(capacity),
            pending: String::new(),
            after_cr: false,
            prefix: String::new(),
            at_line_start: true,
            last_line_blank: true,
            links,
            language,
            links_found: 0,
            marks: Vec::new(),
            folded_marks: Vec::new(),
        }
    }

    pub fn into_string(self) -> String {
        self.finish().0
    }

    /// The text written and how many links were found in it (defanged or
    /// removed, per the policy).
    pub fn finish(mut self) -> (String, usize) {
        self.flush_pending();
        (self.out, self.links_found)
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
        self.flush_pending();
        if self.out.is_empty() {
            return;
        }
        self.ensure_line_start();
        if !self.last_line_blank {
            self.newline();
        }
    }

    /// Writes text, trimmed of trailing blank lines, ending its last line.
    pub fn write_block(&mut self, text: &str) {
        let text = text.trim_end_matches(['\r', '\n', ' ', '\t', '\u{3000}']);
        let text = text.trim_start_matches(['\r', '\n']);
        self.write(text);
        self.ensure_line_start();
    }

    /// Writes text; a line is rewritten once its end (or the end of the
    /// block) is known.
    pub fn write(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut rest = text;
        if std::mem::take(&mut self.after_cr) && rest.starts_with('\n') {
            rest = &rest[1..];
        }
        while let Some((at, len)) = next_line_end(rest) {
            if self.pending.is_empty() {
                self.line(&rest[..at]);
            } else {
                let mut line = std::mem::take(&mut self.pending);
                line.push_str(&rest[..at]);
                self.line(&line);
                line.clear();
                self.pending = line;
            }
            self.newline();
            if len == 1 && rest.as_bytes()[at] == b'\r' && at + 1 == rest.len() {
                self.after_cr = true;
            }
            rest = &rest[at + len..];
        }
        self.pending.push_str(rest);
    }

    fn flush_pending(&mut self) {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.line(&line);
        }
    }

    fn ensure_line_start(&mut self) {
        self.flush_pending();
        if !self.at_line_start {
            self.newline();
        }
    }

    /// One line (no line end in it): clean, find links, write. Links are
    /// looked for in the line as it is and, when look-alikes fold to
    /// ASCII, in the folded view too: a client may read either.
    fn line(&mut self, raw: &str) {
        // One quick look serves both steps for ordinary Japanese lines.
        let scan = quick_scan(raw);
        let line = if scan.is_some() {
            Cow::Borrowed(raw)
        } else {
            clean(raw)
        };
        let view = View::with_scan(&line, scan);
        let mut marks = std::mem::take(&mut self.marks);
        marks.clear();
        let mut found = links::find(&line, self.links, &mut marks);
        if view.is_folded() {
            let mut folded = std::mem::take(&mut self.folded_marks);
            folded.clear();
            found = found.max(links::find(&view.text, self.links, &mut folded));
            for mark in &folded {
                let (start, end) = view.range(&line, mark.start, mark.end);
                marks.push(Mark {
                    start,
                    end,
                    ..*mark
                });
            }
            self.folded_marks = folded;
            links::merge(&mut marks);
        }
        self.links_found += found;
        let mut cursor = 0;
        for mark in &marks {
            let start = mark.start.max(cursor);
            let end = mark.end.max(start);
            self.emit_text(&line[cursor..start]);
            match mark.edit {
                Edit::Bracket => {
                    self.emit("[");
                    self.emit(&line[start..end]);
                    self.emit("]");
                }
                Edit::Replace(s) => self.emit(s),
                Edit::Remove => self.emit(match self.language {
                    Language::Ja => "[URL削除]",
                    Language::En => "[URL removed]",
                }),
            }
            cursor = end;
        }
        self.emit_text(&line[cursor..]);
        self.marks = marks;
    }

    /// Writes text that is not a link, with `<script` neutralised.
    fn emit_text(&mut self, text: &str) {
        let mut rest = text;
        while let Some(p) = memchr::memchr(b'<', rest.as_bytes()) {
            let tag = rest
                .as_bytes()
                .get(p + 1..p + 7)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"script"));
            if tag {
                self.emit(&rest[..p]);
                self.emit("＜");
            } else {
                self.emit(&rest[..=p]);
            }
            rest = &rest[p + 1..];
        }
        self.emit(rest);
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
}

/// A decoded header value (Subject, a display name) as one line through
/// the writer: line ends and tabs become spaces, invisible characters go,
/// links are rewritten readably. Returns the text and the links found.
pub fn header_text(text: &str, links: LinkMode, language: Language) -> (String, usize) {
    let one_line: String = text
        .chars()
        .map(|c| match c {
            '\r' | '\n' | '\t' | '\u{2028}' | '\u{2029}' => ' ',
            c => c,
        })
        .collect();
    let mut writer = TextWriter::new(links, language, one_line.len() + 16);
    writer.write(&one_line);
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mode: LinkMode, text: &str) -> String {
        let mut w = TextWriter::new(mode, Language::Ja, 0);
        w.write(text);
        w.into_string()
    }

    #[test]
    fn invisible_characters_cannot_hide_a_link() {
        for hidden in [
            "https\u{feff}://evil.example/x",
            "ht\u{200b}tps://evil.example/x",
            "https:/\u{ad}/evil.example/x",
            "https\u{85}://evil.example/x",
            "https\u{202e}://evil.example/x",
            "https\u{7f}://evil.example/x",
            "https\u{1b}://evil.example/x",
            "https:/\u{2060}/evil\u{200d}.example/x",
        ] {
            assert_eq!(
                run(LinkMode::Defang, hidden),
                "hxxps[:]//evil[.]example/x",
                "{hidden:?}"
            );
        }
        assert_eq!(
            run(LinkMode::Defang, "ww\u{200b}w.evil.example"),
            "www[.]evil[.]example"
        );
    }

    #[test]
    fn fullwidth_links_are_found_and_keep_their_characters() {
        assert_eq!(
            run(
                LinkMode::Defang,
                "ｈｔｔｐｓ：／／ｅｖｉｌ．ｅｘａｍｐｌｅ／ｘ"
            ),
            "hxxps[：]／／ｅｖｉｌ[．]ｅｘａｍｐｌｅ／ｘ"
        );
        assert_eq!(
            run(LinkMode::Defang, "ｗｗｗ．ｅｖｉｌ．ｅｘａｍｐｌｅ"),
            "ｗｗｗ[．]ｅｖｉｌ[．]ｅｘａｍｐｌｅ"
        );
        assert_eq!(
            run(LinkMode::Defang, "https://例え。テスト/"),
            "hxxps[:]//例え[。]テスト/"
        );
        let japanese = "電話は０３－１２３４－５６７８、担当はｶﾀｶﾅです。ＡＢＣ１２３。";
        assert_eq!(run(LinkMode::Defang, japanese), japanese);
    }

    #[test]
    fn a_link_split_over_writes_is_still_one_link() {
        let mut w = TextWriter::new(LinkMode::Defang, Language::Ja, 0);
        w.write("see htt");
        w.write("ps://evil");
        w.write(".example/x\r");
        w.write("\nnext");
        assert_eq!(w.into_string(), "see hxxps[:]//evil[.]example/x\r\nnext");
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
        let mut w = TextWriter::new(LinkMode::Remove, Language::En, 0);
        w.write("www.a.jp");
        assert_eq!(w.into_string(), "[URL removed]");
    }

    #[test]
    fn line_ends_controls_and_script() {
        assert_eq!(
            run(LinkMode::Keep, "a\r\nb\rc\nd\u{2028}e"),
            "a\r\nb\r\nc\r\nd\r\ne"
        );
        assert_eq!(
            run(LinkMode::Keep, "a\u{1b}$Bb\u{0}c\u{85}d\u{202e}e\u{feff}f"),
            "a$Bbcdef"
        );
        assert_eq!(run(LinkMode::Keep, "x<SCRIPT>y"), "x＜SCRIPT>y");
    }

    #[test]
    fn quoting_prefixes_each_line() {
        let mut w = TextWriter::new(LinkMode::Keep, Language::Ja, 0);
        w.write_block("top");
        w.begin_quote();
        w.write_block("a\n\nb");
        w.end_quote();
        w.write_block("after");
        assert_eq!(w.into_string(), "top\r\n> a\r\n>\r\n> b\r\nafter\r\n");
    }

    #[test]
    fn header_text_is_one_defanged_line() {
        assert_eq!(
            header_text(
                "請求書\r\n https://evil.example/x\t",
                LinkMode::Defang,
                Language::Ja
            ),
            ("請求書   hxxps[:]//evil[.]example/x ".to_string(), 1)
        );
    }
}
