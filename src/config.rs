//! The TOML configuration file → a typed, validated `Config`.
//!
//! One file serves every command (`serve`, `sanitize`, `quarantine`,
//! `user`, `audit`, `check-config`). Unknown keys are errors, so a typo never silently falls
//! back to a default. Errors name the file and line in one plain sentence.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::policy::Policy;

mod admin;
pub mod locate;
mod ppap;
mod sections;
mod tenant;
mod unset;
mod view;
pub use admin::{AdminConfig, QuarantineConfig};
pub use locate::Source;
pub use ppap::PpapConfig;
pub use sections::{
    BareNewline, DeliveryConfig, DeliveryMode, LogConfig, LogFormat, NextHopTls, QueueConfig,
    SmtpConfig, StorageConfig,
};
pub use tenant::{DEFAULT_TENANT, TenantConfig};
pub use view::ViewConfig;

/// The whole configuration file. With no file at all, the defaults run on
/// one machine for trying mugai out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub smtp: SmtpConfig,
    pub delivery: DeliveryConfig,
    pub storage: StorageConfig,
    pub queue: QueueConfig,
    pub log: LogConfig,
    pub quarantine: QuarantineConfig,
    pub admin: AdminConfig,
    /// Password-protected attachments (`[ppap]`).
    pub ppap: PpapConfig,
    /// Original parts shown as pictures (`[view]`).
    pub view: ViewConfig,
    /// The sanitization policy (`[sanitize]`).
    pub sanitize: Policy,
    /// Municipalities sharing this deployment (`[[tenant]]`); none: one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tenant: Vec<TenantConfig>,
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
    #[error("config {path}: {}{}", problems[0], if problems.len() > 1 { format!(" (and {} more problems; run mugai check-config)", problems.len() - 1) } else { String::new() })]
    Problems {
        path: PathBuf,
        problems: Vec<String>,
    },
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text, path)?;
        config
            .load_fonts()
            .map_err(|problem| ConfigError::Problems {
                path: path.to_path_buf(),
                problems: vec![problem],
            })?;
        Ok(config)
    }

    /// The embedded default configuration, with the system CJK font.
    pub fn embedded() -> Config {
        let mut config = Config::default();
        // No font configured: a missing system font is only a warning.
        let _ = config.load_fonts();
        config
    }

    /// Loads the CJK font the PDF renderer falls back to.
    pub fn load_fonts(&mut self) -> Result<(), String> {
        let attachments = &mut self.sanitize.attachments;
        attachments.fonts.cjk = crate::fonts::load_cjk(&attachments.cjk_font)?;
        let fonts = attachments.fonts.clone();
        for tenant in &mut self.tenant {
            tenant.policy.attachments.fonts = fonts.clone();
        }
        Ok(())
    }

    /// Parses configuration text; `path` is used in error messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
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
        let mut problems = config.resolve_tenants();
        problems.extend(config.problems());
        problems.extend(unset::problems(text));
        if !problems.is_empty() {
            return Err(ConfigError::Problems {
                path: path.to_path_buf(),
                problems,
            });
        }
        Ok(config)
    }

    /// Free space below which MAIL gets `452 4.3.1`.
    pub fn min_free(&self) -> u64 {
        self.storage
            .min_free
            .map(|b| b.bytes())
            .unwrap_or_else(|| self.smtp.max_message_size.bytes().saturating_mul(4))
    }

    /// The database URL: `storage.database` (or its older place,
    /// `quarantine.database`), else SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match self
            .storage
            .database
            .as_ref()
            .or(self.quarantine.database.as_ref())
        {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.storage.data_dir.join("quarantine.db").display()
            ),
        }
    }

    /// The Maildir for `mode = "maildir"`.
    pub fn maildir_path(&self) -> PathBuf {
        self.delivery
            .maildir
            .clone()
            .unwrap_or_else(|| self.storage.data_dir.join("maildir"))
    }

    /// Values that parse but make no sense, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        self.smtp.problems(&mut problems);
        if self.smtp.accept_domains.is_empty() && self.tenant.is_empty() {
            problems.push(
                "smtp.accept_domains is empty and no [[tenant]] has domains: no mail could be accepted"
                    .into(),
            );
        }
        self.delivery.problems(&mut problems);
        self.queue.problems(&mut problems);
        self.quarantine.problems(&mut problems);
        match (&self.storage.database, &self.quarantine.database) {
            (Some(_), Some(_)) => problems.push(
                "storage.database and quarantine.database are both set: keep storage.database"
                    .into(),
            ),
            (Some(url), None) | (None, Some(url))
                if !["sqlite:", "postgres://", "postgresql://"]
                    .iter()
                    .any(|scheme| url.starts_with(scheme)) =>
            {
                problems.push(format!(
                    "storage.database = \"{}\": use a postgres:// or sqlite: URL",
                    crate::quarantine::redact(url)
                ));
            }
            _ => {}
        }
        self.admin.problems(&mut problems);
        self.ppap.problems(&mut problems);
        self.view.problems(&mut problems);
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
        if let Err(problem) = crate::clock::parse_zone(&self.log.timezone) {
            problems.push(problem);
        }
        p.attachments.problems(&mut problems);
        p.isolation.problems(&mut problems);
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
    fn the_embedded_default_is_valid_and_local() {
        let config = Config::default();
        assert_eq!(config.problems(), Vec::<String>::new());
        assert_eq!(config.smtp.listen, "127.0.0.1:2525");
        assert!(config.smtp.accepts("EXAMPLE.lg.jp"));
        assert!(!config.smtp.accepts("example.com"));
        assert_eq!(config.delivery.mode, DeliveryMode::Maildir);
        assert!(config.maildir_path().starts_with("./mugai-data"));
    }

    #[test]
    fn the_database_is_set_once_and_metrics_addresses_are_checked() {
        let path = Path::new("mugai.toml");
        let parse = |text: &str| Config::parse(text, path).unwrap();
        let pg = "postgres://mugai@db.example.lg.jp/mugai";
        let config = parse(&format!("[storage]\ndatabase = \"{pg}\"\n"));
        assert_eq!(config.database_url(), pg);
        assert!(config.problems().is_empty());
        let older = parse(&format!("[quarantine]\ndatabase = \"{pg}\"\n"));
        assert_eq!(older.database_url(), pg);
        assert!(older.problems().is_empty());
        let problems = |text: &str| match Config::parse(text, path) {
            Err(ConfigError::Problems { problems, .. }) => problems,
            other => panic!("{other:?}"),
        };
        let both = problems(&format!(
            "[storage]\ndatabase = \"{pg}\"\n[quarantine]\ndatabase = \"{pg}\"\n"
        ));
        assert!(both.iter().any(|p| p.contains("both set")), "{both:?}");
        let mysql = problems("[storage]\ndatabase = \"mysql://u:secret@h/db\"\n");
        assert!(
            mysql
                .iter()
                .any(|p| p.contains("postgres://") && !p.contains("secret")),
            "{mysql:?}"
        );
        let bad = problems("[admin]\nmetrics_allow = [\"10.0.0.0/8\", \"intranet\"]\n");
        assert!(bad.iter().any(|p| p.contains("\"intranet\"")), "{bad:?}");
        let admin = Config::default().admin;
        assert!(admin.metrics_allowed("127.0.0.1".parse().unwrap()));
        assert!(admin.metrics_allowed("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!admin.metrics_allowed("192.0.2.1".parse().unwrap()));
        assert!(
            Config::default()
                .database_url()
                .ends_with("mugai-data/quarantine.db?mode=rwc")
        );
    }

    #[test]
    fn the_example_file_documents_every_key_and_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/mugai.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config = Config::parse(&text, &path).unwrap();
        assert_eq!(config.delivery.mode, DeliveryMode::Smtp);
        // Every key of the default configuration appears in the example,
        // so an operator reading it sees every setting.
        let defaults = toml::to_string(&Config::default()).unwrap();
        let mut table = String::new();
        for line in defaults.lines() {
            if line.starts_with('[') {
                table = line.trim_matches(['[', ']']).to_string();
            } else if let Some((key, _)) = line.split_once(" = ") {
                let in_example = text.lines().any(|l| {
                    let l = l.trim_start_matches("# ").trim();
                    l.starts_with(&format!("{key} =")) || l.starts_with(&format!("{key}="))
                });
                assert!(
                    in_example,
                    "[{table}] {key} is not documented in {}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn every_problem_is_reported_on_its_own_line() {
        let text = "[smtp]\nlisten = \"nowhere\"\nhostname = \"mx\"\naccept_domains = []\n[delivery]\nmode = \"smtp\"\nnext_hop = \"lgwan\"\npostmaster = \"pm@x\"\n[storage]\ndata_dir = \"/d\"\n";
        let Err(ConfigError::Problems { problems, .. }) = Config::parse(text, Path::new("x.toml"))
        else {
            panic!("expected problems");
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().all(|p| !p.contains('\n')));
        assert!(problems[0].contains("smtp.listen"), "{problems:?}");
        assert!(problems[2].contains("delivery.next_hop"), "{problems:?}");
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
