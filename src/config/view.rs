//! `[view]`: 画面で見る, each original part shown as pictures on the
//! request page and the message page, drawn by Chromium (HTML) and
//! LibreOffice (Office, ODF) in a jail, and by the converters (PDF,
//! images).

use serde::{Deserialize, Serialize};

use crate::units::{ByteSize, Seconds};

/// `[view]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViewConfig {
    /// Offer 画面で見る at all.
    pub enabled: bool,
    /// The browser's viewport width for an HTML body, in pixels.
    pub width: u32,
    /// The tallest HTML page drawn; below it is cut off.
    pub max_height: u32,
    /// Pictures are cut into pieces this tall.
    pub piece_height: u32,
    /// Pages drawn of a PDF or an Office document.
    pub max_pages: u32,
    /// A renderer that takes longer is killed.
    pub time_limit: Seconds,
    /// CPU time of each renderer process.
    pub cpu_limit: Seconds,
    /// Data memory of each renderer process (RLIMIT_DATA).
    pub memory_limit: ByteSize,
}

impl Default for ViewConfig {
    fn default() -> Self {
        ViewConfig {
            enabled: true,
            width: 1024,
            max_height: 8192,
            piece_height: 1600,
            max_pages: 30,
            time_limit: Seconds(60),
            cpu_limit: Seconds(60),
            memory_limit: ByteSize(6 << 30),
        }
    }
}

impl ViewConfig {
    pub(crate) fn problems(&self, out: &mut Vec<String>) {
        for (name, value, low, high) in [
            ("width", self.width, 320, 4096),
            ("max_height", self.max_height, 480, 32_768),
            ("piece_height", self.piece_height, 256, 8192),
            ("max_pages", self.max_pages, 1, 500),
        ] {
            if !(low..=high).contains(&value) {
                out.push(format!(
                    "view.{name} = {value} must be from {low} to {high}"
                ));
            }
        }
        if self.time_limit.0 == 0 || self.cpu_limit.0 == 0 {
            out.push("view.time_limit and view.cpu_limit must be longer than 0".into());
        }
    }
}
