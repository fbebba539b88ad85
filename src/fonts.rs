//! The CJK fallback font for PDF rendering, read from the path in
//! `[sanitize.attachments] cjk_font` or from the usual system locations
//! (Debian's fonts-ipaexfont-gothic, fonts-noto-cjk, fonts-ipafont, and
//! the fonts-japanese-gothic alternative). Loaded once at start-up and
//! handed to the core inside the policy, which itself never reads files.

use std::path::Path;
use std::sync::Arc;

use crate::policy::FontFile;

/// Font files tried in order when none is configured: path and the index
/// of the Japanese face in a collection.
pub const SYSTEM_CJK_FONTS: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", 0),
    ("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", 0),
    ("/usr/share/fonts/truetype/ipafont-gothic/ipag.ttf", 0),
];

/// Reads the configured font (an error if it cannot be read), or the
/// first system font found (`None` if there is none).
pub fn load_cjk(configured: &str) -> Result<Option<FontFile>, String> {
    if !configured.trim().is_empty() {
        let path = Path::new(configured.trim());
        let bytes = std::fs::read(path)
            .map_err(|e| format!("sanitize.attachments.cjk_font {}: {e}", path.display()))?;
        if !looks_like_font(&bytes) {
            return Err(format!(
                "sanitize.attachments.cjk_font {} is not a TrueType/OpenType font",
                path.display()
            ));
        }
        return Ok(Some((Arc::new(bytes), 0)));
    }
    for (path, index) in SYSTEM_CJK_FONTS {
        if let Ok(bytes) = std::fs::read(path)
            && looks_like_font(&bytes)
        {
            return Ok(Some((Arc::new(bytes), *index)));
        }
    }
    Ok(None)
}

fn looks_like_font(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..4),
        Some([0, 1, 0, 0] | b"OTTO" | b"ttcf" | b"true")
    )
}
