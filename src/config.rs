//! The TOML configuration file → a typed, validated `Config`.
//!
//! One file serves every command (`mugai sanitize --config`, and later
//! `mugai serve`). Unknown keys are errors, so a typo never silently falls
//! back to a default. Errors name the file and line in one plain sentence.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::policy::Policy;

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The sanitization policy (`[sanitize]`).
    pub sanitize: Policy,
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {path}, line {line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses configuration text; `path` is used in error messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                message: e.message().replace('\n', " ").trim().to_string(),
            }
        })?;
        if let Some(problem) = config.problems().into_iter().next() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line: 0,
                message: problem,
            });
        }
        Ok(config)
    }

    /// Values that parse but make no sense, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let p = &self.sanitize;
        let l = &p.limits;
        if p.wrap_width != 0 && !(20..=998).contains(&p.wrap_width) {
            problems.push(format!(
                "sanitize.wrap_width = {} must be 0 (no wrapping) or 20..998",
                p.wrap_width
            ));
        }
        for (name, value) in [
            ("max_depth", l.max_depth),
            ("max_parts", l.max_parts),
            ("max_html_depth", l.max_html_depth),
        ] {
            if value == 0 {
                problems.push(format!("sanitize.limits.{name} must be at least 1"));
            }
        }
        for (name, value) in [
            ("max_message_size", l.max_message_size),
            ("max_decoded_size", l.max_decoded_size),
            ("max_header_size", l.max_header_size),
            ("max_line_length", l.max_line_length),
            ("max_html_size", l.max_html_size),
        ] {
            if value.bytes() == 0 {
                problems.push(format!("sanitize.limits.{name} must be larger than 0"));
            }
        }
        if p.subject_prefix.chars().any(char::is_control) {
            problems
                .push("sanitize.subject_prefix must not contain control characters".to_string());
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ByteSize, Language, LinkMode};

    #[test]
    fn parses_every_key() {
        let config = Config::parse(
            r#"
[sanitize]
links = "remove"
notice_language = "en"
subject_prefix = "[外部]"
wrap_width = 0
[sanitize.limits]
max_message_size = "25MiB"
max_depth = 10
"#,
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(config.sanitize.links, LinkMode::Remove);
        assert_eq!(config.sanitize.notice_language, Language::En);
        assert_eq!(config.sanitize.limits.max_message_size, ByteSize(25 << 20));
        assert_eq!(config.sanitize.limits.max_depth, 10);
        assert_eq!(config.sanitize.limits.max_parts, 500);
    }

    #[test]
    fn errors_name_the_line_in_one_sentence() {
        let err = Config::parse("[sanitize]\nlinkz = \"keep\"\n", Path::new("m.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("config m.toml, line 2:"), "{text}");
        assert!(text.contains("linkz"), "{text}");
        assert!(!text.contains('\n'));
        let err =
            Config::parse("[sanitize]\nlinks = \"maybe\"\n", Path::new("m.toml")).unwrap_err();
        assert!(err.to_string().contains("maybe"), "{err}");
        let err =
            Config::parse("[sanitize.limits]\nmax_depth = 0\n", Path::new("m.toml")).unwrap_err();
        assert!(err.to_string().contains("max_depth"), "{err}");
    }
}
