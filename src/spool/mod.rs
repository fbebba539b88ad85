//! The spool: the durable on-disk queue that is the contract between
//! ingress, the sanitizer pool and delivery.
//!
//! `250` is sent only after a message is here: its file written and
//! fsynced under `incoming/`, renamed into `queue/`, and `queue/` fsynced.
//! Anything in `queue/` is picked up again on start; anything in
//! `incoming/` was never acknowledged and is discarded. An entry leaves the
//! spool only when its sanitized copy is delivered (or reported to the
//! postmaster) and its original is in the original store.
//!
//! One file per message: a fixed-width first line (format, SHA-256 and
//! size, patched in place once the data has been read), the envelope as
//! one JSON line, then the message exactly as received (dot-unstuffed,
//! CRLF line ends). Delivery progress of a message that had to wait for a
//! retry lives beside it in `ID.state`, its sanitized copy in
//! `ID.sanitized` (see `pipeline::kept`).

mod entry;
mod space;
mod writer;

pub use entry::{DeliveryState, Envelope, Origin, RecipientState, RecipientStatus};
pub use space::available;
pub use writer::SpoolWriter;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::durable::{DirSync, create_dir_durably};

/// First bytes of every spool file.
const MAGIC: &str = "MUGAI-SPOOL 1 ";
/// Length of the first line: magic, 64 hex digits, space, 20 digits, LF.
const HEADER_LEN: usize = MAGIC.len() + 64 + 1 + 20 + 1;

/// A message read back from the spool.
#[derive(Debug)]
pub struct SpooledMessage {
    pub envelope: Envelope,
    /// SHA-256 of `message`, lower-case hex (the original's name).
    pub sha256: String,
    pub message: Vec<u8>,
}

/// The spool directories under `data_dir/spool`.
pub struct Spool {
    incoming: PathBuf,
    queue: PathBuf,
    corrupt: PathBuf,
    dirsync: Arc<DirSync>,
    sequence: AtomicU64,
    space: space::SpaceWatch,
}

impl Spool {
    /// Opens (creating if needed) the spool under `data_dir`, and discards
    /// whatever `incoming/` holds: those messages were never acknowledged.
    pub fn open(data_dir: &Path, dirsync: Arc<DirSync>) -> io::Result<Spool> {
        let root = data_dir.join("spool");
        let spool = Spool {
            incoming: root.join("incoming"),
            queue: root.join("queue"),
            corrupt: root.join("corrupt"),
            dirsync,
            sequence: AtomicU64::new(0),
            space: space::SpaceWatch::new(root.clone()),
        };
        for dir in [&spool.incoming, &spool.queue, &spool.corrupt] {
            create_dir_durably(dir)?;
        }
        for entry in fs::read_dir(&spool.incoming)? {
            let _ = fs::remove_file(entry?.path());
        }
        Ok(spool)
    }

    /// True while the spool's file system has `min_free` bytes left
    /// (logged once a minute while it does not).
    pub fn has_room(&self, min_free: u64) -> bool {
        self.space.has_room(min_free)
    }

    /// A new queue id: microseconds since the epoch and a sequence number,
    /// in upper-case hex like Postfix's; sortable by arrival.
    pub fn new_id(&self) -> String {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        let seq = self.sequence.fetch_add(1, Ordering::Relaxed) & 0xFFFF;
        format!("{micros:013X}{seq:04X}")
    }

    /// Starts a message: its file exists under `incoming/` until
    /// [`SpoolWriter::commit`].
    pub fn create(&self, envelope: &Envelope, max_size: u64) -> io::Result<SpoolWriter> {
        SpoolWriter::create(
            self.incoming.join(&envelope.queue_id),
            self.queue.join(&envelope.queue_id),
            Arc::clone(&self.dirsync),
            envelope,
            max_size,
        )
    }

    /// Adds a whole message at once (used for mugai's own reports).
    pub fn inject(&self, envelope: &Envelope, message: &[u8]) -> io::Result<()> {
        let mut writer = self.create(envelope, u64::MAX)?;
        writer.write(message)?;
        writer.commit()
    }

