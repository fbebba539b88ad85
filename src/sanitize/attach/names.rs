//! File names for what converters produce: the original's decoded name,
//! reduced to its last path component, stripped of control and
//! bidirectional-override characters, bounded in length, with the
//! extension the new content deserves.

/// A safe display/file name from an untrusted one.
pub fn clean(name: Option<&str>, fallback: &str) -> String {
    let name = name.unwrap_or_default();
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = crate::sanitize::clean::clean(last)
        .chars()
        .filter(|&c| !c.is_control())
        .take(180)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() || cleaned == ".." {
        fallback.to_string()
    } else {
        cleaned.to_string()
    }
}

/// `photo.JPG` → `photo.jpg`, `anim.gif` → `anim.png`: the last extension
/// (if it looks like one) replaced by `ext`.
pub fn replace_extension(name: Option<&str>, fallback_stem: &str, ext: &str) -> String {
    let name = clean(name, fallback_stem);
    let stem = match name.rsplit_once('.') {
        Some((stem, old))
            if !stem.is_empty()
                && (1..=5).contains(&old.len())
                && old.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            stem
        }
        _ => name.as_str(),
    };
    format!("{stem}.{ext}")
}

/// `見積書.xlsx` → `見積書.xlsx.txt`; a name already ending in `.txt` stays.
pub fn append_extension(name: Option<&str>, fallback_stem: &str, ext: &str) -> String {
    let name = clean(name, fallback_stem);
    let dotted = format!(".{ext}");
    if name.to_ascii_lowercase().ends_with(&dotted) {
        name
    } else {
        name + &dotted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_tricks() {
        assert_eq!(clean(Some("../../etc/passwd"), "x"), "passwd");
        assert_eq!(clean(Some("a\\b\\請求書.pdf"), "x"), "請求書.pdf");
        assert_eq!(clean(Some("evil\u{202e}gpj.exe"), "x"), "evilgpj.exe");
        assert_eq!(clean(Some(".."), "x"), "x");
        assert_eq!(clean(None, "attachment"), "attachment");
        assert_eq!(
            replace_extension(Some("photo.JPG"), "image", "jpg"),
            "photo.jpg"
        );
        assert_eq!(
            replace_extension(Some("anim.gif"), "image", "png"),
            "anim.png"
        );
        assert_eq!(
            replace_extension(Some("スキャン"), "image", "png"),
            "スキャン.png"
        );
        assert_eq!(
            append_extension(Some("見積書.xlsx"), "document", "txt"),
            "見積書.xlsx.txt"
        );
        assert_eq!(
            append_extension(Some("memo.TXT"), "document", "txt"),
            "memo.TXT"
        );
    }
}
