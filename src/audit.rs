//! The audit log: append-only, one JSON object per line, each line
//! carrying the SHA-256 of the line before it (`prev`) and its number
//! (`seq`), so editing, inserting or deleting a line anywhere but at the
//! very end breaks the chain at the next line. `mugai audit verify` walks
//! the chain; it also prints the last line's hash, which an auditor can
//! note down to detect a later truncation.
//!
//! Several processes append (the relay, the web page, the CLI): each
//! append takes an exclusive `flock` on the file and reads the previous
//! line from disk when another process wrote since, so the chain stays
//! one chain. Mail events are written without fsync (the spool and the
//! index are their durable record); people's actions are fsynced.
//!
//! Nodes that share PostgreSQL keep the same lines in a table instead
//! ([`AuditTable`]); [`Audit`] is whichever the deployment uses.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::sanitize::hex;

mod form;
mod table;
pub use form::Audit;
pub use table::AuditTable;

/// The hash before the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    /// UTC, RFC 3339.
    pub time: String,
    /// received, sanitized, refused, delivered, request, approve, reject,
    /// release, export, purge, login, login-failed, logout, user-add,
    /// user-passwd, user-disable.
    pub event: String,
    /// Who did it: a user name, `recipient:ADDR`, `cli:USER`, or `mugai`.
    pub actor: String,
    /// The quarantine id concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub detail: Map<String, Value>,
    pub prev: String,
}

/// An event to append (the log fills in seq, time and prev).
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub event: &'static str,
    pub actor: String,
    pub id: Option<String>,
    pub detail: Map<String, Value>,
}

impl Event {
    /// An event by `actor`. Actors can come from outside (a login form's
    /// user field): they are kept to [`MAX_ACTOR`] characters without
    /// control characters, so nobody can write megabytes into the log.
    pub fn new(event: &'static str, actor: impl Into<String>) -> Event {
        Event {
            event,
            actor: short(&actor.into()),
            ..Event::default()
        }
    }