    /// Queue ids in the spool, oldest first.
    pub fn list(&self) -> io::Result<Vec<String>> {
        let mut ids = Vec::new();
        for entry in fs::read_dir(&self.queue)? {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else { continue };
            if !name.contains('.') {
                ids.push(name.to_string());
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Reads one message and its envelope.
    pub fn read(&self, id: &str) -> io::Result<SpooledMessage> {
        let mut bytes = Vec::new();
        File::open(self.queue.join(id))?.read_to_end(&mut bytes)?;
        parse_record(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// The committed file of an entry.
    pub fn path(&self, id: &str) -> PathBuf {
        self.queue.join(id)
    }

    /// Delivery progress of a message that has been tried before.
    pub fn read_state(&self, id: &str) -> io::Result<Option<DeliveryState>> {
        match fs::read(self.state_path(id)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Replaces the delivery progress durably (write, fsync, rename, fsync).
    pub fn write_state(&self, id: &str, state: &DeliveryState) -> io::Result<()> {
        self.replace_state(id, state, true)?;
        self.dirsync.sync(&self.queue)
    }

    /// Replaces the delivery progress, surviving a crash of the relay but
    /// not of the machine (no fsync): for marks that only guard against
    /// the relay itself dying (a conversion under way).
    pub fn write_state_unsynced(&self, id: &str, state: &DeliveryState) -> io::Result<()> {
        self.replace_state(id, state, false)
    }

    fn replace_state(&self, id: &str, state: &DeliveryState, sync: bool) -> io::Result<()> {
        let tmp = self.queue.join(format!("{id}.state-tmp"));
        let mut file = File::create(&tmp)?;
        file.write_all(&serde_json::to_vec(state).map_err(io::Error::other)?)?;
        if sync {
            file.sync_data()?;
        }
        fs::rename(&tmp, self.state_path(id))
    }

    /// Removes a finished entry. Not fsynced: if the removal is lost in a
    /// crash the message is delivered once more, never lost.
    pub fn remove(&self, id: &str) -> io::Result<()> {
        self.remove_side_files(id);
        match fs::remove_file(self.state_path(id)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        fs::remove_file(self.queue.join(id))
    }

    /// Moves an unreadable entry aside (`spool/corrupt/`) for an operator.
    pub fn set_aside(&self, id: &str) -> io::Result<PathBuf> {
        let target = self.corrupt.join(id);
        fs::rename(self.queue.join(id), &target)?;
        let _ = fs::remove_file(self.state_path(id));
        self.remove_side_files(id);
        Ok(target)
    }

    /// A file kept beside entry `id`: `ID.suffix`.
    pub fn side_path(&self, id: &str, suffix: &str) -> PathBuf {
        self.queue.join(format!("{id}.{suffix}"))
    }

    /// Removes what is kept beside an entry but its state.
    fn remove_side_files(&self, id: &str) {
        for suffix in ["state-tmp", "sanitized", "sanitized-tmp"] {
            let _ = fs::remove_file(self.side_path(id, suffix));
        }
    }

    fn state_path(&self, id: &str) -> PathBuf {
        self.queue.join(format!("{id}.state"))
    }
}

/// Splits a spool record (a spool file, or a stored original) into its
/// envelope and message, checking the recorded size.
pub fn parse_record(mut bytes: Vec<u8>) -> Result<SpooledMessage, String> {
    if bytes.len() < HEADER_LEN || !bytes.starts_with(MAGIC.as_bytes()) {
        return Err("not a mugai spool file".into());
    }
    let header = std::str::from_utf8(&bytes[MAGIC.len()..HEADER_LEN - 1])
        .map_err(|_| "damaged first line")?;
    let (sha256, size) = header.split_once(' ').ok_or("damaged first line")?;
    let size: usize = size.parse().map_err(|_| "damaged size")?;
    let sha256 = sha256.to_string();
    let envelope_end = memchr::memchr(b'\n', &bytes[HEADER_LEN..])
        .map(|p| HEADER_LEN + p)
        .ok_or("no envelope line")?;
    let envelope: Envelope = serde_json::from_slice(&bytes[HEADER_LEN..envelope_end])
        .map_err(|e| format!("bad envelope: {e}"))?;
    let body_start = envelope_end + 1;
    if bytes.len() - body_start != size {
        return Err(format!(
            "size {} does not match the recorded {size}",
            bytes.len() - body_start
        ));
    }
    bytes.drain(..body_start);
    Ok(SpooledMessage {
        envelope,
        sha256,
        message: bytes,
    })
}
