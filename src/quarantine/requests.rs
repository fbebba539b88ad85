//! Requests for originals and the releases that deliver them, in the
//! index. A decision is a conditional update (`WHERE state = 'pending'`)
//! inside one transaction with the release row it creates, so two
//! approvals at once still release once.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::index::{Index, IndexError, Result, parse_state};
use super::states::{MessageState, ReleaseState, RequestState};

/// One request for an original.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestRow {
    pub id: String,
    pub message_id: String,
    /// The recipient who asked (proved by the link's token).
    pub recipient: String,
    pub reason: String,
    pub requested_at: i64,
    pub state: RequestState,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    /// The decoded Subject of the message asked for (read, not stored).
    pub subject: String,
    /// The tenant of that message (read, not stored).
    pub tenant: String,
}

/// One delivery of an original to one recipient.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReleaseRow {
    /// Also the spool queue id of the released copy.
    pub id: String,
    pub message_id: String,
    pub recipient: String,
    pub released_by: String,
    pub released_at: i64,
    pub request_id: Option<String>,
    pub state: ReleaseState,
}

/// A decision on a request, as the index records it.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub request_id: &'a str,
    pub approve: bool,
    /// Who decided.
    pub by: &'a str,
    pub reason: &'a str,
    pub now: i64,
    /// For an approval: the release to queue.
    pub release: Option<&'a ReleaseRow>,
}

/// The result of trying to decide a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Done,
    /// Someone decided it already (the state, unless a concurrent
    /// decision won the race, and who).
    AlreadyDecided {
        state: Option<RequestState>,
        by: String,
    },
    /// The original is gone: nothing can be released.
    Purged,
    NoSuchRequest,
    /// The decision could not be recorded (audit log); it was not taken.
    NotRecorded(String),
}

const REQUEST_COLUMNS: &str = "id, message_id, recipient, reason, requested_at, state, decided_by, decided_at, decision_reason, \
     COALESCE((SELECT subject FROM messages m WHERE m.id = requests.message_id), '') AS subject, \
     COALESCE((SELECT tenant FROM messages m WHERE m.id = requests.message_id), 'default') AS tenant";
const RELEASE_COLUMNS: &str =
    "id, message_id, recipient, released_by, released_at, request_id, state";

