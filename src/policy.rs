//! The `Policy`: every knob the sanitization core obeys, with safe defaults.
//!
//! It is plain data (deserialised from the `[sanitize]` table of the TOML
//! file by `config`), so the core stays a pure function of bytes and policy.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What happens to links found in body text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkMode {
    /// `https://example.com/a` becomes `hxxps://example[.]com/a`: readable, not clickable.
    #[default]
    Defang,
    /// Links are left as they are.
    Keep,
    /// Each link is replaced by `[URL削除]` (`[URL removed]` in English).
    Remove,
}

/// Language of the notice and of the few words the core writes into mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

/// How the HTML → text conversion lays out lines.
pub const DEFAULT_WRAP_WIDTH: usize = 76;

/// The sanitization policy (`[sanitize]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// `defang` (default), `keep` or `remove`.
    pub links: LinkMode,
    /// `ja` (default) or `en`.
    pub notice_language: Language,
    /// Prepended once to the Subject, e.g. `"[外部]"`. Empty: off.
    pub subject_prefix: String,
    /// Display width (full-width characters count two) at which text
    /// converted from HTML is wrapped; 0 means no wrapping.
    pub wrap_width: usize,
    /// Limits past which a message is refused as a whole.
    pub limits: Limits,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            links: LinkMode::Defang,
            notice_language: Language::Ja,
            subject_prefix: String::new(),
            wrap_width: DEFAULT_WRAP_WIDTH,
            limits: Limits::default(),
        }
    }
}

/// Structural limits. Past any of them the message is refused (fail closed);
/// the HTML limits only remove the HTML part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Whole message, as received.
    pub max_message_size: ByteSize,
    /// Sum of the decoded sizes of all parts.
    pub max_decoded_size: ByteSize,
    /// Multipart and message/rfc822 nesting levels.
    pub max_depth: usize,
    /// MIME parts in total, nested messages included.
    pub max_parts: usize,
    /// Size of any one header block (the message's or a part's).
    pub max_header_size: ByteSize,
    /// Longest line anywhere in the message, in octets.
    pub max_line_length: ByteSize,
    /// Largest HTML body converted to text; a larger one is removed.
    pub max_html_size: ByteSize,
    /// Deepest element nesting in an HTML body; a deeper one is removed.
    pub max_html_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: ByteSize(50 * 1024 * 1024),
            max_decoded_size: ByteSize(100 * 1024 * 1024),
            max_depth: 20,
            max_parts: 500,
            max_header_size: ByteSize(256 * 1024),
            max_line_length: ByteSize(256 * 1024),
            max_html_size: ByteSize(8 * 1024 * 1024),
            max_html_depth: 512,
        }
    }
}

/// A size in bytes, written in TOML as an integer or a string such as
/// `"25MiB"`, `"512KB"`, `"1G"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn bytes(self) -> u64 {
        self.0
    }

    /// Parses `"25MiB"`, `"10 MB"`, `"4096"`; units are binary (KB = KiB).
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let number: u64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is not a size (try \"25MiB\")"))?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            other => return Err(format!("unknown size unit `{other}` in `{text}`")),
        };
        number
            .checked_mul(factor)
            .map(ByteSize)
            .ok_or_else(|| format!("size `{text}` is too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
        for (name, size) in UNITS {
            if self.0 >= size && self.0.is_multiple_of(size) {
                return write!(f, "{}{name}", self.0 / size);
            }
        }
        write!(f, "{}", self.0)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(ByteSize(n)),
            Raw::Text(t) => ByteSize::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(ByteSize::parse("25MiB"), Ok(ByteSize(25 << 20)));
        assert_eq!(ByteSize::parse("10 kb"), Ok(ByteSize(10 << 10)));
        assert_eq!(ByteSize::parse("4096"), Ok(ByteSize(4096)));
        assert!(ByteSize::parse("ten MB").is_err());
        assert!(ByteSize::parse("5 parsecs").is_err());
        assert!(ByteSize::parse("99999999999999999999G").is_err());
        assert_eq!(ByteSize(25 << 20).to_string(), "25MiB");
    }
}
