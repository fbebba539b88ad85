//! The original store: every message as received, in
//! `data_dir/originals/<sha256>.orig`, kept durably.
//!
//! A stored original is the spool file itself, hard-linked: no copy and
//! no second data fsync (the spool already fsynced it); only the
//! directory is fsynced, grouped with other messages. So the file has the
//! spool's layout: a first line, the envelope of the message's first
//! arrival, then the message exactly as received; `Originals::read`
//! separates them. The name is the content's SHA-256, so storing the same
//! message twice (a retry, a resumed entry, a copy sent again) only
//! refreshes the file's time, and the sanitized copy's `X-Mugai-Original`
//! header names the file.
//!
//! Retention and new arrivals meet here: a message can be stored under a
//! hash whose old rows retention is purging, before its own row is
//! indexed. So purging first parks the file (an atomic rename), decides on
//! the parked file (is it younger than a day? does any row need it?) and
//! only then deletes it or puts it back; storing refreshes the time of an
//! existing file, and links the spool file again when it was parked
//! meanwhile. Files parked by a crash are put back on open.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::originals::is_sha256;
use crate::durable::{DirSync, create_dir_durably};

/// Files named by SHA-256 under one directory.
pub struct OriginalStore {
    dir: PathBuf,
    /// The directory, open for [`OriginalStore::sync`].
    handle: fs::File,
    dirsync: Arc<DirSync>,
}

impl OriginalStore {
    pub fn open(data_dir: &Path, dirsync: Arc<DirSync>) -> io::Result<OriginalStore> {
        let dir = data_dir.join("originals");
        create_dir_durably(&dir)?;
        let handle = fs::File::open(&dir)?;
        let store = OriginalStore {
            dir,
            handle,
            dirsync,
        };
        // A purge cut short: its decision was not taken, so keep the file.
        for entry in fs::read_dir(&store.dir)? {
            let path = entry?.path();
            if let Some(sha256) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".purging"))
                .filter(|s| is_sha256(s))
            {
                fs::rename(&path, store.path(sha256))?;
            }
        }
        Ok(store)
    }

    /// Where the original with this hash lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.orig"))
    }

    /// Makes every original linked so far durable: one fsync of the
    /// directory, here (its caller, the recorder, groups the links of a
    /// round), not through the shared directory-sync thread, where it
    /// would hold up the spool's syncs that a `250` waits for.
    pub fn sync(&self) -> io::Result<()> {
        self.handle.sync_all()
    }

    /// Links the committed spool file `spooled` as the original `sha256`
    /// without waiting for the directory sync: the caller calls
    /// [`OriginalStore::sync`] before the spool entry may go. `written`:
    /// when the spool file was written (Unix seconds), if known; a file
    /// newly linked and written within the hour needs no fresh time (a
    /// purge keeps anything younger than a day), so the common case is one
    /// `link` and nothing else. A name that is not 64 hex digits is
    /// refused.
    pub fn link(&self, sha256: &str, spooled: &Path, written: Option<i64>) -> io::Result<()> {
        if !is_sha256(sha256) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "original id is not a SHA-256",
            ));
        }
        let target = self.path(sha256);
        for _ in 0..3 {
            // Linked anew or kept already (the same bytes again, or a retry
            // after a crash that may have come before the directory sync):
            // either way its time is set to now, so a purge in progress
            // keeps it, even when the spool file itself is old.
            match fs::hard_link(spooled, &target) {
                Ok(()) if written.is_some_and(|t| crate::units::unix_now() - t < 3600) => {
                    return Ok(());
                }
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            let file = match fs::File::options().write(true).open(&target) {
                Ok(file) => file,
                // Parked by a purge just now: link it again.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            file.set_modified(SystemTime::now())?;
            // Still the file under that name (not parked and deleted while
            // its time was being set)?
            use std::os::unix::fs::MetadataExt;
            let opened = file.metadata()?;
            match fs::metadata(&target) {
                Ok(named) if named.dev() == opened.dev() && named.ino() == opened.ino() => {
                    return Ok(());
                }
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(
            "the original kept disappearing while it was stored",
        ))
    }

    /// First step of deleting an original: moves it aside. Returns the
    /// parked file and whether it was written or stored again after
    /// `since` (Unix seconds); `None` when it is gone already.
    pub fn park(&self, sha256: &str, since: i64) -> io::Result<Option<Parked>> {
        if !is_sha256(sha256) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        let parked = self.dir.join(format!("{sha256}.purging"));
        match fs::rename(self.path(sha256), &parked) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
        let since = UNIX_EPOCH + Duration::from_secs(since.max(0) as u64);
        let recent = fs::metadata(&parked)?.modified()? >= since;
        Ok(Some(Parked {
            sha256: sha256.to_string(),
            path: parked,
            recent,
        }))
    }

    /// Deletes a parked original (retention).
    pub fn delete(&self, parked: Parked) -> io::Result<()> {
        fs::remove_file(&parked.path)?;
        self.dirsync.sync(&self.dir)
    }

    /// Puts a parked original back (something still needs it).
    pub fn restore(&self, parked: Parked) -> io::Result<()> {
        fs::rename(&parked.path, self.path(&parked.sha256))?;
        self.dirsync.sync(&self.dir)
    }
}

/// An original moved aside by [`OriginalStore::park`].
pub struct Parked {
    sha256: String,
    path: PathBuf,
    /// Written or stored again after the time given to `park`.
    pub recent: bool,
}
