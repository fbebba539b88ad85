//! Finds the password a PPAP sender mails after the locked file:
//! 「パスワード：Xk7#mP2q」, "PW: abc123", 「解凍パスワードは『Tk9$2wqa』です。」,
//! "【パスワード】 8hG2kqP1". Read from the sanitized text (already
//! cleaned of invisible characters by the one writer), each line folded
//! to NFKC first so full-width letters and colons read as ASCII. Only
//! tried as a guess on the sender's earlier locked file: a wrong
//! candidate opens nothing, so the finder prefers to offer too much over
//! too little, within a few candidates a mail.

use unicode_normalization::UnicodeNormalization;

/// Most candidates taken from one mail.
const MAX_CANDIDATES: usize = 3;
/// Shortest and longest password taken.
const MIN_LEN: usize = 4;
const MAX_LEN: usize = 64;

/// What a password line starts with (lower-case, after NFKC).
const LABELS: &[&str] = &[
    "パスワード",
    "暗証番号",
    "password",
    "passwd",
    "pass",
    "pwd",
    "pw",
];

/// Between the label and the password: at least one of `SEPARATORS`,
/// among `FILLERS`.
const SEPARATORS: &[char] = &[':', '=', 'は', '】', ']', '」', '』', '>', '≫'];
const FILLERS: &[char] = &[
    ' ', '\t', '「', '『', '"', '\'', '(', '[', '【', '<', '≪', '→', '-',
];
/// Around a password, never part of it.
const ENCLOSERS: &[char] = &[
    '「', '」', '『', '』', '"', '\'', '(', ')', '[', ']', '【', '】', '<', '>', '。', '、', ',',
    '.',
];

/// The password candidates in `text`, in order, without duplicates.
pub fn candidates(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in text.lines() {
        if found.len() >= MAX_CANDIDATES {
            break;
        }
        // Passwords are case-sensitive: the label is found in the
        // lower-case line, the password read from the line as written.
        let original: String = line.nfkc().collect();
        let lower = original.to_lowercase();
        if let Some(candidate) = in_line(&lower, &original)
            && !found.contains(&candidate)
        {
            found.push(candidate);
        }
    }
    found
}

/// The password on one line: `lower` finds the label, `original` (the
/// same line, same length in chars) gives the password's own case.
fn in_line(lower: &str, original: &str) -> Option<String> {
    let lower_chars: Vec<char> = lower.chars().collect();
    let original_chars: Vec<char> = original.chars().collect();
    if lower_chars.len() != original_chars.len() {
        return None;
    }
    for label in LABELS {
        let label: Vec<char> = label.chars().collect();
        let mut from = 0;
        while let Some(at) = find(&lower_chars[from..], &label).map(|i| i + from) {
            from = at + label.len();
            // "pass" inside "passport" or "bypass" is no label.
            let ascii_label = label[0].is_ascii_alphabetic();
            let before = at.checked_sub(1).map(|i| lower_chars[i]);
            if ascii_label && before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            if let Some(candidate) = after_label(&lower_chars, &original_chars, from) {
                return Some(candidate);
            }
        }
    }
    None
}

fn find(haystack: &[char], needle: &[char]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The password after a label ending at `start`, if a separator follows.
fn after_label(lower: &[char], original: &[char], start: usize) -> Option<String> {
    let mut i = start;
    // "password" may be followed by its own word ending ("パスワードは").
    let mut separated = false;
    while let Some(&c) = lower.get(i) {
        if SEPARATORS.contains(&c) {
            separated = true;
        } else if !FILLERS.contains(&c) {
            break;
        }
        i += 1;
    }
    if !separated {
        return None;
    }
    let end = (i..original.len())
        .find(|&j| original[j].is_whitespace())
        .unwrap_or(original.len());
    let word: String = original[i..end].iter().collect();
    let word = word.trim_matches(ENCLOSERS);
    // "です" and other words after the password are not part of it.
    let word: String = word.chars().take_while(|c| c.is_ascii_graphic()).collect();
    let word = word.trim_matches(ENCLOSERS);
    let fits = (MIN_LEN..=MAX_LEN).contains(&word.len())
        && word.chars().any(|c| c.is_ascii_alphanumeric());
    fits.then(|| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_password_lines_give_their_password() {
        for (text, want) in [
            ("パスワード：Xk7#mP2q", "Xk7#mP2q"),
            ("パスワード: Xk7#mP2q\r\n", "Xk7#mP2q"),
            ("ＰＷ：ａｂｃ１２３", "abc123"),
            ("PW: abc123", "abc123"),
            ("Password = s3cret!Q", "s3cret!Q"),
            ("解凍パスワードは「Tk9$2wqa」です。", "Tk9$2wqa"),
            ("【パスワード】 8hG2kqP1", "8hG2kqP1"),
            ("先ほどのファイルのパスワードは Hy7u-Kp2 です", "Hy7u-Kp2"),
            ("[Password] Mitsumori#2026", "Mitsumori#2026"),
            (
                "お世話になっております。\n見積書.zipのパスワード\n：Qz8*Lm3n",
                "",
            ),
        ] {
            let got = candidates(text);
            if want.is_empty() {
                assert!(got.is_empty(), "{text:?}: {got:?}");
            } else {
                assert_eq!(got, [want], "{text:?}");
            }
        }
    }

    #[test]
    fn lines_that_only_mention_a_password_give_none() {
        for text in [
            "パスワード付きのファイルをお送りします。",
            "パスワードは別途お送りします。",
            "passport number: AB1234567",
            "bypass: none",
            "PW:ab",
            "パスワード：",
        ] {
            assert!(
                candidates(text).is_empty(),
                "{text:?}: {:?}",
                candidates(text)
            );
        }
    }

    #[test]
    fn a_mail_gives_a_few_candidates_at_most() {
        let text = (0..10)
            .map(|i| format!("PW: candidate{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(candidates(&text).len(), MAX_CANDIDATES);
        assert_eq!(candidates("PW: same1\nPW: same1").len(), 1);
    }
}
