//! Human-friendly quantities in the configuration file: sizes (`"25MiB"`)
//! and durations (`"5m"`, `"1h"`, `"5d"`), each also accepted as a plain
//! integer (bytes, seconds).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Serialize as the display text ("25MiB", "5m"); accept that text or a
/// bare number (bytes, seconds).
macro_rules! serde_as_text {
    ($type:ident) => {
        impl Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Raw {
                    Int(u64),
                    Text(String),
                }
                match Raw::deserialize(d)? {
                    Raw::Int(n) => Ok($type(n)),
                    Raw::Text(t) => $type::parse(&t).map_err(serde::de::Error::custom),
                }
            }
        }
    };
}

/// "25MiB" → (25, "MiB"); None when it does not start with a number.
fn number_and_unit(text: &str) -> Option<(u64, &str)> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    Some((digits.parse().ok()?, unit.trim()))
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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
        let (number, unit) = number_and_unit(text)
            .ok_or_else(|| format!("`{text}` is not a size (try \"25MiB\")"))?;
        let factor: u64 = match unit.to_ascii_lowercase().as_str() {
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

serde_as_text!(ByteSize);

/// A duration, written in TOML as seconds or a string such as `"30s"`,
/// `"5m"`, `"1h"`, `"5d"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seconds(pub u64);

impl Seconds {
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.0)
    }

    pub fn parse(text: &str) -> Result<Seconds, String> {
        let text = text.trim();
        let (number, unit) = number_and_unit(text)
            .ok_or_else(|| format!("`{text}` is not a duration (try \"5m\")"))?;
        let factor = match unit {
            "" | "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86400,
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{text}` (use s, m, h or d)"
                ));
            }
        };
        number
            .checked_mul(factor)
            .map(Seconds)
            .ok_or_else(|| format!("duration `{text}` is too long"))
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, size) in [("d", 86400), ("h", 3600), ("m", 60)] {
            if self.0 >= size && self.0.is_multiple_of(size) {
                return write!(f, "{}{name}", self.0 / size);
            }
        }
        write!(f, "{}s", self.0)
    }
}

serde_as_text!(Seconds);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_parse_with_units() {
        assert_eq!(ByteSize::parse("25MiB"), Ok(ByteSize(25 << 20)));
        assert_eq!(ByteSize::parse("10 kb"), Ok(ByteSize(10 << 10)));
        assert_eq!(ByteSize::parse("4096"), Ok(ByteSize(4096)));
        assert!(ByteSize::parse("ten MB").is_err());
        assert!(ByteSize::parse("5 parsecs").is_err());
        assert!(ByteSize::parse("99999999999999999999G").is_err());
        assert_eq!(ByteSize(25 << 20).to_string(), "25MiB");
        assert_eq!(Seconds::parse("5m"), Ok(Seconds(300)));
        assert_eq!(Seconds::parse("5d"), Ok(Seconds(432_000)));
        assert_eq!(Seconds::parse("90"), Ok(Seconds(90)));
        assert!(Seconds::parse("5 weeks").is_err());
        assert_eq!(Seconds(3600).to_string(), "1h");
    }
}