    pub fn id(mut self, id: impl Into<String>) -> Event {
        self.id = Some(id.into());
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Event {
        self.detail.insert(key.to_string(), value.into());
        self
    }

    /// Marks the line as concerning the tenant `name`: a tenant's staff
    /// see only lines so marked. `default` (one municipality) is not
    /// written, so single-tenant lines stay as they were.
    pub fn tenant(self, name: &str) -> Event {
        if name.is_empty() || name == crate::config::DEFAULT_TENANT {
            self
        } else {
            self.with("tenant", name)
        }
    }

    /// The tenant a line concerns (`default` when unmarked).
    pub fn tenant_of(entry: &Entry) -> &str {
        entry
            .detail
            .get("tenant")
            .and_then(Value::as_str)
            .unwrap_or(crate::config::DEFAULT_TENANT)
    }

    /// Events of people (not of mail flow) are fsynced.
    fn is_action(&self) -> bool {
        !matches!(
            self.event,
            "received" | "sanitized" | "refused" | "delivered"
        )
    }
}

/// Longest actor name recorded, in characters.
pub const MAX_ACTOR: usize = 64;

/// `text` without control or invisible characters, cut to [`MAX_ACTOR`] characters
/// (a cut is marked with `…`).
pub fn short(text: &str) -> String {
    let mut chars = text
        .chars()
        .filter(|&c| !c.is_control() && !crate::sanitize::is_invisible(c));
    let mut out: String = chars.by_ref().take(MAX_ACTOR).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// The open log.
pub struct AuditLog {
    path: PathBuf,
    tail: Mutex<Tail>,
}

/// What this process knows of the end of the file.
struct Tail {
    file: File,
    len: u64,
    seq: u64,
    hash: String,
}

impl AuditLog {
    /// Opens (creating) `data_dir/audit.log`.
    pub fn open(data_dir: &Path) -> io::Result<AuditLog> {
        let path = data_dir.join("audit.log");
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)?;
        Ok(AuditLog {
            path,
            tail: Mutex::new(Tail {
                file,
                len: u64::MAX,
                seq: 0,
                hash: GENESIS.to_string(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event. Errors are returned (callers log them); a
    /// person's action that cannot be recorded is refused by its caller.
    pub fn append(&self, event: Event) -> io::Result<Entry> {
        let mut entries = self.append_all(vec![event])?;
        entries
            .pop()
            .ok_or_else(|| io::Error::other("no audit line written"))
    }

    /// Appends several events as one write under one lock (the lines a
    /// message's arrival makes): one lock round trip instead of one per
    /// line. Synced when any of them is a person's action.
    pub fn append_all(&self, events: Vec<Event>) -> io::Result<Vec<Entry>> {
        let mut tail = self
            .tail
            .lock()
            .map_err(|_| io::Error::other("audit log lock poisoned"))?;
        tail.file.lock()?;
        let result = append_locked(&mut tail, events);
        let _ = tail.file.unlock();
        result
    }
}

fn append_locked(tail: &mut Tail, events: Vec<Event>) -> io::Result<Vec<Entry>> {
    let len = tail.file.metadata()?.len();
    if len != tail.len {
        // Someone else appended (or this is the first append): read the
        // last line again.
        let (seq, hash) = last_line(&mut tail.file, len)?;
        tail.seq = seq;
        tail.hash = hash;
    }
    let action = events.iter().any(Event::is_action);
    let chained = chain(tail.seq, &tail.hash, events)?;
    let mut lines = Vec::with_capacity(chained.iter().map(|c| c.line.len() + 1).sum());
    for c in &chained {
        lines.extend_from_slice(c.line.as_bytes());
        lines.push(b'\n');
    }
    tail.file.write_all(&lines)?;
    if action {
        tail.file.sync_data()?;
    }
    tail.len = len + lines.len() as u64;
    if let Some(last) = chained.last() {
        tail.seq = last.entry.seq;
        tail.hash = last.hash.clone();
    }
    Ok(chained.into_iter().map(|c| c.entry).collect())
}

/// One event made into a line of the chain.
pub(crate) struct Chained {
    pub entry: Entry,
    /// The line as written (without its newline).
    pub line: String,
    /// SHA-256 of `line`: the next line's `prev`.
    pub hash: String,
}

/// Numbers and links `events` after the line `seq` whose hash is
/// `hash`, all stamped with the current time. The file and the table
/// write exactly these lines, so one `verify` rule holds for both.
pub(crate) fn chain(seq: u64, hash: &str, events: Vec<Event>) -> io::Result<Vec<Chained>> {
    let time = rfc3339(crate::units::unix_now());
    let (mut seq, mut hash) = (seq, hash.to_string());
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let entry = Entry {
            seq: seq + 1,
            time: time.clone(),
            event: event.event.to_string(),
            actor: event.actor,
            id: event.id,
            detail: event.detail,
            prev: hash,
        };
        let line = serde_json::to_string(&entry).map_err(io::Error::other)?;
        hash = hex(&Sha256::digest(line.as_bytes()));
        seq = entry.seq;
        out.push(Chained {
            entry,
            line,
            hash: hash.clone(),
        });
    }
    Ok(out)
}

/// The seq and hash of the last line of a file `len` bytes long.
fn last_line(file: &mut File, len: u64) -> io::Result<(u64, String)> {
    if len == 0 {
        return Ok((0, GENESIS.to_string()));
    }
    // Lines are short; read back far enough to hold the last one whole.
    let mut back = 4096u64;
    loop {
        let start = len.saturating_sub(back);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        Read::by_ref(file).take(len - start).read_to_end(&mut buf)?;
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        match memchr::memrchr(b'\n', body) {
            Some(p) => return Ok(seq_and_hash(&body[p + 1..])),
            None if start == 0 => return Ok(seq_and_hash(body)),
            None => back = back.saturating_mul(4),
        }
    }
}

fn seq_and_hash(line: &[u8]) -> (u64, String) {
    let seq = serde_json::from_slice::<Entry>(line)
        .map(|e| e.seq)
        .unwrap_or(0);
    (seq, hex(&Sha256::digest(line)))
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verification {
    /// The whole chain holds: number of lines and the last line's hash.
    Intact { lines: u64, head: String },
    /// The first line that does not follow from the one before it.
    Broken { line: u64, problem: String },
}

/// Checks the chain of the log at `path`.
pub fn verify(path: &Path) -> io::Result<Verification> {
    let reader = BufReader::new(File::open(path)?);
    let mut checker = Checker::default();
    for line in reader.split(b'\n') {
        if let Some(broken) = checker.next(&line?) {
            return Ok(broken);
        }
    }
    Ok(checker.finish())
}

/// Walks a chain line by line, from the first: the rule `verify` applies
/// to the file and to the table alike.
pub(crate) struct Checker {
    prev: String,
    n: u64,
}

impl Default for Checker {
    fn default() -> Checker {
        Checker {
            prev: GENESIS.to_string(),
            n: 0,
        }
    }
}

impl Checker {
    /// Takes the next line; `Some` when the chain breaks there.
    pub(crate) fn next(&mut self, line: &[u8]) -> Option<Verification> {
        self.n += 1;
        let n = self.n;
        let entry: Entry = match serde_json::from_slice(line) {
            Ok(entry) => entry,
            Err(e) => {
                return Some(Verification::Broken {
                    line: n,
                    problem: format!("not an audit entry ({e})"),
                });
            }
        };
        if entry.prev != self.prev {
            let problem = if n == 1 {
                "the first line does not start the chain (lines before it were removed)".into()
            } else {
                format!(
                    "its prev hash does not match line {}: line {} was changed, or lines between them were removed",
                    n - 1,
                    n - 1
                )
            };
            return Some(Verification::Broken { line: n, problem });
        }
        if entry.seq != n {
            return Some(Verification::Broken {
                line: n,
                problem: format!("seq {} where {n} was expected", entry.seq),
            });
        }
        self.prev = hex(&Sha256::digest(line));
        None
    }

    /// The verdict once every line was taken.
    pub(crate) fn finish(self) -> Verification {
        Verification::Intact {
            lines: self.n,
            head: self.prev,
        }
    }
}

/// What [`read_newest`] found.
pub struct Page {
    /// Matching entries, newest first.
    pub entries: Vec<Entry>,
    /// More matching entries lie further back.
    pub more: bool,
}

/// Makes a [`Page`] from entries offered newest first: the file and the
/// table walk the log their own way and page it by this one rule.
pub(crate) struct Pager<K, S> {
    keep: K,
    stop: S,
    skip: usize,
    take: usize,
    matched: usize,
    entries: Vec<Entry>,
}

impl<K: FnMut(&Entry) -> bool, S: FnMut(&Entry) -> bool> Pager<K, S> {
    pub(crate) fn new(keep: K, stop: S, skip: usize, take: usize) -> Self {
        Pager {
            keep,
            stop,
            skip,
            take,
            matched: 0,
            entries: Vec::new(),
        }
    }

    /// Takes the next older entry; `Some` once the page is complete.
    pub(crate) fn offer(&mut self, entry: Entry) -> Option<Page> {
        if (self.stop)(&entry) {
            return Some(self.page(false));
        }
        if !(self.keep)(&entry) {
            return None;
        }
        self.matched += 1;
        if self.matched <= self.skip {
            return None;
        }
        if self.entries.len() == self.take {
            return Some(self.page(true));
        }
        self.entries.push(entry);
        None
    }

    /// The page when the log has no older entries.
    pub(crate) fn finish(mut self) -> Page {
        self.page(false)
    }

    fn page(&mut self, more: bool) -> Page {
        Page {
            entries: std::mem::take(&mut self.entries),
            more,
        }
    }
}

/// Longest line [`read_newest`] puts together; a longer one (only a
/// damaged log has one) is skipped, as `verify` would report it.
const MAX_LINE: usize = 4 << 20;

/// Reads the log from its end: skips the `skip` newest entries that pass
/// `keep`, returns the next `take` (newest first), and whether more pass
/// `keep` further back. `stop` ends the walk early (an entry older than
/// the oldest wanted). Only the part of the file the page needs is read,
/// however long the log has grown. Lines that do not parse are skipped
/// (verify reports them).
pub fn read_newest(
    path: &Path,
    keep: impl FnMut(&Entry) -> bool,
    stop: impl FnMut(&Entry) -> bool,
    skip: usize,
    take: usize,
) -> io::Result<Page> {
    let mut pager = Pager::new(keep, stop, skip, take);
    const BLOCK: u64 = 64 * 1024;
    let mut file = File::open(path)?;
    let mut pos = file.metadata()?.len();
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let start = pos.saturating_sub(BLOCK);
        let mut block = vec![0u8; (pos - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut block)?;
        block.extend_from_slice(&carry);
        pos = start;
        // The first piece may continue in the block before.
        let first = if pos == 0 {
            0
        } else {
            match memchr::memchr(b'\n', &block) {
                Some(p) => p + 1,
                None if block.len() > MAX_LINE => block.len(),
                None => {
                    carry = block;
                    continue;
                }
            }
        };
        for line in block[first..].rsplit(|&b| b == b'\n') {
            let Ok(entry) = serde_json::from_slice::<Entry>(line) else {
                continue;
            };
            if let Some(page) = pager.offer(entry) {
                return Ok(page);
            }
        }
        if pos == 0 {
            return Ok(pager.finish());
        }
        carry = block[..first].to_vec();
        if carry.len() > MAX_LINE {
            carry.clear();
        }
    }
}

/// Unix seconds → `2026-11-23T01:02:03Z`.
pub fn rfc3339(unix: i64) -> String {
    mail_parser::DateTime::from_timestamp(unix).to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_detects_an_edited_line_and_names_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        for n in 0..5 {
            log.append(Event::new("login", format!("user{n}"))).unwrap();
        }
        let path = dir.path().join("audit.log");
        let Verification::Intact { lines, .. } = verify(&path).unwrap() else {
            panic!("intact log reported broken");
        };
        assert_eq!(lines, 5);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("user2", "userX", 1)).unwrap();
        assert!(matches!(
            verify(&path).unwrap(),
            Verification::Broken { line: 4, .. }
        ));
    }

    #[test]
    fn a_second_writer_continues_the_same_chain() {
        let dir = tempfile::tempdir().unwrap();
        let a = AuditLog::open(dir.path()).unwrap();
        let b = AuditLog::open(dir.path()).unwrap();
        a.append(Event::new("login", "a")).unwrap();
        b.append(Event::new("login", "b")).unwrap();
        let e = a.append(Event::new("logout", "a").id("q1")).unwrap();
        assert_eq!(e.seq, 3);
        assert!(matches!(
            verify(a.path()).unwrap(),
            Verification::Intact { lines: 3, .. }
        ));
    }

    #[test]
    fn several_events_in_one_append_extend_the_chain_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let a = AuditLog::open(dir.path()).unwrap();
        let b = AuditLog::open(dir.path()).unwrap();
        a.append(Event::new("login", "a")).unwrap();
        let entries = b
            .append_all(vec![
                Event::new("received", "mugai").id("q1"),
                Event::new("sanitized", "mugai").id("q1"),
            ])
            .unwrap();
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(entries[0].event, "received");
        let e = a.append(Event::new("logout", "a")).unwrap();
        assert_eq!(e.seq, 4);
        assert!(matches!(
            verify(a.path()).unwrap(),
            Verification::Intact { lines: 4, .. }
        ));
    }

    #[test]
    fn actors_from_outside_are_kept_short() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        let huge = "a".repeat(1 << 20) + "\n\u{1b}";
        let entry = log.append(Event::new("login-failed", huge)).unwrap();
        assert_eq!(entry.actor.chars().count(), MAX_ACTOR + 1);
        assert!(entry.actor.ends_with('…'));
        assert!(std::fs::metadata(log.path()).unwrap().len() < 1000);
    }

    #[test]
    fn pages_are_read_from_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        // Enough lines to span several 64 KiB blocks.
        for n in 0..3000 {
            let actor = if n % 3 == 0 { "sato" } else { "mugai" };
            log.append(Event::new("sanitized", actor).id(format!("{n:0>40}")))
                .unwrap();
        }
        let sato = |e: &Entry| e.actor == "sato";
        let page = read_newest(log.path(), sato, |_| false, 0, 10).unwrap();
        let seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..10).map(|i| 2998 - 3 * i).collect::<Vec<u64>>());
        assert!(page.more);
        let last = read_newest(log.path(), sato, |_| false, 995, 10).unwrap();
        assert_eq!(last.entries.len(), 5);
        assert_eq!(last.entries.last().unwrap().seq, 1);
        assert!(!last.more);
        let stopped = read_newest(log.path(), |_| true, |e| e.seq <= 2990, 0, 100).unwrap();
        assert_eq!(stopped.entries.len(), 10);
        assert!(!stopped.more);
    }

    #[test]
    fn times_are_utc_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_392_000), "2026-11-23T00:00:00Z");
    }
}
