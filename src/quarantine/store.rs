//! The original store: every message as received, in
//! `data_dir/originals/<sha256>.orig`, kept durably.
//!
//! A stored original is the spool file itself, hard-linked: no copy and
//! no second data fsync (the spool already fsynced it); only the
//! directory is fsynced, grouped with other messages. So the file has the
//! spool's layout: a first line, the envelope of the message's first
//! arrival, then the message exactly as received; [`OriginalStore::read`]
//! separates them. The name is the content's SHA-256, so storing the same
//! message twice (a retry, a resumed entry, a copy sent again) is a no-op,
//! and the sanitized copy's `X-Mugai-Original` header names the file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::spool::{DirSync, SpooledMessage, create_dir_durably, parse_record};

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
        self.dir.join(format!("{sha256}.orig"))
    }

    /// Keeps the committed spool file `spooled` as the original `sha256`
    /// (blocking). A name that is not 64 hex digits is refused.
    pub fn store(&self, sha256: &str, spooled: &Path) -> io::Result<()> {
        if !is_sha256(sha256) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "original id is not a SHA-256",
            ));
        }
        let target = self.path(sha256);
        match fs::hard_link(spooled, &target) {
            Ok(()) => {}
            // Kept already (the same bytes again, or a retry after a crash
            // that may have come before the directory sync).
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        self.dirsync.sync(&self.dir)
    }

    /// The message bytes of an original, exactly as received.
    pub fn message(&self, sha256: &str) -> io::Result<Vec<u8>> {
        if !is_sha256(sha256) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        Ok(self.read(sha256)?.message)
    }

    /// Deletes the bytes of an original (retention); gone already is fine.
    pub fn remove(&self, sha256: &str) -> io::Result<()> {
        if !is_sha256(sha256) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        match fs::remove_file(self.path(sha256)) {
            Ok(()) => self.dirsync.sync(&self.dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reads an original back: the envelope of its first arrival and the
    /// message bytes.
    pub fn read(&self, sha256: &str) -> io::Result<SpooledMessage> {
        parse_record(fs::read(self.path(sha256))?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}
