//! Where a command finds its configuration: `--config FILE`, else the file
//! `$MUGAI_CONFIG` names, else `/etc/mugai/mugai.toml` if it exists, else
//! the embedded default (the quick start's). Every command says which it
//! used, so an operator never wonders why `quarantine list` shows another
//! data directory than the running relay.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use super::{Config, ConfigError};

/// The environment variable naming a configuration file.
pub const ENV: &str = "MUGAI_CONFIG";
/// The system-wide configuration file, used when it exists.
pub const SYSTEM: &str = "/etc/mugai/mugai.toml";

/// The configuration a command runs with, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--config FILE`.
    Flag(PathBuf),
    /// The file `$MUGAI_CONFIG` names.
    Env(PathBuf),
    /// `/etc/mugai/mugai.toml`.
    System(PathBuf),
    /// None of those: the embedded default.
    Embedded,
}

impl Source {
    /// Looks in the order above, in this process's environment.
    pub fn find(flag: Option<&Path>) -> Source {
        Source::find_in(flag, std::env::var_os(ENV), Path::new(SYSTEM))
    }

    /// As [`find`](Self::find), with the environment and system path given.
    pub fn find_in(flag: Option<&Path>, env: Option<OsString>, system: &Path) -> Source {
        if let Some(path) = flag {
            return Source::Flag(path.to_path_buf());
        }
        if let Some(path) = env.filter(|p| !p.is_empty()) {
            return Source::Env(PathBuf::from(path));
        }
        if system.is_file() {
            return Source::System(system.to_path_buf());
        }
        Source::Embedded
    }

    /// The file, unless the embedded default is used.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Flag(p) | Source::Env(p) | Source::System(p) => Some(p),
            Source::Embedded => None,
        }
    }

    /// Reads and checks the file (with its fonts), or the embedded default.
    pub fn load(&self) -> Result<Config, ConfigError> {
        match self.path() {
            Some(path) => Config::load(path),
            None => Ok(Config::embedded()),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(p) => write!(f, "configuration {} (--config)", p.display()),
            Source::Env(p) => write!(f, "configuration {} (${ENV})", p.display()),
            Source::System(p) => write!(f, "configuration {}", p.display()),
            Source::Embedded => write!(
                f,
                "configuration: the embedded default (no --config, no ${ENV}, no {SYSTEM})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_then_the_environment_then_the_system_file() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("mugai.toml");
        let missing = dir.path().join("none.toml");
        let flag = Path::new("/x/flag.toml");
        let env = || Some(OsString::from("/x/env.toml"));
        assert_eq!(
            Source::find_in(Some(flag), env(), &missing),
            Source::Flag(flag.into())
        );
        assert_eq!(
            Source::find_in(None, env(), &missing),
            Source::Env("/x/env.toml".into())
        );
        assert_eq!(
            Source::find_in(None, Some(OsString::new()), &missing),
            Source::Embedded
        );
        assert_eq!(Source::find_in(None, None, &missing), Source::Embedded);
        std::fs::write(&system, "").unwrap();
        assert_eq!(
            Source::find_in(None, None, &system),
            Source::System(system.clone())
        );
        assert!(Source::Embedded.to_string().contains("embedded default"));
    }
}
