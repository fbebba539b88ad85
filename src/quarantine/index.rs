//! The quarantine index: one row per kept original (who sent it to whom,
//! its decoded From/To/Subject, size, hash, the `Report` as JSON, the
//! sanitized text and its state), plus the request, release and user
//! tables of the other files of this module.
//!
//! Through sqlx's `Any` driver with portable SQL only (`$n` parameters,
//! TEXT and BIGINT columns, no AUTOINCREMENT, `ON CONFLICT DO NOTHING`),
//! so the same statements run on the embedded SQLite default (WAL,
//! synchronous=FULL: a commit is on disk) and on PostgreSQL.

use std::borrow::Cow;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, AssertSqlSafe, Row, SqlSafeStr};

use super::states::MessageState;
use crate::sanitize::Report;

/// A database failure, in one line.
#[derive(Debug, thiserror::Error)]
#[error("quarantine index: {0}")]
pub struct IndexError(String);

impl From<sqlx::Error> for IndexError {
    fn from(e: sqlx::Error) -> Self {
        IndexError(e.to_string())
    }
}

impl IndexError {
    pub fn new(text: impl Into<String>) -> IndexError {
        IndexError(text.into())
    }
}

pub type Result<T> = std::result::Result<T, IndexError>;

/// The schema, one step per file under `migrations/`, run in order by
/// sqlx's migrator on SQLite and PostgreSQL alike (it records each step
/// with its checksum in `_sqlx_migrations`, and on PostgreSQL holds an
/// advisory lock, so nodes starting together run each step once). A
/// released step is never edited: a database that ran it would refuse
/// the changed file. Changes are new steps.
const MIGRATIONS: [(i64, &str, &str); 4] = [
    (
        1,
        "quarantine index",
        include_str!("../../migrations/0001_quarantine_index.sql"),
    ),
    (
        2,
        "shared by nodes",
        include_str!("../../migrations/0002_cluster.sql"),
    ),
    (
        3,
        "tenants",
        include_str!("../../migrations/0003_tenants.sql"),
    ),
    (
        4,
        "unlocked copies",
        include_str!("../../migrations/0004_unlocks.sql"),
    ),
];

/// The migrator over [`MIGRATIONS`].
fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// The sanitized text kept for the detail page is cut here (and marked
/// with a last line `[…]`): enough to judge a request by, while a long
/// message does not write its whole text into the index again (the
/// recipient has it; the original is kept).
pub const MAX_TEXT: usize = 64 * 1024;

/// The audit lines of a round of rows, given which rows were new.
pub type LinesFor<'a> = dyn Fn(&[bool]) -> Vec<crate::audit::Event> + Send + Sync + 'a;

/// The open index.
#[derive(Clone)]
pub struct Index {
    pub(crate) pool: AnyPool,
    postgres: bool,
}

/// What the pipeline records for a newly kept original.
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub received_at: i64,
    pub sender: &'a str,
    pub recipients: &'a [String],
    pub to: &'a str,
    pub sha256: &'a str,
    pub report: &'a Report,
    pub sanitized_text: &'a str,
    /// The municipality the message belongs to (`default` for none).
    pub tenant: &'a str,
}

/// A new message row, ready to insert (its report and recipients in
/// JSON, its text cut to [`MAX_TEXT`]).
#[derive(Debug, Clone)]
pub struct NewRow {
    pub id: String,
    received_at: i64,
    sender: String,
    recipients: String,
    from: String,
    to: String,
    subject: String,
    size: i64,
    sha256: String,
    outcome: &'static str,
    report: String,
    sanitized_text: String,
    tenant: String,
}

impl NewMessage<'_> {
    /// The row to insert.
    pub fn row(&self) -> Result<NewRow> {
        let json = |e: serde_json::Error| IndexError(e.to_string());
        Ok(NewRow {
            id: self.id.to_string(),
            received_at: self.received_at,
            sender: self.sender.to_string(),
            recipients: serde_json::to_string(self.recipients).map_err(json)?,
            from: self.report.from.clone().unwrap_or_default(),
            to: self.to.to_string(),
            subject: self.report.subject.clone().unwrap_or_default(),
            size: self.report.original_size as i64,
            sha256: self.sha256.to_string(),
            outcome: match self.report.outcome {
                crate::sanitize::Outcome::Refused => "refused",
                _ => "sanitized",
            },
            report: serde_json::to_string(self.report).map_err(json)?,
            sanitized_text: match cut(self.sanitized_text, MAX_TEXT) {
                all if all.len() == self.sanitized_text.len() => all.to_string(),
                part => format!("{part}\n[…]"),
            },
            tenant: self.tenant.to_string(),
        })
    }
}

