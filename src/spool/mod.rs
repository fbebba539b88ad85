//! The spool: the durable on-disk queue that is the contract between
//! ingress, the sanitizer pool and delivery.
//!
//! `250` is sent only after a message is here: its file written in
//! `queue/`, its first line patched, the file fsynced and `queue/` fsynced
//! (that one asked for when the file was made, so it overlaps the
//! transfer). On start, a file in `queue/` whose first line is still the
//! placeholder was never acknowledged and is discarded; every other entry
//! is picked up again, and its hash checked before it is used (a crash
//! between the patch and the fsync leaves a first line that the bytes do
//! not match). `incoming/`, where older versions wrote, is emptied and
//! removed. An
//! entry leaves the spool only when its sanitized copy is delivered (or
//! reported to the postmaster) and its original is in the original store.
//!
//! One file per message: a fixed-width first line (format, SHA-256 and
//! size, patched in place once the data has been read, and a one-digit
//! slot counting conversions under way), the envelope as one JSON line,
//! then the message exactly as received (dot-unstuffed, CRLF line ends).
//! Delivery progress of a message that had to wait for a retry lives
//! beside it in `ID.state`, its sanitized copy in `ID.sanitized` (see
//! `pipeline::kept`). A message delivered at the first attempt makes one
//! file (one inode) and nothing else.

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
const MAGIC: &str = "MUGAI-SPOOL 2 ";
/// Length of the first line: magic, 64 hex digits, space, 20 digits
/// (size), space, one digit (conversions under way), LF.
const HEADER_LEN: usize = MAGIC.len() + 64 + 1 + 20 + 2 + 1;
/// Where the conversion digit sits in the first line.
const SLOT_OFFSET: u64 = (HEADER_LEN - 2) as u64;
/// Files written before the conversion slot (read, never written):
/// magic, 64 hex digits, space, 20 digits, LF.
const MAGIC_V1: &str = "MUGAI-SPOOL 1 ";
const HEADER_LEN_V1: usize = MAGIC_V1.len() + 64 + 1 + 20 + 1;

/// A message read back from the spool.
#[derive(Debug)]
pub struct SpooledMessage {
    pub envelope: Envelope,
    /// SHA-256 of `message`, lower-case hex (the original's name).
    pub sha256: String,
    pub message: Vec<u8>,
    /// Conversions begun and never finished, from the first line (`None`
    /// for a file written before the slot existed).
    pub conversions_unfinished: Option<u32>,
    /// The entry's own file, open for writing its conversion slot (only
    /// when read from the spool, and only for a file that has the slot).
    pub slot: Option<ConversionSlot>,
}

/// The conversion digit of an open spool entry: set before a
/// conversion, cleared after it, written in place (no new file, no
/// rename, no fsync: it guards against the relay dying, not the machine).
#[derive(Debug)]
pub struct ConversionSlot {
    file: File,
}

impl ConversionSlot {
    /// Records `n` conversions under way (at most 9 are counted).
    pub fn set(&self, n: u32) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        let digit = b'0' + n.min(9) as u8;
        self.file.write_all_at(&[digit], SLOT_OFFSET)
    }
}

/// The spool directories under `data_dir/spool`.
pub struct Spool {
    queue: PathBuf,
    corrupt: PathBuf,
    dirsync: Arc<DirSync>,
    sequence: AtomicU64,
    space: space::SpaceWatch,
}

impl Spool {
    /// Opens (creating if needed) the spool under `data_dir`, and discards
    /// what never got `250`: entries whose first line is still the
    /// placeholder, and `incoming/` of older versions.
    pub fn open(data_dir: &Path, dirsync: Arc<DirSync>) -> io::Result<Spool> {
        let root = data_dir.join("spool");
        let spool = Spool {
            queue: root.join("queue"),
            corrupt: root.join("corrupt"),
            dirsync,
            sequence: AtomicU64::new(0),
            space: space::SpaceWatch::new(root.clone()),
        };
        for dir in [&spool.queue, &spool.corrupt] {
            create_dir_durably(dir)?;
        }
        let incoming = root.join("incoming");
        if incoming.is_dir() {
            for entry in fs::read_dir(&incoming)? {
                let _ = fs::remove_file(entry?.path());
            }
            let _ = fs::remove_dir(&incoming);
        }
        for id in spool.list()? {
            if spool.is_placeholder(&id) {
                tracing::info!("{id}: discarding a message whose transfer never ended");
                let _ = fs::remove_file(spool.path(&id));
            }
        }
        Ok(spool)
    }

