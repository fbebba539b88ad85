//! Making file-system changes survive a crash, for every store that
//! promises it: the spool (`250` means on disk), the original store and
//! the Maildir. A new file or rename is durable once its directory is
//! fsynced; [`DirSync`] groups those fsyncs across concurrent writers.

mod dirsync;

use std::fs::{self, File};
use std::io;
use std::path::Path;

pub use dirsync::{DirSync, Pending};

/// Creates a directory (and parents) and fsyncs its parent so the new
/// entry survives a crash.
pub fn create_dir_durably(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    if let Some(parent) = dir.parent() {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}