impl Index {
    pub async fn add_request(&self, r: &RequestRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO requests (id, message_id, recipient, reason, requested_at, state) VALUES ($1, $2, $3, $4, $5, 'pending')",
        )
        .bind(&r.id)
        .bind(&r.message_id)
        .bind(&r.recipient)
        .bind(&r.reason)
        .bind(r.requested_at)
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE messages SET state = 'requested' WHERE id = $1 AND state = 'kept'")
            .bind(&r.message_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn request(&self, id: &str) -> Result<Option<RequestRow>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| request_row(&r)).transpose()
    }

    /// Requests of one message, or all with a given state; oldest first.
    pub async fn requests(
        &self,
        message_id: Option<&str>,
        state: Option<RequestState>,
        limit: i64,
    ) -> Result<Vec<RequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE {BY_MESSAGE_AND_STATE} ORDER BY requested_at, id LIMIT $5"
        );
        let rows = by_message_and_state(sql, message_id, state.map(RequestState::as_str))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_row).collect()
    }

    /// The latest decisions, newest first.
    pub async fn recent_decisions(&self, limit: i64) -> Result<Vec<RequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE state <> 'pending' ORDER BY decided_at DESC, id DESC LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_row).collect()
    }

    /// Approves (creating `release`) or rejects a pending request, at once.
    pub async fn decide(
        &self,
        decision: &Decision<'_>,
        audit: &crate::audit::Audit,
        event: crate::audit::Event,
    ) -> Result<Decided> {
        let Decision {
            request_id,
            approve,
            by,
            reason,
            now,
            release,
        } = *decision;
        let mut tx = self.pool.begin().await?;
        let Some(request) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1"
        )))
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(Decided::NoSuchRequest);
        };
        let request = request_row(&request)?;
        if request.state != RequestState::Pending {
            return Ok(Decided::AlreadyDecided {
                state: Some(request.state),
                by: request.decided_by.unwrap_or_default(),
            });
        }
        let state: Option<MessageState> = sqlx::query("SELECT state FROM messages WHERE id = $1")
            .bind(&request.message_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| parse_state(&r))
            .transpose()?;
        if approve && state.is_none_or(|s| s == MessageState::Purged) {
            return Ok(Decided::Purged);
        }
        let new_state = if approve {
            RequestState::Approved
        } else {
            RequestState::Rejected
        };
        let done = sqlx::query(
            "UPDATE requests SET state = $1, decided_by = $2, decided_at = $3, decision_reason = $4 WHERE id = $5 AND state = 'pending'",
        )
        .bind(new_state.as_str())
        .bind(by)
        .bind(now)
        .bind(reason)
        .bind(request_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(Decided::AlreadyDecided {
                state: None,
                by: String::new(),
            });
        }
        if approve {
            let release = release.ok_or_else(|| IndexError::new("approval without a release"))?;
            insert_release(&mut tx, release).await?;
            sqlx::query("UPDATE messages SET state = 'released' WHERE id = $1")
                .bind(&request.message_id)
                .execute(&mut *tx)
                .await?;
        } else {
            // Back to kept unless another request is still pending.
            sqlx::query(
                "UPDATE messages SET state = 'kept' WHERE id = $1 AND state = 'requested' \
                 AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.message_id = $2 AND r.state = 'pending')",
            )
            .bind(&request.message_id)
            .bind(&request.message_id)
            .execute(&mut *tx)
            .await?;
        }
        // The audit line is written while the transaction holds the
        // request (in it, for the table): no line, no decision (the
        // transaction rolls back).
        if let Err(e) = audit.append_in(&mut tx, event).await {
            return Ok(Decided::NotRecorded(e.to_string()));
        }
        tx.commit().await?;
        Ok(Decided::Done)
    }

    /// An admin's direct release (no request).
    pub async fn add_release(&self, release: &ReleaseRow) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_release(&mut tx, release).await?;
        sqlx::query("UPDATE messages SET state = 'released' WHERE id = $1 AND state <> 'purged'")
            .bind(&release.message_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Releases of one message, or all with a given state; oldest first.
    pub async fn releases(
        &self,
        message_id: Option<&str>,
        state: Option<ReleaseState>,
    ) -> Result<Vec<ReleaseRow>> {
        let sql = format!(
            "SELECT {RELEASE_COLUMNS} FROM releases WHERE {BY_MESSAGE_AND_STATE} ORDER BY released_at, id"
        );
        let rows = by_message_and_state(sql, message_id, state.map(ReleaseState::as_str))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(release_row).collect()
    }

    /// Takes queued releases for `node`, at most `limit`, and returns
    /// every release this node holds: those just taken and any it took
    /// before a crash and has not marked since. A release is taken by one
    /// node only: on PostgreSQL the queued rows are locked as they are
    /// chosen and rows another node has locked are skipped (`FOR UPDATE
    /// SKIP LOCKED`), so nodes do not wait on each other; SQLite has one
    /// writer at a time.
    pub async fn claim_releases(&self, node: &str, limit: i64) -> Result<Vec<ReleaseRow>> {
        let choose = if self.is_postgres() {
            "SELECT id FROM releases WHERE state = 'queued' ORDER BY released_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
        } else {
            "SELECT id FROM releases WHERE state = 'queued' ORDER BY released_at, id LIMIT $2"
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE releases SET state = 'claimed', node = $1 WHERE state = 'queued' AND id IN ({choose})"
        )))
        .bind(node)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RELEASE_COLUMNS} FROM releases WHERE state = 'claimed' AND node = $1 ORDER BY released_at, id"
        )))
        .bind(node)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(release_row).collect()
    }

    /// Sets a release's state: spooled, or failed (original unreadable).
    pub async fn mark_release(&self, id: &str, state: ReleaseState) -> Result<()> {
        sqlx::query("UPDATE releases SET state = $1 WHERE id = $2")
            .bind(state.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Optional filters: an empty parameter matches everything.
const BY_MESSAGE_AND_STATE: &str = "($1 = '' OR message_id = $2) AND ($3 = '' OR state = $4)";

/// A query with [`BY_MESSAGE_AND_STATE`] bound as $1..$4.
fn by_message_and_state<'q>(
    sql: String,
    message_id: Option<&str>,
    state: Option<&str>,
) -> super::index::AnyQuery<'q> {
    let m = message_id.unwrap_or("").to_string();
    let s = state.unwrap_or("").to_string();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(m.clone())
        .bind(m)
        .bind(s.clone())
        .bind(s)
}

async fn insert_release(tx: &mut sqlx::Transaction<'_, sqlx::Any>, r: &ReleaseRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO releases (id, message_id, recipient, released_by, released_at, request_id, state) VALUES ($1, $2, $3, $4, $5, $6, 'queued')",
    )
    .bind(&r.id)
    .bind(&r.message_id)
    .bind(&r.recipient)
    .bind(&r.released_by)
    .bind(r.released_at)
    .bind(r.request_id.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn request_row(r: &AnyRow) -> Result<RequestRow> {
    Ok(RequestRow {
        id: r.try_get("id")?,
        message_id: r.try_get("message_id")?,
        recipient: r.try_get("recipient")?,
        reason: r.try_get("reason")?,
        requested_at: r.try_get("requested_at")?,
        state: parse_state(r)?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_reason: r.try_get("decision_reason")?,
        subject: r.try_get("subject")?,
        tenant: r.try_get("tenant")?,
    })
}

fn release_row(r: &AnyRow) -> Result<ReleaseRow> {
    Ok(ReleaseRow {
        id: r.try_get("id")?,
        message_id: r.try_get("message_id")?,
        recipient: r.try_get("recipient")?,
        released_by: r.try_get("released_by")?,
        released_at: r.try_get("released_at")?,
        request_id: r.try_get("request_id")?,
        state: parse_state(r)?,
    })
}
