//! Where originals are kept: files in the data directory (one node, the
//! default), or tables in the shared database (nodes on PostgreSQL).
//! The pipeline, the workflow and the page call this and never care
//! which.
//!
//! The two differ in when an original becomes durable: a file is linked
//! from the spool when the message is cleaned and made durable by the
//! recorder's directory sync; a table row is written by the recorder, in
//! the transaction that indexes the message ([`Originals::in_database`]).

use std::io;

use super::index::Index;
use super::original_table::OriginalTable;
use super::store::OriginalStore;
use super::workflow::Result;
use crate::spool::SpooledMessage;

pub enum Originals {
    Files(OriginalStore),
    Table(OriginalTable),
}

impl Originals {
    /// The tables, when originals live in the database.
    pub fn in_database(&self) -> Option<&OriginalTable> {
        match self {
            Originals::Files(_) => None,
            Originals::Table(table) => Some(table),
        }
    }

    /// The files, when originals live in the data directory.
    pub fn files(&self) -> Option<&OriginalStore> {
        match self {
            Originals::Files(files) => Some(files),
            Originals::Table(_) => None,
        }
    }

    /// Reads an original back: its first envelope and its bytes.
    pub async fn read(&self, sha256: &str) -> io::Result<SpooledMessage> {
        match self {
            Originals::Files(files) => {
                let path = files.path(sha256);
                let bytes = tokio::fs::read(&path).await?;
                crate::spool::parse_record(bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }
            Originals::Table(table) => table.read(sha256).await,
        }
    }

    /// The message bytes of an original, exactly as received.
    pub async fn message(&self, sha256: &str) -> io::Result<Vec<u8>> {
        if !is_sha256(sha256) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        Ok(self.read(sha256).await?.message)
    }

    /// Deletes the bytes `sha256` unless a row not yet purged or received
    /// since `recent` needs them, or they were stored since `recent`.
    pub async fn remove_unused(&self, index: &Index, sha256: &str, recent: i64) -> Result<()> {
        match self {
            Originals::Table(table) => {
                table.remove_unused(sha256, recent).await?;
                Ok(())
            }
            Originals::Files(files) => {
                if index.bytes_in_use(sha256, recent).await? {
                    return Ok(());
                }
                let Some(parked) = files.park(sha256, recent)? else {
                    return Ok(());
                };
                if parked.recent || index.bytes_in_use(sha256, recent).await? {
                    files.restore(parked)?;
                } else {
                    files.delete(parked)?;
                }
                Ok(())
            }
        }
    }
}

pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}
