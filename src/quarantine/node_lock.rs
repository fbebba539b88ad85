//! Work that one node at a time may do (retention's purge): on
//! PostgreSQL a session-level advisory lock, taken without waiting, on a
//! connection of its own that is closed (never returned to the pool)
//! afterwards, so the lock ends with it even if an unlock were missed.
//! A single node on SQLite needs no lock.

use sqlx::pool::PoolConnection;
use sqlx::{Any, Connection, Row};

use super::index::{Index, Result};

/// The purge's key ("mugaiPrg" in ASCII).
pub const PURGE: i64 = 0x6d75_6761_6950_7267;

/// A held lock; [`NodeLock::release`] ends it.
pub struct NodeLock {
    conn: Option<PoolConnection<Any>>,
}

impl Index {
    /// Takes the lock `key` if no other node holds it; `None` if one does.
    pub async fn try_lock(&self, key: i64) -> Result<Option<NodeLock>> {
        if !self.is_postgres() {
            return Ok(Some(NodeLock { conn: None }));
        }
        let mut conn = self.pool().acquire().await?;
        let got: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        Ok(got.then_some(NodeLock { conn: Some(conn) }))
    }
}

impl NodeLock {
    /// Ends the lock by closing its connection.
    pub async fn release(self) {
        if let Some(conn) = self.conn {
            let _ = conn.detach().close().await;
        }
    }
}
