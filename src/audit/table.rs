//! The audit log as a table (`audit_log`: seq, line, hash), for nodes
//! that share PostgreSQL. Each line is exactly what the file form would
//! hold, so one rule verifies both. An append takes a transaction-scoped
//! advisory lock before it reads the last line, so appends from every
//! node queue up and extend one chain; the lock goes with the commit,
//! and a transaction that rolls back leaves no line and no gap. An
//! append can join a caller's transaction (a decision and its line
//! commit together).

use std::io;

use sqlx::{AnyConnection, AnyPool, Row};

use super::{Checker, Entry, Event, GENESIS, Page, Pager, Verification, chain};

/// The advisory lock's key ("mugaiAud" in ASCII): only audit appends
/// take it.
const LOCK_KEY: i64 = 0x6d75_6761_6941_7564;

/// Lines written per statement (three parameters each).
const INSERT_BATCH: usize = 200;

/// Rows read per query when walking the chain.
const BATCH: i64 = 1000;

/// The table, on an open pool.
pub struct AuditTable {
    pool: AnyPool,
    postgres: bool,
}

fn db(e: sqlx::Error) -> io::Error {
    io::Error::other(format!("audit table: {e}"))
}

impl AuditTable {
    pub fn new(pool: AnyPool, postgres: bool) -> AuditTable {
        AuditTable { pool, postgres }
    }

    /// Appends `events` inside the caller's transaction.
    pub async fn append_in(
        &self,
        conn: &mut AnyConnection,
        events: Vec<Event>,
    ) -> io::Result<Vec<Entry>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        if self.postgres {
            sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        let (seq, hash) = match last {
            Some(row) => (
                row.try_get::<i64, _>(0).map_err(db)? as u64,
                row.try_get::<String, _>(1).map_err(db)?,
            ),
            None => (0, GENESIS.to_string()),
        };
        let chained = chain(seq, &hash, events)?;
        // Many lines to a statement: a round's lines cost one round trip.
        for batch in chained.chunks(INSERT_BATCH) {
            let values: Vec<String> = (0..batch.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO audit_log (seq, line, hash) VALUES {}",
                values.join(", ")
            );
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
            for c in batch {
                insert = insert.bind(c.entry.seq as i64).bind(&c.line).bind(&c.hash);
            }
            insert.execute(&mut *conn).await.map_err(db)?;
        }
        Ok(chained.into_iter().map(|c| c.entry).collect())
    }

    /// Appends `events` in a transaction of its own.
    pub async fn append_all(&self, events: Vec<Event>) -> io::Result<Vec<Entry>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let entries = self.append_in(&mut tx, events).await?;
        tx.commit().await.map_err(db)?;
        Ok(entries)
    }

    /// Up to [`BATCH`] rows (seq, line) past `from`: upwards when
    /// `newer`, else downwards.
    async fn batch(&self, from: i64, newer: bool) -> io::Result<Vec<(i64, String)>> {
        let sql = if newer {
            "SELECT seq, line FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        } else {
            "SELECT seq, line FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2"
        };
        let rows = sqlx::query(sql)
            .bind(from)
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| Ok((row.try_get(0).map_err(db)?, row.try_get(1).map_err(db)?)))
            .collect()
    }

    /// Checks the chain from its first line.
    pub async fn verify(&self) -> io::Result<Verification> {
        let mut checker = Checker::default();
        let mut after = 0i64;
        loop {
            let rows = self.batch(after, true).await?;
            for (seq, line) in &rows {
                after = *seq;
                if let Some(broken) = checker.next(line.as_bytes()) {
                    return Ok(broken);
                }
            }
            if (rows.len() as i64) < BATCH {
                return Ok(checker.finish());
            }
        }
    }

    /// As [`super::read_newest`], over the table.
    pub async fn read_newest(
        &self,
        keep: impl FnMut(&Entry) -> bool,
        stop: impl FnMut(&Entry) -> bool,
        skip: usize,
        take: usize,
    ) -> io::Result<Page> {
        let mut pager = Pager::new(keep, stop, skip, take);
        let mut before = i64::MAX;
        loop {
            let rows = self.batch(before, false).await?;
            for (seq, line) in &rows {
                before = *seq;
                let Ok(entry) = serde_json::from_str::<Entry>(line) else {
                    continue;
                };
                if let Some(page) = pager.offer(entry) {
                    return Ok(page);
                }
            }
            if (rows.len() as i64) < BATCH {
                return Ok(pager.finish());
            }
        }
    }
}
