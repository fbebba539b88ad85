//! The first two steps of writing any text: remove what a reader cannot
//! see, then build the view that link detection reads.
//!
//! Removal comes first so that removing a character can never create a
//! link after detection ran (`https<U+FEFF>://evil.example` must be found
//! as the link it becomes). Removed: C0 controls but TAB (line ends are
//! the writer's), DEL, C1 controls, and the invisible format characters
//! (zero-width spaces and joiners, bidi marks, embeddings, overrides and
//! isolates, soft hyphen, word joiner, BOM, fillers, tags, variation
//! selectors, interlinear annotation marks). Joiners, variation selectors
//! and tags are content after a non-ASCII character (emoji sequences,
//! 異体字 selectors for names), so there they stay; after ASCII they can
//! only hide something and go.
//!
//! The view maps look-alikes to ASCII for detection only: fullwidth forms
//! (`ｈｔｔｐｓ：／／`), the ideographic full stops IDNA reads as dots
//! (`。` `｡` `．`), and anything whose compatibility decomposition is
//! all ASCII (`𝐡`, `ⓗ`, `㎞`); joiners kept above and combining marks on ASCII
//! letters vanish from it. The delivered text keeps its own characters:
//! fullwidth digits and kana are content, not an attack.

use std::borrow::Cow;

use unicode_normalization::char::decompose_compatible;

/// Printable ASCII, Japanese punctuation and kana, CJK ideographs: most
/// of the text mugai sees, none of it removed or folded. Checked first so
/// that the full tables below are consulted only for the rest.
fn common(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{3001}' | '\u{3003}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}')
}

/// Characters removed wherever they are.
fn always_removed(c: char) -> bool {
    !common(c) && always_removed_table(c)
}

fn always_removed_table(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{b}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'            // soft hyphen
        | '\u{34f}'           // combining grapheme joiner
        | '\u{61c}'           // arabic letter mark
        | '\u{115f}' | '\u{1160}' // hangul fillers
        | '\u{17b4}' | '\u{17b5}' // khmer invisible vowels
        | '\u{180b}'..='\u{180f}' // mongolian selectors, vowel separator
        | '\u{200b}'          // zero-width space
        | '\u{200e}' | '\u{200f}' // LRM, RLM
        | '\u{202a}'..='\u{202e}' // embeddings and overrides
        | '\u{2060}'..='\u{206f}' // word joiner, invisible operators, isolates
        | '\u{3164}'          // hangul filler
        | '\u{feff}'          // BOM, zero-width no-break space
        | '\u{ffa0}'          // halfwidth hangul filler
        | '\u{fff0}'..='\u{fffb}' // interlinear annotation marks
        | '\u{1bca0}'..='\u{1bca3}' // shorthand format controls
        | '\u{1d173}'..='\u{1d17a}' // musical format controls
        | '\u{e0000}'..='\u{e001f}' // language tag, unassigned tags
    )
}

/// Characters that are content after a non-ASCII character only.
fn context_kept(c: char) -> bool {
    matches!(c,
        '\u{200c}' | '\u{200d}'          // ZWNJ, ZWJ (emoji sequences)
        | '\u{fe00}'..='\u{fe0f}'        // variation selectors
        | '\u{e0020}'..='\u{e007f}'      // tags (flag sequences)
        | '\u{e0100}'..='\u{e01ef}'      // ideographic variation selectors
    )
}

/// True for every character this module may remove (for names and
/// addresses, which have no use for any of them).
pub fn is_invisible(c: char) -> bool {
    always_removed(c) || context_kept(c)
}

/// True when `line` needs no cleaning: printable ASCII and TAB only.
fn plain_ascii(line: &str) -> bool {
    line.is_ascii() && !has_ascii_controls(line.as_bytes())
}