/// One kept original as the index describes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MessageRow {
    pub id: String,
    pub received_at: i64,
    pub sender: String,
    pub recipients: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub size: i64,
    pub sha256: String,
    /// `sanitized` or `refused`.
    pub outcome: String,
    pub state: MessageState,
    pub purged_at: Option<i64>,
    pub tenant: String,
    #[serde(skip)]
    pub report_json: String,
    #[serde(skip)]
    pub sanitized_text: String,
}

impl MessageRow {
    /// The stored `Report` (None if the row holds something unreadable).
    pub fn report(&self) -> Option<Report> {
        serde_json::from_str(&self.report_json).ok()
    }
}

/// Search criteria for lists (all optional).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<i64>,
    pub rcpt: Option<String>,
    pub subject: Option<String>,
    pub state: Option<MessageState>,
    /// Matches sender, recipients, From, To or Subject.
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
    /// Only this tenant's (a tenant's staff); `None`: every tenant.
    pub tenant: Option<String>,
}

pub(super) const MESSAGE_COLUMNS: &str = "id, received_at, sender, recipients, from_text, to_text, subject, size, sha256, outcome, report, sanitized_text, state, purged_at, tenant";
/// Lists leave out the report and the text (up to 256 KiB a row).
const LIST_COLUMNS: &str = "id, received_at, sender, recipients, from_text, to_text, subject, size, sha256, outcome, '' AS report, '' AS sanitized_text, state, purged_at, tenant";

