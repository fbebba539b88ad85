//! Free space on the spool's file system, checked when a client starts a
//! transaction (as Postfix does with `queue_minfree`): with less than
//! `[storage] min_free` left, MAIL gets `452 4.3.1` before any data is
//! sent, instead of a 25 MB upload refused at its end. While space is low
//! the log says so once a minute, with how many transactions were turned
//! away, rather than once per message.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a low-space warning is repeated.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Bytes an unprivileged process may still write under `dir`.
pub fn available(dir: &Path) -> io::Result<u64> {
    let path = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
    // SAFETY: statvfs writes only into the struct it is given; `path` is a
    // valid NUL-terminated string for the duration of the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

/// Watches one directory's file system.
pub struct SpaceWatch {
    dir: PathBuf,
    /// When the last warning was logged, and refusals since.
    warned: Mutex<(Option<Instant>, u64)>,
}

impl SpaceWatch {
    pub fn new(dir: PathBuf) -> SpaceWatch {
        SpaceWatch {
            dir,
            warned: Mutex::new((None, 0)),
        }
    }

    /// True when at least `min_free` bytes are left (or the file system
    /// cannot say: then the write itself will tell).
    pub fn has_room(&self, min_free: u64) -> bool {
        match available(&self.dir) {
            Ok(free) if free < min_free => {
                self.warn(free, min_free);
                false
            }
            _ => true,
        }
    }

    fn warn(&self, free: u64, min_free: u64) {
        let Ok(mut warned) = self.warned.lock() else {
            return;
        };
        warned.1 += 1;
        if warned.0.is_some_and(|at| at.elapsed() < WARN_EVERY) {
            return;
        }
        tracing::warn!(
            "only {} MiB free for {} (storage.min_free {} MiB): new mail gets 452 4.3.1; {} refused since the last warning",
            free >> 20,
            self.dir.display(),
            min_free >> 20,
            warned.1
        );
        *warned = (Some(Instant::now()), 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_file_system_reports_space_and_a_huge_minimum_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(available(dir.path()).unwrap() > 0);
        let watch = SpaceWatch::new(dir.path().to_path_buf());
        assert!(watch.has_room(0));
        assert!(!watch.has_room(u64::MAX));
        assert!(!watch.has_room(u64::MAX));
        assert_eq!(
            watch.warned.lock().unwrap().1,
            1,
            "warned once, one counted since"
        );
    }
}