/// A C0 control but TAB, or DEL, in ASCII bytes. No early exit, so the
/// loop runs many bytes at a time.
fn has_ascii_controls(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &b| {
        found | ((b < 0x20) & (b != b'\t')) | (b == 0x7f)
    })
}

/// A byte-level look at a line of ordinary Japanese text (ASCII, kana,
/// ideographs, Japanese punctuation): `None` when it has anything else
/// (then the character tables decide), otherwise whether the folded view
/// is needed: `。` beside an ASCII letter or digit, or in a line with a
/// link's punctuation. Nothing such a line holds is removed.
pub fn quick_scan(line: &str) -> Option<bool> {
    let b = line.as_bytes();
    // The common case, many bytes at a time: ASCII has no `。`.
    if line.is_ascii() {
        return (!has_ascii_controls(b)).then_some(false);
    }
    let (mut i, mut link_signs, mut dot, mut dot_near_ascii) = (0, false, false, false);
    let alnum = |at: usize| b.get(at).is_some_and(u8::is_ascii_alphanumeric);
    while i < b.len() {
        match b[i] {
            b'\t' | b' '..=b'~' => {
                link_signs |= matches!(b[i], b':' | b'/' | b'\\');
                i += 1;
            }
            0xe3 => {
                let (b1, b2) = (*b.get(i + 1)?, *b.get(i + 2)?);
                match (b1, b2) {
                    // U+3002 IDEOGRAPHIC FULL STOP: a dot to IDNA.
                    (0x80, 0x82) => {
                        dot = true;
                        dot_near_ascii |= (i > 0 && alnum(i - 1)) || alnum(i + 3);
                    }
                    // U+3000..U+30FF (the space folds to a space: harmless)
                    (0x80..=0x83, _) => {}
                    // U+3400..U+3FFF
                    (0x90..=0xbf, _) => {}
                    _ => return None,
                }
                i += 3;
            }
            // U+4000..U+9FFF
            0xe4..=0xe9 => i += 3,
            _ => return None,
        }
    }
    Some(dot_near_ascii || (dot && link_signs))
}

/// `line` (no line ends in it) without the characters above.
pub fn clean(line: &str) -> Cow<'_, str> {
    if plain_ascii(line) || quick_scan(line).is_some() {
        return Cow::Borrowed(line);
    }
    // Most lines have nothing to remove: find the first such character
    // before allocating.
    let removed = |c: char, previous_non_ascii: bool| {
        !common(c) && (always_removed_table(c) || (context_kept(c) && !previous_non_ascii))
    };
    let mut previous_non_ascii = false;
    let mut first = None;
    for (at, c) in line.char_indices() {
        if removed(c, previous_non_ascii) {
            first = Some(at);
            break;
        }
        if !context_kept(c) {
            previous_non_ascii = !c.is_ascii();
        }
    }
    let Some(first) = first else {
        return Cow::Borrowed(line);
    };
    let mut out = String::with_capacity(line.len());
    out.push_str(&line[..first]);
    for c in line[first..].chars() {
        if removed(c, previous_non_ascii) {
            continue;
        }
        out.push(c);
        if !context_kept(c) {
            previous_non_ascii = !c.is_ascii();
        }
    }
    Cow::Owned(out)
}

/// What a character is in the view.
enum Folded {
    Same,
    Ascii(char),
    Expanded(String),
}

/// Characters no decomposition turns into ASCII: skip the table lookup.
fn never_folds(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // kana
        | '\u{3400}'..='\u{4dbf}' // CJK extension A
        | '\u{4e00}'..='\u{9fff}' // CJK ideographs
        | '\u{ac00}'..='\u{d7af}' // hangul syllables
    )
}

