//! The recorder: one thread that writes what the pipeline records about
//! mail, a round at a time (group commit, as the spool's directory sync
//! does for renames). Workers hand it index rows and audit events and go
//! on converting and delivering; each round it takes everything queued,
//! fsyncs `originals/` once (every original linked before the round is
//! then durable; with originals in the database, they are written in the
//! transaction instead), inserts the round's rows in one transaction, and appends
//! the round's audit lines in one write, in the order they were queued: a
//! message's `received` line always comes before its `delivered` line,
//! because its row is queued before its delivery starts.
//!
//! A row's result comes back on a [`Pending`], which delivery awaits
//! before the spool entry is removed: an entry leaves the spool only once
//! its original is durable and indexed. A round that fails answers each of
//! its rows with the error (the entry is tried again later) and leaves out
//! their audit lines.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::audit::Event;
use crate::quarantine::index::LinesFor;
use crate::quarantine::{NewRow, Quarantine};

/// Most items taken into one round (a bound on one transaction's size).
const MAX_ROUND: usize = 1024;

/// Whether a row is durable and indexed: `Err` says why not.
pub type Pending = oneshot::Receiver<Result<(), String>>;

enum Item {
    /// A kept original's row, and the audit lines written once it is in.
    Row {
        row: Box<NewRow>,
        /// The spool file, which holds the original.
        spooled: PathBuf,
        events: Vec<Event>,
        done: oneshot::Sender<Result<(), String>>,
    },
    /// Audit lines of mail flow (a delivery, a failed release).
    Note(Vec<Event>),
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// The recorder thread's handle; dropping it ends the thread after the
/// items already queued.
pub struct Recorder {
    items: Sender<Item>,
    counts: Arc<Counts>,
}

/// What the recorder has written so far.
#[derive(Default)]
pub struct Counts {
    /// Rounds that wrote anything (one transaction and one append each).
    pub rounds: AtomicU64,
    /// Rows inserted.
    pub rows: AtomicU64,
}

impl Recorder {
    pub fn start(quarantine: Arc<Quarantine>, runtime: Handle) -> std::io::Result<Recorder> {
        let (items, queued) = mpsc::channel();
        let counts = Arc::new(Counts::default());
        let counted = Arc::clone(&counts);
        std::thread::Builder::new()
            .name("mugai-recorder".into())
            .spawn(move || run(&quarantine, &runtime, queued, &counted))?;
        Ok(Recorder { items, counts })
    }

    /// What has been written so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Queues a row with the audit lines its insertion makes (written
    /// only when the row is new: a retried message is recorded once).
    /// `spooled` is the spool file holding the original (read here when
    /// originals live in the database).
    pub fn row(&self, row: NewRow, spooled: PathBuf, events: Vec<Event>) -> Pending {
        let (done, pending) = oneshot::channel();
        let item = Item::Row {
            row: Box::new(row),
            spooled,
            events,
            done,
        };
        if let Err(mpsc::SendError(Item::Row { done, .. })) = self.items.send(item) {
            let _ = done.send(Err("the recorder has stopped".into()));
        }
        pending
    }

    /// Queues audit lines of mail flow.
    pub fn note(&self, events: Vec<Event>) {
        if self.items.send(Item::Note(events)).is_err() {
            tracing::error!("cannot write the audit log: the recorder has stopped");
        }
    }

    /// Returns once everything queued so far is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.items.send(Item::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

fn run(quarantine: &Quarantine, runtime: &Handle, queued: Receiver<Item>, counts: &Counts) {
    while let Ok(first) = queued.recv() {
        let mut round = vec![first];
        while round.len() < MAX_ROUND {
            match queued.try_recv() {
                Ok(item) => round.push(item),
                Err(_) => break,
            }
        }
        let rows = write_round(quarantine, runtime, round);
        counts.rounds.fetch_add(1, Ordering::Relaxed);
        counts.rows.fetch_add(rows, Ordering::Relaxed);
    }
}

/// What is left of an item once its row is taken out for the insert.
enum Done {
    Row(Vec<Event>, oneshot::Sender<Result<(), String>>),
    Note(Vec<Event>),
    Flush(oneshot::Sender<()>),
}

/// Writes one round; returns the number of rows inserted.
fn write_round(quarantine: &Quarantine, runtime: &Handle, round: Vec<Item>) -> u64 {
    let mut rows = Vec::new();
    let mut files = Vec::new();
    let mut rest = Vec::with_capacity(round.len());
    for item in round {
        rest.push(match item {
            Item::Row {
                row,
                spooled,
                events,
                done,
            } => {
                rows.push(*row);
                files.push(spooled);
                Done::Row(events, done)
            }
            Item::Note(events) => Done::Note(events),
            Item::Flush(done) => Done::Flush(done),
        });
    }
    // The lines to write: those of new rows, and the notes.
    let lines_for = |new: &[bool]| -> Vec<Event> {
        let mut lines = Vec::new();
        let mut nth_row = 0;
        for done in &rest {
            match done {
                Done::Row(row_lines, _) => {
                    if new.get(nth_row) == Some(&true) {
                        lines.extend(row_lines.iter().cloned());
                    }
                    nth_row += 1;
                }
                Done::Note(note) => lines.extend(note.iter().cloned()),
                Done::Flush(_) => {}
            }
        }
        lines
    };
    // With the chain in the database, the lines commit with the rows.
    let table = match &quarantine.audit {
        crate::audit::Audit::Table(table) if !rows.is_empty() => Some(table),
        _ => None,
    };
    let inserted: Result<Vec<bool>, String> = if rows.is_empty() {
        Ok(Vec::new())
    } else {
        let in_database = quarantine.store.in_database().is_some();
        quarantine
            .store
            .files()
            .map_or(Ok(()), |files| files.sync())
            .map_err(|e| format!("cannot store the original: {e}"))
            .and_then(|()| {
                let original = |i: usize| in_database.then(|| std::fs::read(&files[i]));
                let audit = table.map(|t| (t, &lines_for as &LinesFor<'_>));
                runtime
                    .block_on(quarantine.index.insert_rows_with(&rows, original, audit))
                    .map_err(|e| format!("cannot index the original: {e}"))
            })
    };
    if let Err(e) = &inserted {
        tracing::error!("{} originals not recorded: {e}", rows.len());
    }
    // Written already with the rows, or now: a failed round's rows get
    // no lines, its notes still do.
    if !(table.is_some() && inserted.is_ok()) {
        let events = lines_for(inserted.as_deref().unwrap_or(&[]));
        if !events.is_empty() {
            runtime.block_on(quarantine.note_all(events));
        }
    }
    let mut answers = Vec::new();
    let mut flushes = Vec::new();
    for done in rest {
        match done {
            Done::Row(_, done) => {
                answers.push((done, inserted.as_ref().map(|_| ()).map_err(Clone::clone)));
            }
            Done::Note(_) => {}
            Done::Flush(done) => flushes.push(done),
        }
    }
    for (done, result) in answers {
        let _ = done.send(result);
    }
    for done in flushes {
        let _ = done.send(());
    }
    inserted.map_or(0, |new| new.iter().filter(|&&n| n).count() as u64)
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