    /// True when entry `id`'s first line was never patched: its message
    /// never arrived whole (so it never got `250`).
    fn is_placeholder(&self, id: &str) -> bool {
        let mut head = [0u8; HEADER_LEN];
        let read = File::open(self.path(id)).and_then(|mut f| f.read_exact(&mut head));
        read.is_ok()
            && head.starts_with(MAGIC.as_bytes())
            && head[MAGIC.len()..MAGIC.len() + 64] == [b'0'; 64]
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

    /// Starts a message: its file in `queue/` holds a placeholder first
    /// line until [`SpoolWriter::commit`], and goes if never committed.
    pub fn create(&self, envelope: &Envelope, max_size: u64) -> io::Result<SpoolWriter> {
        SpoolWriter::create(
            self.queue.join(&envelope.queue_id),
            &self.dirsync,
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

    /// How many messages the spool holds (for the metrics).
    pub fn count(&self) -> io::Result<usize> {
        let mut n = 0;
        for entry in fs::read_dir(&self.queue)? {
            if entry?
                .file_name()
                .to_str()
                .is_some_and(|n| !n.contains('.'))
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Reads one message and its envelope, keeping the file open for its
    /// conversion slot.
    pub fn read(&self, id: &str) -> io::Result<SpooledMessage> {
        let mut file = File::options()
            .read(true)
            .write(true)
            .open(self.queue.join(id))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let mut spooled =
            parse_record(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if spooled.conversions_unfinished.is_some() {
            spooled.slot = Some(ConversionSlot { file });
        }
        Ok(spooled)
    }

    /// The committed file of an entry.
    pub fn path(&self, id: &str) -> PathBuf {
        self.queue.join(id)
    }

    /// Delivery progress of a message that has been tried before.
    pub fn read_state(&self, id: &str) -> io::Result<Option<DeliveryState>> {
        match fs::read(self.state_path(id)) {
            Ok(bytes) => serde_json::from_slice::<DeliveryState>(&bytes)
                .map(|state| {
                    Some(DeliveryState {
                        side_files: true,
                        ..state
                    })
                })
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

    /// Removes a finished entry, and the files beside it when it may have
    /// any (`side_files`: it was tried before, or its state was written).
    /// Not fsynced: if the removal is lost in a crash the message is
    /// delivered once more, never lost.
    pub fn remove(&self, id: &str, side_files: bool) -> io::Result<()> {
        if side_files {
            self.remove_side_files(id);
            match fs::remove_file(self.state_path(id)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
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
    let (header_len, has_slot) = if bytes.starts_with(MAGIC.as_bytes()) {
        (HEADER_LEN, true)
    } else if bytes.starts_with(MAGIC_V1.as_bytes()) {
        (HEADER_LEN_V1, false)
    } else {
        return Err("not a mugai spool file".into());
    };
    if bytes.len() < header_len || bytes[header_len - 1] != b'\n' {
        return Err("damaged first line".into());
    }
    let header = std::str::from_utf8(&bytes[MAGIC.len()..header_len - 1])
        .map_err(|_| "damaged first line")?;
    let (sha256, rest) = header.split_once(' ').ok_or("damaged first line")?;
    let (size, slot) = match has_slot {
        true => rest.split_once(' ').ok_or("damaged first line")?,
        false => (rest, "0"),
    };
    let size: usize = size.parse().map_err(|_| "damaged size")?;
    // A damaged digit counts as a conversion under way (fail closed).
    let unfinished = slot.parse::<u32>().unwrap_or(1);
    let sha256 = sha256.to_string();
    let envelope_end = memchr::memchr(b'\n', &bytes[header_len..])
        .map(|p| header_len + p)
        .ok_or("no envelope line")?;
    let envelope: Envelope = serde_json::from_slice(&bytes[header_len..envelope_end])
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
        conversions_unfinished: has_slot.then_some(unfinished),
        slot: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(id: &str) -> Envelope {
        Envelope {
            queue_id: id.into(),
            sender: "a@example.com".into(),
            recipients: vec!["b@example.lg.jp".into()],
            client: "192.0.2.1:25".into(),
            helo: "mx".into(),
            tls: None,
            received_at: 1,
            smtputf8: false,
            origin: Origin::Received,
        }
    }

    fn spool(dir: &Path) -> Spool {
        Spool::open(dir, Arc::new(DirSync::start().unwrap())).unwrap()
    }

    fn queue_files(spool: &Spool) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&spool.queue)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_conversion_slot_is_written_in_place_in_the_entry_itself() {
        let dir = tempfile::tempdir().unwrap();
        let spool = spool(dir.path());
        spool
            .inject(&envelope("Q1"), b"Subject: x\r\n\r\nbody\r\n")
            .unwrap();
        let read = spool.read("Q1").unwrap();
        assert_eq!(read.conversions_unfinished, Some(0));
        assert_eq!(read.message, b"Subject: x\r\n\r\nbody\r\n");
        read.slot.as_ref().unwrap().set(1).unwrap();
        // No file beside the entry: the mark is a digit in its first line.
        assert_eq!(queue_files(&spool), ["Q1"]);
        let again = spool.read("Q1").unwrap();
        assert_eq!(again.conversions_unfinished, Some(1));
        assert_eq!(again.message, read.message);
        assert_eq!(again.sha256, read.sha256);
        again.slot.as_ref().unwrap().set(0).unwrap();
        assert_eq!(spool.read("Q1").unwrap().conversions_unfinished, Some(0));
        spool.remove("Q1", false).unwrap();
        assert!(queue_files(&spool).is_empty());
    }

    #[test]
    fn an_entry_is_made_in_place_and_only_a_committed_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let spool = spool(dir.path());
        let mut dropped = spool.create(&envelope("Q4"), 100).unwrap();
        dropped.write(b"never ends").unwrap();
        assert_eq!(queue_files(&spool), ["Q4"]);
        assert!(spool.is_placeholder("Q4"));
        drop(dropped);
        assert!(queue_files(&spool).is_empty());
        let mut kept = spool.create(&envelope("Q5"), 100).unwrap();
        let (fed, written) = kept.fill(|buffer| {
            buffer.extend_from_slice(b"x: y\r\n\r\nz\r\n");
            7
        });
        assert_eq!(fed, 7);
        written.unwrap();
        kept.commit().unwrap();
        assert!(!spool.is_placeholder("Q5"));
        assert_eq!(spool.read("Q5").unwrap().message, b"x: y\r\n\r\nz\r\n");
        // A crash mid-transfer leaves the placeholder: gone on the next open.
        let cut = spool.create(&envelope("Q6"), 100).unwrap();
        std::mem::forget(cut);
        let reopened = Spool::open(dir.path(), Arc::new(DirSync::start().unwrap())).unwrap();
        assert_eq!(queue_files(&reopened), ["Q5"]);
    }

    #[test]
    fn entries_written_before_the_slot_are_read_and_keep_their_state_file() {
        let dir = tempfile::tempdir().unwrap();
        let spool = spool(dir.path());
        let message = b"Subject: old\r\n\r\nold\r\n";
        let sha = crate::sanitize::hex(&<sha2::Sha256 as sha2::Digest>::digest(message));
        let mut old = format!("MUGAI-SPOOL 1 {sha} {:020}\n", message.len()).into_bytes();
        assert_eq!(old.len(), HEADER_LEN_V1);
        serde_json::to_writer(&mut old, &envelope("Q2")).unwrap();
        old.push(b'\n');
        old.extend_from_slice(message);
        fs::write(spool.path("Q2"), &old).unwrap();
        let read = spool.read("Q2").unwrap();
        assert_eq!(read.conversions_unfinished, None);
        assert!(read.slot.is_none());
        assert_eq!(read.message, message);
        assert_eq!(read.sha256, sha);
        let mut state = DeliveryState::fresh(&read.envelope);
        state.conversions_unfinished = 1;
        spool.write_state_unsynced("Q2", &state).unwrap();
        let back = spool.read_state("Q2").unwrap().unwrap();
        assert_eq!(back.conversions_unfinished, 1);
        assert!(back.side_files);
        spool.remove("Q2", back.side_files).unwrap();
        assert!(queue_files(&spool).is_empty());
    }

    #[test]
    fn a_damaged_first_line_is_refused_and_a_damaged_digit_counts_as_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let spool = spool(dir.path());
        spool.inject(&envelope("Q3"), b"x\r\n").unwrap();
        let mut bytes = fs::read(spool.path("Q3")).unwrap();
        bytes[SLOT_OFFSET as usize] = b'?';
        assert_eq!(
            parse_record(bytes.clone()).unwrap().conversions_unfinished,
            Some(1)
        );
        bytes[HEADER_LEN - 1] = b' ';
        assert!(parse_record(bytes).is_err());
        assert!(parse_record(b"MUGAI-SPOOL 2 short\n".to_vec()).is_err());
    }
}
