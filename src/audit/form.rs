//! The audit log in the form the deployment uses: a file in the data
//! directory (one node, SQLite), or the `audit_log` table (nodes sharing
//! PostgreSQL). Everything that writes or reads the log goes through
//! this, so the page, the CLI and the relay never care which.

use std::io;
use std::path::PathBuf;

use sqlx::AnyConnection;

use super::{AuditLog, AuditTable, Entry, Event, Page, Verification};

pub enum Audit {
    File(AuditLog),
    Table(AuditTable),
}

impl Audit {
    /// Appends several events as one unit, in order.
    pub async fn append_all(&self, events: Vec<Event>) -> io::Result<Vec<Entry>> {
        match self {
            Audit::File(log) => log.append_all(events),
            Audit::Table(table) => table.append_all(events).await,
        }
    }

    /// Appends one event.
    pub async fn append(&self, event: Event) -> io::Result<Entry> {
        self.append_all(vec![event])
            .await?
            .pop()
            .ok_or_else(|| io::Error::other("no audit line written"))
    }

    /// Appends `event` so that it stands or falls with the caller's
    /// transaction: inside it for the table; for the file, written (and
    /// synced) now, before the caller commits.
    pub async fn append_in(&self, conn: &mut AnyConnection, event: Event) -> io::Result<()> {
        match self {
            Audit::File(log) => log.append(event).map(|_| ()),
            Audit::Table(table) => table.append_in(conn, vec![event]).await.map(|_| ()),
        }
    }

    /// Walks the whole chain.
    pub async fn verify(&self) -> io::Result<Verification> {
        match self {
            Audit::File(log) => {
                let path = log.path().to_path_buf();
                blocking(move || super::verify(&path)).await
            }
            Audit::Table(table) => table.verify().await,
        }
    }

    /// The newest entries that pass `keep`, as [`super::read_newest`].
    pub async fn read_newest(
        &self,
        keep: impl FnMut(&Entry) -> bool + Send + 'static,
        stop: impl FnMut(&Entry) -> bool + Send + 'static,
        skip: usize,
        take: usize,
    ) -> io::Result<Page> {
        match self {
            Audit::File(log) => {
                let path = log.path().to_path_buf();
                blocking(move || super::read_newest(&path, keep, stop, skip, take)).await
            }
            Audit::Table(table) => table.read_newest(keep, stop, skip, take).await,
        }
    }

    /// Where the log is, for messages: the file's path, or the table.
    pub fn describe(&self) -> String {
        match self {
            Audit::File(log) => log.path().display().to_string(),
            Audit::Table(_) => "the audit_log table".to_string(),
        }
    }

    /// The file, when the log is one.
    pub fn file(&self) -> Option<PathBuf> {
        match self {
            Audit::File(log) => Some(log.path().to_path_buf()),
            Audit::Table(_) => None,
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}