fn fold(c: char) -> Folded {
    if c.is_ascii() || common(c) || never_folds(c) {
        return Folded::Same;
    }
    // Fullwidth ASCII, without a table lookup.
    if let '\u{ff01}'..='\u{ff5e}' = c
        && let Some(ascii) = char::from_u32(c as u32 - 0xfee0)
    {
        return Folded::Ascii(ascii);
    }
    match c {
        '\u{3002}' | '\u{ff61}' | '\u{ff0e}' => return Folded::Ascii('.'),
        // A joiner or selector kept after non-ASCII text separates words
        // in the view, as it does for a client that does not join them.
        _ if context_kept(c) => return Folded::Ascii(' '),
        _ => {}
    }
    let mut ascii = String::new();
    let mut other = false;
    // Only what becomes ASCII as a whole: `À` stays a letter of its own
    // (to a client it is one, and a word boundary for an ASCII one).
    decompose_compatible(c, |d| {
        if d.is_ascii() {
            ascii.push(d);
        } else {
            other = true;
        }
    });
    if other || ascii.is_empty() {
        return Folded::Same;
    }
    let mut chars = ascii.chars();
    match (chars.next(), chars.next()) {
        (Some(one), None) => Folded::Ascii(one),
        _ => Folded::Expanded(ascii),
    }
}

/// True when folding `line` could show a link the line itself does not:
/// a letter, digit or sign that folds to ASCII. A fold to a space (the
/// ideographic space, a kept joiner) only separates words, which the
/// line's own non-ASCII character does already; a fold to punctuation
/// (`。` → `.`, `：` → `:`) matters only beside an ASCII letter or digit
/// (beside a fullwidth one, that one already counts), or in a line with
/// ASCII `:`, `/` or `\` (an IDN host after `https://`). So an ordinary
/// Japanese line, full of `。` and `、`, needs no view.
fn needs_view(line: &str) -> bool {
    // A line that already has a scheme's or a path's punctuation may hold
    // a link whose host is written with `。`: every fold counts there.
    let link_signs = line.bytes().any(|b| matches!(b, b':' | b'/' | b'\\'));
    let mut previous = ' ';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let relevant = match fold(c) {
            Folded::Same => false,
            Folded::Ascii(' ') => false,
            Folded::Ascii(a) if a.is_ascii_alphanumeric() => true,
            Folded::Expanded(_) => true,
            Folded::Ascii(_) => {
                link_signs
                    || previous.is_ascii_alphanumeric()
                    || chars.peek().is_some_and(|n| n.is_ascii_alphanumeric())
            }
        };
        if relevant {
            return true;
        }
        previous = c;
    }
    false
}

/// The detection view of a cleaned line, with the way back to it.
pub struct View<'a> {
    /// The text links are detected on.
    pub text: Cow<'a, str>,
    /// For each byte of `text` (and one past the end), the offset in the
    /// cleaned line of the character it came from; `None` when the view
    /// is the line itself.
    map: Option<Vec<u32>>,
    line_len: usize,
}

