//! Writing one message into the spool as it arrives.
//!
//! The file is made under its final name in `queue/`, its first line a
//! placeholder (a hash of zeros) that no reader takes for a message, and
//! the fsync of `queue/` that makes its name durable is asked for at once,
//! so it runs while the message arrives. Bytes go through a fixed 64 KiB
//! buffer (the DATA decoder writes straight into it) and are hashed on the
//! way, so a session never holds the message in memory. Past the size
//! limit the writer stops writing and only counts, so the session can read
//! to the end of DATA and answer 552. [`SpoolWriter::commit`] patches the
//! first line, fsyncs the file and waits for the directory fsync asked for
//! at the start: one sync on the critical path instead of two in a row.
//! An uncommitted writer removes its file; one left by a crash keeps its
//! placeholder and is discarded on start (see `Spool::open`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::{Envelope, HEADER_LEN, MAGIC};
use crate::durable::{DirSync, Pending};

const BUFFER: usize = 64 * 1024;

/// An open spool entry being written.
pub struct SpoolWriter {
    file: File,
    path: PathBuf,
    /// The fsync of `queue/` that makes the file's name durable.
    dir_synced: Option<Pending>,
    hasher: Sha256,
    buffer: Vec<u8>,
    body_offset: u64,
    size: u64,
    max_size: u64,
    committed: bool,
}

impl SpoolWriter {
    pub(super) fn create(
        path: PathBuf,
        dirsync: &DirSync,
        envelope: &Envelope,
        max_size: u64,
    ) -> io::Result<SpoolWriter> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        let dir_synced = path.parent().map(|dir| dirsync.request(dir));
        let mut head = Vec::with_capacity(HEADER_LEN + 256);
        head.extend_from_slice(MAGIC.as_bytes());
        head.extend_from_slice(&[b'0'; 64]);
        head.extend_from_slice(format!(" {:020} 0\n", 0).as_bytes());
        debug_assert_eq!(head.len(), HEADER_LEN);
        serde_json::to_writer(&mut head, envelope).map_err(io::Error::other)?;
        head.push(b'\n');
        file.write_all(&head)?;
        Ok(SpoolWriter {
            file,
            path,
            dir_synced,
            hasher: Sha256::new(),
            buffer: Vec::with_capacity(BUFFER),
            body_offset: head.len() as u64,
            size: 0,
            max_size,
            committed: false,
        })
    }

    /// Appends what `fill` adds to the writer's own buffer (the DATA
    /// decoder writes there directly: no copy in between); returns what
    /// `fill` returns. Past the size limit the bytes are only counted.
    pub fn fill<T>(&mut self, fill: impl FnOnce(&mut Vec<u8>) -> T) -> (T, io::Result<()>) {
        let start = self.buffer.len();
        let result = fill(&mut self.buffer);
        let added = (self.buffer.len() - start) as u64;
        self.size = self.size.saturating_add(added);
        if self.size > self.max_size {
            self.buffer.truncate(start);
            return (result, Ok(()));
        }
        self.hasher.update(&self.buffer[start..]);
        let written = match self.buffer.len() >= BUFFER {
            true => self.flush(),
            false => Ok(()),
        };
        (result, written)
    }

    /// Appends message bytes. Past the size limit nothing more is written.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let before = self.size;
        self.size = self.size.saturating_add(bytes.len() as u64);
        if self.size > self.max_size {
            return Ok(());
        }
        debug_assert!(before <= self.max_size);
        self.hasher.update(bytes);
        if self.buffer.len() + bytes.len() > BUFFER {
            self.flush()?;
        }
        if bytes.len() >= BUFFER {
            self.file.write_all(bytes)
        } else {
            self.buffer.extend_from_slice(bytes);
            Ok(())
        }
    }

    /// Bytes offered so far, including any past the limit.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// True once more than the limit has been offered.
    pub fn too_big(&self) -> bool {
        self.size > self.max_size
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() {
            self.file.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Makes the message durable, a message for every reader. Blocking:
    /// call it off the async runtime. After `Ok`, `250` may be sent.
    pub fn commit(mut self) -> io::Result<()> {
        if self.too_big() {
            return Err(io::Error::other("message is over the size limit"));
        }
        self.flush()?;
        let sha256 = crate::sanitize::hex(&self.hasher.clone().finalize());
        let line = format!("{MAGIC}{sha256} {:020}", self.size);
        self.file.write_all_at(line.as_bytes(), 0)?;
        debug_assert_eq!(
            self.file.metadata().map(|m| m.len()).unwrap_or(0),
            self.body_offset + self.size
        );
        self.file.sync_data()?;
        if let Some(pending) = self.dir_synced.take() {
            pending.wait()?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for SpoolWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
