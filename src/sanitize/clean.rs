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

/// Characters removed wherever they are.
fn always_removed(c: char) -> bool {
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
    line.bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\t')
}

/// `line` (no line ends in it) without the characters above.
pub fn clean(line: &str) -> Cow<'_, str> {
    if plain_ascii(line) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut previous_non_ascii = false;
    for c in line.chars() {
        if always_removed(c) || (context_kept(c) && !previous_non_ascii) {
            continue;
        }
        out.push(c);
        if !context_kept(c) {
            previous_non_ascii = !c.is_ascii();
        }
    }
    if out.len() == line.len() {
        Cow::Borrowed(line)
    } else {
        Cow::Owned(out)
    }
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
    if c.is_ascii() || never_folds(c) {
        return Folded::Same;
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
    pub fn new(line: &'a str) -> View<'a> {
        let identity = View {
            text: Cow::Borrowed(line),
            map: None,
            line_len: line.len(),
        };
        if line.is_ascii() {
            return identity;
        }
        let changes = line.chars().any(|c| !matches!(fold(c), Folded::Same));
        if !changes {
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
