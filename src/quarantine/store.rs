//! The original store: every message as received, in
//! `data_dir/originals/<sha256>.eml`, written once and fsynced.
//!
//! The name is the content's SHA-256, so storing the same message twice
//! (a retry, a resumed spool entry) is a no-op, and the sanitized copy's
//! `X-Mugai-Original` header names the file.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::spool::{DirSync, create_dir_durably};

/// Files named by SHA-256 under one directory.
pub struct OriginalStore {
    dir: PathBuf,
    dirsync: Arc<DirSync>,
}

impl OriginalStore {
    pub fn open(data_dir: &Path, dirsync: Arc<DirSync>) -> io::Result<OriginalStore> {
        let dir = data_dir.join("originals");
        create_dir_durably(&dir)?;
        Ok(OriginalStore { dir, dirsync })
    }

    /// Where the original with this hash lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.eml"))
    }

    /// Stores `message` under `sha256` durably (blocking). The caller
    /// computed the hash; a name that is not 64 hex digits is refused.
    pub fn store(&self, sha256: &str, message: &[u8]) -> io::Result<()> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "original id is not a SHA-256",
            ));
        }
        let target = self.path(sha256);
        if target.exists() {
            return Ok(());
        }
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            ".{sha256}.{}.{}.tmp",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .and_then(|mut file| {
                file.write_all(message)?;
                file.sync_data()
            })
            .and_then(|()| fs::rename(&tmp, &target));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        self.dirsync.sync(&self.dir)
    }
}
