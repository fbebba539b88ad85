//! The index's record of PPAP unlocks: each copy delivered with a locked
//! part opened (so a later password mail does not deliver it twice), and
//! the search for the earlier mails a password line may belong to.

use std::time::Duration;

use sqlx::AnyPool;
use sqlx::{AssertSqlSafe, Row};

use super::index::{Index, MESSAGE_COLUMNS, MessageRow, Result, message_row};

/// Most earlier mails a password line is tried on.
const EARLIER: i64 = 10;

/// Wrong passwords for a message's locked parts, per message and
/// recipient, in the `login_failures` table under `unlock:` keys (on the
/// shared database, so the limit holds across nodes).
pub struct UnlockLimiter {
    pool: AnyPool,
    max: i64,
    /// Milliseconds.
    window: i64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl UnlockLimiter {
    pub fn new(index: &Index, max: u32, window: Duration) -> UnlockLimiter {
        UnlockLimiter {
            pool: index.pool().clone(),
            max: i64::from(max),
            window: window.as_millis() as i64,
        }
    }

    fn key(message: &str, recipient: &str) -> String {
        format!("unlock:{message}:{}", recipient.to_lowercase())
    }

    /// Passwords `recipient` may still try on `message` (0 when the count
    /// cannot be read: fail closed).
    pub async fn left(&self, message: &str, recipient: &str) -> i64 {
        let since = now_ms().saturating_sub(self.window);
        let count = sqlx::query("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2")
            .bind(Self::key(message, recipient))
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get::<i64, _>(0));
        match count {
            Ok(count) => (self.max - count).max(0),
            Err(e) => {
                tracing::error!("cannot count wrong passwords: {e}");
                0
            }
        }
    }

    pub async fn failed(&self, message: &str, recipient: &str) {
        let now = now_ms();
        let purged =
            sqlx::query("DELETE FROM login_failures WHERE at <= $1 AND key LIKE 'unlock:%'")
                .bind(now.saturating_sub(self.window))
                .execute(&self.pool)
                .await;
        let counted = sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
            .bind(Self::key(message, recipient))
            .bind(now)
            .execute(&self.pool)
            .await;
        if let Err(e) = purged.and(counted) {
            tracing::error!("cannot count a wrong password: {e}");
        }
    }
}

impl Index {
    /// Records that part `part` of `message_id` was delivered opened to
    /// `recipient` as queue entry `queue_id`.
    pub async fn add_unlock(
        &self,
        message_id: &str,
        part: &str,
        recipient: &str,
        queue_id: &str,
        automatic: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO unlocks (message_id, part, recipient, queue_id, automatic, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(message_id)
        .bind(part)
        .bind(recipient.to_lowercase())
        .bind(queue_id)
        .bind(i64::from(automatic))
        .bind(crate::units::unix_now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Was part `part` of `message_id` delivered opened to `recipient`?
    pub async fn unlocked(&self, message_id: &str, part: &str, recipient: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM unlocks WHERE message_id = $1 AND part = $2 AND recipient = $3 LIMIT 1",
        )
        .bind(message_id)
        .bind(part)
        .bind(recipient.to_lowercase())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Kept mails from `sender` received from `since` up to `until`
    /// (inclusive), newest first, besides `except`: the mails a later
    /// password line may belong to.
    pub async fn earlier_from(
        &self,
        sender: &str,
        since: i64,
        until: i64,
        except: &str,
    ) -> Result<Vec<MessageRow>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender = $1 AND received_at >= $2 AND received_at <= $3 AND id <> $4 AND state <> 'purged' ORDER BY received_at DESC, id DESC LIMIT {EARLIER}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(sender)
            .bind(since)
            .bind(until)
            .bind(except)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(message_row).collect()
    }
}
