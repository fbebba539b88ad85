//! Originals in the database, for nodes that share PostgreSQL: any node
//! can then export or release any original. Each is stored as the spool
//! file was (the envelope line, then the message as received) in 1 MiB
//! `BYTEA` rows of `original_chunks`, under a row of `originals` that
//! says its size and when it was last stored.
//!
//! Chunked rows rather than large objects: rows go in the same
//! transaction as the message's index row (the original and its row are
//! committed together), are deleted by a plain `DELETE` (large objects
//! would need `lo_unlink` and leave orphans when a step is missed), are
//! replicated and backed up with everything else, and are read and
//! written a bounded piece at a time (one `BYTEA` of 25 MB would be held
//! whole, several times over, on both ends).
//!
//! Retention meets new arrivals as in the file store: a purge deletes
//! an original only when it was not stored within the last day and no
//! row that is not purged (or is recent) names it, checked in the
//! `DELETE` itself; a store that finds the row refreshes its time.

use std::io;

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool, Row};

use super::index::{IndexError, Result};
use crate::sanitize::hex;
use crate::spool::{SpooledMessage, parse_record};

/// Bytes per chunk row.
pub const CHUNK: usize = 1 << 20;

/// The tables, on an open pool.
#[derive(Clone)]
pub struct OriginalTable {
    pool: AnyPool,
}

impl OriginalTable {
    pub fn new(pool: AnyPool) -> OriginalTable {
        OriginalTable { pool }
    }

    /// Stores `record` (a spool file's bytes) as the original `sha256`
    /// inside the caller's transaction, or refreshes the time of the one
    /// stored already.
    pub async fn put(
        conn: &mut AnyConnection,
        sha256: &str,
        record: &[u8],
        now: i64,
    ) -> Result<()> {
        // Twice at most: a purge may delete the row between the insert
        // that found it and the update of its time.
        for _ in 0..2 {
            let new = sqlx::query(
                "INSERT INTO originals (sha256, size, stored_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(sha256)
            .bind(record.len() as i64)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            if new.rows_affected() == 1 {
                for (seq, chunk) in record.chunks(CHUNK).enumerate() {
                    sqlx::query(
                        "INSERT INTO original_chunks (sha256, seq, data) VALUES ($1, $2, $3)",
                    )
                    .bind(sha256)
                    .bind(seq as i64)
                    .bind(chunk)
                    .execute(&mut *conn)
                    .await?;
                }
                return Ok(());
            }
            let kept = sqlx::query("UPDATE originals SET stored_at = $1 WHERE sha256 = $2")
                .bind(now)
                .bind(sha256)
                .execute(&mut *conn)
                .await?;
            if kept.rows_affected() == 1 {
                return Ok(());
            }
        }
        Err(IndexError::new(
            "the original kept disappearing while it was stored",
        ))
    }

    /// Reads the original `sha256` back, checking it is whole: its size,
    /// and the message's SHA-256 against its name.
    pub async fn read(&self, sha256: &str) -> io::Result<SpooledMessage> {
        let db = |e: sqlx::Error| io::Error::other(format!("original {sha256}: {e}"));
        let Some(size) = sqlx::query("SELECT size FROM originals WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
        else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("original {sha256} is not stored"),
            ));
        };
        let size: i64 = size.try_get(0).map_err(db)?;
        let mut record = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 30));
        // A chunk at a time: never more than one chunk beyond the record
        // is held.
        let mut seq = 0i64;
        while (record.len() as i64) < size {
            let Some(row) =
                sqlx::query("SELECT data FROM original_chunks WHERE sha256 = $1 AND seq = $2")
                    .bind(sha256)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?
            else {
                break;
            };
            let data: Vec<u8> = row.try_get(0).map_err(db)?;
            record.extend_from_slice(&data);
            seq += 1;
        }
        let damaged = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        if record.len() as i64 != size {
            return Err(damaged(format!(
                "original {sha256} is damaged: {} of {size} bytes stored",
                record.len()
            )));
        }
        let message = parse_record(record).map_err(|e| damaged(e.to_string()))?;
        if hex(&Sha256::digest(&message.message)) != sha256 {
            return Err(damaged(format!(
                "original {sha256} is damaged: its bytes do not match its hash"
            )));
        }
        Ok(message)
    }

    /// Deletes the original `sha256` unless it was stored since `recent`
    /// or a row not yet purged (or received since `recent`) names it.
    /// Returns whether it was deleted.
    pub async fn remove_unused(&self, sha256: &str, recent: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let gone = sqlx::query(
            "DELETE FROM originals WHERE sha256 = $1 AND stored_at < $2 AND NOT EXISTS \
             (SELECT 1 FROM messages m WHERE m.sha256 = $3 AND (m.state <> 'purged' OR m.received_at >= $4))",
        )
        .bind(sha256)
        .bind(recent)
        .bind(sha256)
        .bind(recent)
        .execute(&mut *tx)
        .await?;
        if gone.rows_affected() == 1 {
            sqlx::query("DELETE FROM original_chunks WHERE sha256 = $1")
                .bind(sha256)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(gone.rows_affected() == 1)
    }
}