impl Index {
    /// Opens (creating) the database at `url` and makes sure the tables
    /// exist.
    pub async fn open(url: &str) -> Result<Index> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let cannot_open = |e: sqlx::Error| IndexError(format!("cannot open {}: {e}", redact(url)));
        if !sqlite {
            // One connection first: a wrong address or password is said at
            // once, where the pool would retry it until its timeout.
            use sqlx::Connection;
            sqlx::AnyConnection::connect(url)
                .await
                .map_err(cannot_open)?
                .close()
                .await
                .map_err(cannot_open)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        use sqlx::Executor;
                        // Wait for a writer in another process instead of
                        // failing; FULL: a commit survives power loss.
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(cannot_open)?;
        if sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .fetch_optional(&pool)
                .await?;
        }
        migrator()
            .run(&pool)
            .await
            .map_err(|e| IndexError(format!("cannot bring {} up to date: {e}", redact(url))))?;
        if !sqlite {
            store_chunks_uncompressed(&pool).await?;
        }
        Ok(Index {
            pool,
            postgres: !sqlite,
        })
    }

    /// The schema steps this database has run, in order (each once,
    /// whichever node ran it).
    /// The pool, for the tables kept beside the index (originals, the
    /// audit chain, sessions) when they live in the same database.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database is PostgreSQL (shared by several nodes).
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    pub async fn schema_steps(&self) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Records a kept original; a row that already exists (the same
    /// message retried) is left as it is. True when the row is new.
    pub async fn insert(&self, m: &NewMessage<'_>) -> Result<bool> {
        let inserted = self.insert_rows(std::slice::from_ref(&m.row()?)).await?;
        Ok(inserted.first().copied().unwrap_or(false))
    }

    /// Records several kept originals in one transaction (one commit, one
    /// fsync, however many rows): for each, true when its row is new.
    pub async fn insert_rows(&self, rows: &[NewRow]) -> Result<Vec<bool>> {
        self.insert_rows_with(rows, |_| None, None).await
    }

    /// Inserts `rows` in one transaction; returns which were new. When
    /// originals live in the database, `original(i)` gives the spool
    /// record of row `i`, stored in the same transaction (read one at a
    /// time: a round never holds more than one original). With the audit
    /// chain in the database, `audit` gives the table and the lines to
    /// append, given which rows were new: they commit with the rows (one
    /// commit a round, not two).
    pub async fn insert_rows_with(
        &self,
        rows: &[NewRow],
        mut original: impl FnMut(usize) -> Option<std::io::Result<Vec<u8>>>,
        audit: Option<(&crate::audit::AuditTable, &LinesFor<'_>)>,
    ) -> Result<Vec<bool>> {
        let mut tx = self.pool.begin().await?;
        let mut inserted = Vec::with_capacity(rows.len());
        let now = crate::units::unix_now();
        for (i, r) in rows.iter().enumerate() {
            if let Some(record) = original(i) {
                let record = record.map_err(|e| {
                    IndexError(format!("cannot read the original of {}: {e}", r.id))
                })?;
                super::OriginalTable::put(&mut tx, &r.sha256, &record, now).await?;
            }
            let done = sqlx::query(
                "INSERT INTO messages (id, received_at, sender, recipients, from_text, to_text, subject, size, sha256, outcome, report, sanitized_text, tenant, state) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'kept') ON CONFLICT (id) DO NOTHING",
            )
            .bind(&r.id)
            .bind(r.received_at)
            .bind(&r.sender)
            .bind(&r.recipients)
            .bind(&r.from)
            .bind(&r.to)
            .bind(&r.subject)
            .bind(r.size)
            .bind(&r.sha256)
            .bind(r.outcome)
            .bind(&r.report)
            .bind(&r.sanitized_text)
            .bind(&r.tenant)
            .execute(&mut *tx)
            .await?;
            inserted.push(done.rows_affected() > 0);
        }
        if let Some((table, lines)) = audit {
            table
                .append_in(&mut tx, lines(&inserted))
                .await
                .map_err(|e| IndexError(e.to_string()))?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// One original by quarantine id.
    pub async fn get(&self, id: &str) -> Result<Option<MessageRow>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| message_row(&r)).transpose()
    }

    /// The ids of the messages whose original has this SHA-256 (the
    /// 原本ID a notice shows), newest first; at most 20.
    pub async fn ids_with_sha256(&self, sha256: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT id FROM messages WHERE sha256 = $1 ORDER BY received_at DESC, id DESC LIMIT 20",
        )
        .bind(sha256)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// Originals matching `filter`, newest first, and how many match in all.
    pub async fn list(&self, filter: &Filter) -> Result<(Vec<MessageRow>, i64)> {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let param = |values: &mut Vec<Value>, v: Value| {
            values.push(v);
            format!("${}", values.len())
        };
        if let Some(since) = filter.since {
            let p = param(&mut values, Value::Int(since));
            clauses.push(format!("received_at >= {p}"));
        }
        if let Some(rcpt) = filter.rcpt.as_deref().filter(|s| !s.is_empty()) {
            let p = param(&mut values, Value::Text(like(rcpt)));
            clauses.push(format!("LOWER(recipients) LIKE {p} ESCAPE '\\'"));
        }
        if let Some(subject) = filter.subject.as_deref().filter(|s| !s.is_empty()) {
            let p = param(&mut values, Value::Text(like(subject)));
            clauses.push(format!("LOWER(subject) LIKE {p} ESCAPE '\\'"));
        }
        if let Some(state) = filter.state {
            let p = param(&mut values, Value::Text(state.as_str().to_string()));
            clauses.push(format!("state = {p}"));
        }
        if let Some(tenant) = &filter.tenant {
            let p = param(&mut values, Value::Text(tenant.clone()));
            clauses.push(format!("tenant = {p}"));
        }
        if let Some(text) = filter.text.as_deref().filter(|s| !s.is_empty()) {
            let pattern = like(text);
            let mut ors = Vec::new();
            for column in [
                "sender",
                "recipients",
                "from_text",
                "to_text",
                "subject",
                "id",
                "sha256",
            ] {
                let p = param(&mut values, Value::Text(pattern.clone()));
                ors.push(format!("LOWER({column}) LIKE {p} ESCAPE '\\'"));
            }
            clauses.push(format!("({})", ors.join(" OR ")));
        }
        let where_ = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) AS n FROM messages{where_}");
        let mut count = sqlx::query(AssertSqlSafe(count_sql));
        for v in &values {
            count = v.bind(count);
        }
        let total: i64 = count.fetch_one(&self.pool).await?.try_get("n")?;
        let limit = param(&mut values, Value::Int(filter.limit.clamp(1, 10_000)));
        let offset = param(&mut values, Value::Int(filter.offset.max(0)));
        let sql = format!(
            "SELECT {LIST_COLUMNS} FROM messages{where_} ORDER BY received_at DESC, id DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for v in &values {
            query = v.bind(query);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let rows = rows.iter().map(message_row).collect::<Result<Vec<_>>>()?;
        Ok((rows, total))
    }

    /// Sets a message's state (never once purged).
    pub async fn set_state(&self, id: &str, state: MessageState) -> Result<()> {
        sqlx::query("UPDATE messages SET state = $1 WHERE id = $2 AND state <> 'purged'")
            .bind(state.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Originals received before `before` that may go: not purged yet and
    /// without a pending request. (id, sha256) pairs.
    pub async fn purgeable(&self, before: i64) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT id, sha256 FROM messages WHERE received_at < $1 AND state <> 'purged' \
             AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.message_id = messages.id AND r.state = 'pending') \
             ORDER BY received_at",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("sha256")?)))
            .collect()
    }

    /// Marks an original purged (its row stays, for the audit trail).
    pub async fn mark_purged(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE messages SET state = 'purged', purged_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The hashes of originals purged since `since` (Unix seconds).
    pub async fn purged_since(&self, since: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT sha256 FROM messages WHERE state = 'purged' AND purged_at >= $1",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("sha256")?)).collect()
    }

    /// True when some original not yet purged, or any received since
    /// `recent` (Unix seconds), uses these bytes.
    pub async fn bytes_in_use(&self, sha256: &str, recent: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM messages WHERE sha256 = $1 AND (state <> 'purged' OR received_at >= $2)",
        )
        .bind(sha256)
        .bind(recent)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

/// A parameter of a dynamically built query.
enum Value {
    Int(i64),
    Text(String),
}

pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

impl Value {
    fn bind<'q>(&self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        match self {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.clone()),
        }
    }
}

/// `%text%`, lower case, with LIKE's wildcards escaped.
fn like(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(super) fn message_row(r: &AnyRow) -> Result<MessageRow> {
    let recipients: String = r.try_get("recipients")?;
    Ok(MessageRow {
        id: r.try_get("id")?,
        received_at: r.try_get("received_at")?,
        sender: r.try_get("sender")?,
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        from: r.try_get("from_text")?,
        to: r.try_get("to_text")?,
        subject: r.try_get("subject")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        outcome: r.try_get("outcome")?,
        state: parse_state(r)?,
        purged_at: r.try_get("purged_at")?,
        tenant: r.try_get("tenant")?,
        report_json: r.try_get("report")?,
        sanitized_text: r.try_get("sanitized_text")?,
    })
}

/// PostgreSQL compresses large values (pglz) before storing them; for
/// originals that costs CPU on every message and gains little (mail is
/// mostly base64 already). The chunks are stored as they are. A setting
/// of the column, PostgreSQL's own (SQLite has no such thing), so it is
/// made here rather than in the shared schema steps; checked first, so
/// nodes starting later take no lock for it.
async fn store_chunks_uncompressed(pool: &AnyPool) -> Result<()> {
    let storage: String = sqlx::query(
        "SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'original_chunks'::regclass AND attname = 'data'",
    )
    .fetch_one(pool)
    .await?
    .try_get(0)?;
    if storage != "e" {
        sqlx::query("ALTER TABLE original_chunks ALTER COLUMN data SET STORAGE EXTERNAL")
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// `text` cut to at most `max` bytes on a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

/// The `state` column of a row, as the enum its table uses.
pub(crate) fn parse_state<T: std::str::FromStr<Err = String>>(r: &AnyRow) -> Result<T> {
    let text: String = r.try_get("state")?;
    text.parse().map_err(IndexError::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_with_text(text: &str) -> NewRow {
        let report = Report::new("ab".repeat(32), 10);
        NewMessage {
            id: "M1",
            received_at: 1,
            sender: "s@example.com",
            recipients: &["r@example.lg.jp".to_string()],
            to: "",
            sha256: &"ab".repeat(32),
            report: &report,
            sanitized_text: text,
            tenant: "default",
        }
        .row()
        .unwrap()
    }

    #[test]
    fn a_long_text_is_kept_cut_and_marked_on_a_character_boundary() {
        assert_eq!(row_with_text("short").sanitized_text, "short");
        let long = "日本語".repeat(20_000);
        let kept = row_with_text(&long).sanitized_text;
        assert!(kept.len() <= MAX_TEXT + 5, "{}", kept.len());
        assert!(kept.ends_with("\n[…]"));
        assert!(long.starts_with(kept.trim_end_matches("\n[…]")));
    }

    #[tokio::test]
    async fn a_database_made_before_migrations_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("q.db").display());
        {
            // What earlier versions did at every start: the tables, made
            // directly, with no record of schema steps.
            sqlx::any::install_default_drivers();
            let pool = AnyPoolOptions::new().connect(&url).await.unwrap();
            sqlx::raw_sql(MIGRATIONS[0].2).execute(&pool).await.unwrap();
            // A row as those versions wrote it.
            sqlx::query(
                "INSERT INTO messages (id, received_at, sender, recipients, from_text, to_text, subject, size, sha256, outcome, report, sanitized_text, state) \
                 VALUES ('M1', 1, 's', '[]', '', '', '', 1, 'x', 'sanitized', '{}', 'kept', 'kept')",
            )
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
        let index = Index::open(&url).await.unwrap();
        assert_eq!(index.schema_steps().await.unwrap(), vec![1, 2, 3, 4]);
        let row = index.get("M1").await.unwrap().unwrap();
        assert_eq!(row.sanitized_text, "kept");
        assert_eq!(row.tenant, "default", "old rows belong to the one tenant");
        // A second start runs nothing again.
        drop(index);
        let index = Index::open(&url).await.unwrap();
        assert_eq!(index.schema_steps().await.unwrap(), vec![1, 2, 3, 4]);
    }
}