impl<'a> View<'a> {
    #[cfg(test)]
    pub fn new(line: &'a str) -> View<'a> {
        View::with_scan(line, None)
    }

    /// As [`new`](Self::new), reusing a [`quick_scan`] of the line.
    pub fn with_scan(line: &'a str, scan: Option<bool>) -> View<'a> {
        let identity = View {
            text: Cow::Borrowed(line),
            map: None,
            line_len: line.len(),
        };
        if line.is_ascii() {
            return identity;
        }
        let needed = match scan {
            Some(needed) => needed,
            None => quick_scan(line).unwrap_or_else(|| needs_view(line)),
        };
        if !needed {
            return identity;
        }
        let mut text = String::with_capacity(line.len());
        let mut map = Vec::with_capacity(line.len() + 1);
        for (at, c) in line.char_indices() {
            let before = text.len();
            match fold(c) {
                Folded::Same => text.push(c),
                Folded::Ascii(a) => text.push(a),
                Folded::Expanded(s) => text.push_str(&s),
            }
            map.resize(map.len() + (text.len() - before), at as u32);
        }
        map.push(line.len() as u32);
        View {
            text: Cow::Owned(text),
            map: Some(map),
            line_len: line.len(),
        }
    }

    /// True when the view differs from the line.
    pub fn is_folded(&self) -> bool {
        self.map.is_some()
    }

    /// The cleaned line's byte range for the view's `start..end`, widened
    /// to whole characters.
    pub fn range(&self, line: &str, start: usize, end: usize) -> (usize, usize) {
        let Some(map) = &self.map else {
            return (start, end);
        };
        let from = map[start] as usize;
        let to = if end >= map.len() - 1 {
            self.line_len
        } else if end > start && map[end] == map[end - 1] {
            // `end` falls inside one character's expansion: take it whole.
            let at = map[end - 1] as usize;
            at + line[at..].chars().next().map_or(0, char::len_utf8)
        } else {
            map[end] as usize
        };
        (from, to.max(from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_control_characters_go() {
        assert_eq!(
            clean("ht\u{200b}tp\u{feff}s:\u{ad}/\u{2066}/a\u{7f}.\u{85}b\u{1b}"),
            "https://a.b"
        );
        assert_eq!(clean("ww\u{200d}w."), "www.");
        assert_eq!(clean("a\tb"), "a\tb");
    }

    #[test]
    fn joiners_and_selectors_stay_after_non_ascii() {
        // Family emoji (ZWJ sequence) and 葛 with an ideographic variation selector.
        let emoji = "\u{1f468}\u{200d}\u{1f469}";
        assert_eq!(clean(emoji), emoji);
        let name = "葛\u{e0100}城";
        assert_eq!(clean(name), name);
        assert_eq!(clean("h\u{fe0f}ttps"), "https");
    }

    #[test]
    fn the_view_folds_look_alikes_and_maps_back() {
        let line = "見てｈｔｔｐｓ：／／ｅｖｉｌ。ｅｘａｍｐｌｅ／ｘ";
        let view = View::new(line);
        assert_eq!(view.text, "見てhttps://evil.example/x");
        let colon = view.text.find(':').unwrap();
        let (a, b) = view.range(line, colon, colon + 1);
        assert_eq!(&line[a..b], "：");
        let (a, b) = view.range(line, colon - 5, view.text.len());
        assert_eq!(&line[a..b], "ｈｔｔｐｓ：／／ｅｖｉｌ。ｅｘａｍｐｌｅ／ｘ");
        assert_eq!(View::new("𝐡𝐭𝐭𝐩").text, "http");
        assert_eq!(View::new("10㎞先").text, "10km先");
        assert_eq!(View::new("ひらがなと漢字").text, "ひらがなと漢字");
        // Japanese punctuation between Japanese words needs no view.
        assert!(!View::new("本日は晴天なり。明日、\u{3000}雨。").is_folded());
        assert!(View::new("evil。com/x").is_folded());
        assert!(View::new("https：//x").is_folded());
        assert!(View::new("https://例え。テスト/").is_folded());
        assert!(View::new("例え。jp").is_folded());
        assert!(!View::new("例え。テスト").is_folded());
        // The quick look and the tables agree on what they both see.
        for line in [
            "本日は晴天なり。",
            "見積 https://a.jp。",
            "a。b",
            "\u{3000}全角空白",
            "ｶﾀｶﾅ",
        ] {
            if let Some(quick) = quick_scan(line) {
                assert_eq!(quick, needs_view(line), "{line}");
                assert!(matches!(clean(line), Cow::Borrowed(_)), "{line}");
            }
        }
    }

    #[test]
    fn an_expansion_is_taken_whole() {
        let line = "a⒈b";
        let view = View::new(line);
        assert_eq!(view.text, "a1.b");
        let (a, b) = view.range(line, 1, 2);
        assert_eq!(&line[a..b], "⒈");
        let (a, b) = view.range(line, 2, 3);
        assert_eq!(&line[a..b], "⒈");
    }
}
