//! Writing one message into the spool as it arrives.
//!
//! Bytes go through a fixed 64 KiB buffer into the file under `incoming/`
//! and are hashed on the way, so a session never holds the message in
//! memory. Past the size limit the writer stops writing and only counts,
//! so the session can read to the end of DATA and answer 552.
//! [`SpoolWriter::commit`] patches the first line, fsyncs the file, renames
//! it into `queue/` and waits for the (grouped) directory fsync.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{Envelope, HEADER_LEN, MAGIC};
use crate::durable::DirSync;

const BUFFER: usize = 64 * 1024;

/// An open spool entry being written.
pub struct SpoolWriter {
    file: File,
    incoming: PathBuf,
    target: PathBuf,
    dirsync: Arc<DirSync>,
    hasher: Sha256,
    buffer: Vec<u8>,
    body_offset: u64,
    size: u64,
    max_size: u64,
    committed: bool,
}

impl SpoolWriter {
    pub(super) fn create(
        incoming: PathBuf,
        target: PathBuf,
        dirsync: Arc<DirSync>,
        envelope: &Envelope,
        max_size: u64,
    ) -> io::Result<SpoolWriter> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&incoming)?;
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
            incoming,
            target,
            dirsync,
            hasher: Sha256::new(),
            buffer: Vec::with_capacity(BUFFER),
            body_offset: head.len() as u64,
            size: 0,
            max_size,
            committed: false,
        })
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

    /// Makes the message durable and visible in `queue/`. Blocking: call
    /// it off the async runtime. After `Ok`, `250` may be sent.
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
        fs::rename(&self.incoming, &self.target)?;
        self.committed = true;
        if let Some(dir) = self.target.parent() {
            self.dirsync.sync(dir)?;
        }
        Ok(())
    }
}

impl Drop for SpoolWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.incoming);
        }
    }
}
