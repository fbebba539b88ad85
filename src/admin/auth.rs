//! Logins: sessions (a random id in an HttpOnly, SameSite=Strict cookie,
//! with an absolute lifetime and an idle limit), the CSRF token of each
//! session, and the rate limit on failed logins per account and per
//! client address.
//!
//! Both live in the database (`sessions`, `login_failures`), so any node
//! that shares it serves a signed-in person, a restart logs nobody out,
//! and the failure limit counts every node's attempts (an attacker
//! cannot multiply it by spreading over nodes). The table keeps the
//! SHA-256 of a session id, never the id: a copy of the database does
//! not sign anyone in. A database that cannot be reached fails closed:
//! no session is found, no login is allowed.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use crate::quarantine::Role;
use crate::quarantine::token::random_bytes;

pub const SESSION_COOKIE: &str = "mugai_session";

/// A session's idle clock is written at most this often (milliseconds):
/// not one write per page view.
const TOUCH_EVERY_MS: i64 = 30_000;

/// One login.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user: String,
    pub role: Role,
    /// A fingerprint of the account's password hash at login: a new
    /// password (`mugai user passwd`, from any process) ends the session.
    pub credentials: String,
    pub csrf: String,
}

/// Unix milliseconds.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn id_hash(id: &str) -> String {
    crate::sanitize::hex(&Sha256::digest(id.as_bytes()))
}

fn logged(what: &str) -> impl Fn(sqlx::Error) -> sqlx::Error + '_ {
    move |e| {
        tracing::error!("web page: cannot {what}: {e}");
        e
    }
}

/// Sessions, in the `sessions` table.
pub struct Sessions {
    pool: AnyPool,
    lifetime: i64,
    idle: i64,
}

impl Sessions {
    pub fn new(pool: AnyPool, lifetime: Duration, idle: Duration) -> Sessions {
        Sessions {
            pool,
            lifetime: ms(lifetime),
            idle: ms(idle),
        }
    }

    /// Starts a session for `user`, whose password hash has the
    /// fingerprint `credentials` ([`credentials`]).
    pub async fn create(&self, user: &str, role: Role, credentials: String) -> Option<Session> {
        let id = URL_SAFE_NO_PAD.encode(random_bytes::<32>().ok()?);
        let csrf = URL_SAFE_NO_PAD.encode(random_bytes::<32>().ok()?);
        let now = now_ms();
        // Expired sessions go as new ones come (logins are rare).
        sqlx::query("DELETE FROM sessions WHERE created_at < $1 OR last_seen < $2")
            .bind(now.saturating_sub(self.lifetime))
            .bind(now.saturating_sub(self.idle))
            .execute(&self.pool)
            .await
            .map_err(logged("remove expired sessions"))
            .ok()?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_name, role, credentials, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_hash(&id))
        .bind(user)
        .bind(role.as_str())
        .bind(&credentials)
        .bind(&csrf)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(logged("start a session"))
        .ok()?;
        Some(Session {
            id,
            user: user.to_string(),
            role,
            credentials,
            csrf,
        })
    }

    /// The live session with this id (its idle clock restarts).
    pub async fn get(&self, id: &str) -> Option<Session> {
        let hash = id_hash(id);
        let row = sqlx::query(
            "SELECT user_name, role, credentials, csrf, created_at, last_seen FROM sessions WHERE id_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(logged("read a session"))
        .ok()??;
        let created: i64 = row.try_get(4).ok()?;
        let last_seen: i64 = row.try_get(5).ok()?;
        let now = now_ms();
        if now - created > self.lifetime || now - last_seen > self.idle {
            self.remove(id).await;
            return None;
        }
        if now - last_seen > TOUCH_EVERY_MS.min(self.idle / 2) {
            let _ = sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.pool)
                .await
                .map_err(logged("refresh a session"));
        }
        Some(Session {
            id: id.to_string(),
            user: row.try_get(0).ok()?,
            role: Role::parse(&row.try_get::<String, _>(1).ok()?)?,
            credentials: row.try_get(2).ok()?,
            csrf: row.try_get(3).ok()?,
        })
    }

    pub async fn remove(&self, id: &str) {
        let _ = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash(id))
            .execute(&self.pool)
            .await
            .map_err(logged("end a session"));
    }
}

/// Failed logins in a sliding window, per account and per address, in
/// the `login_failures` table.
pub struct LoginLimiter {
    pool: AnyPool,
    max: i64,
    window: i64,
}

impl LoginLimiter {
    pub fn new(pool: AnyPool, max: u32, window: Duration) -> LoginLimiter {
        LoginLimiter {
            pool,
            max: i64::from(max),
            window: ms(window),
        }
    }

    fn keys(account: &str, ip: IpAddr) -> [String; 2] {
        [account_key(account), format!("ip:{}", address_key(ip))]
    }

    /// False when the account or the address used up its failures (or
    /// the count cannot be read).
    pub async fn allowed(&self, account: &str, ip: IpAddr) -> bool {
        let since = now_ms().saturating_sub(self.window);
        for key in Self::keys(account, ip) {
            let count =
                sqlx::query("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2")
                    .bind(&key)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await
                    .and_then(|row| row.try_get::<i64, _>(0))
                    .map_err(logged("count failed logins"));
            match count {
                Ok(count) if count < self.max => {}
                _ => return false,
            }
        }
        true
    }

    pub async fn failed(&self, account: &str, ip: IpAddr) {
        let now = now_ms();
        let _ =
            sqlx::query("DELETE FROM login_failures WHERE at <= $1 AND key NOT LIKE 'unlock:%'")
                .bind(now.saturating_sub(self.window))
                .execute(&self.pool)
                .await
                .map_err(logged("remove old failed logins"));
        for key in Self::keys(account, ip) {
            let _ = sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(&key)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(logged("count a failed login"));
        }
    }

    /// A successful login clears the account's failures (not the address's).
    pub async fn succeeded(&self, account: &str) {
        let _ = sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(account_key(account))
            .execute(&self.pool)
            .await
            .map_err(logged("clear failed logins"));
    }
}

fn account_key(account: &str) -> String {
    format!("user:{}", account.to_lowercase())
}

/// Who an address is, for limits: an IPv4 address, or the /64 network of
/// an IPv6 one (one host can use a whole /64).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The fingerprint of a password hash that a session remembers.
pub fn credentials(password_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::sanitize::hex(&Sha256::digest(password_hash.as_bytes()))
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh SQLite index's pool (the tables come with its schema).
    async fn pool() -> (tempfile::TempDir, AnyPool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("q.db").display());
        let index = crate::quarantine::Index::open(&url).await.unwrap();
        (dir, index.pool().clone())
    }

    #[tokio::test]
    async fn the_limit_counts_per_account_and_per_address() {
        let (_dir, pool) = pool().await;
        let limiter = LoginLimiter::new(pool, 2, Duration::from_secs(60));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limiter.allowed("a", ip).await);
        limiter.failed("a", ip).await;
        limiter.failed("A", ip).await;
        assert!(!limiter.allowed("a", other).await, "account limit");
        assert!(!limiter.allowed("b", ip).await, "address limit");
        assert!(limiter.allowed("b", other).await);
        limiter.succeeded("a").await;
        assert!(limiter.allowed("a", other).await);
    }

    #[test]
    fn an_ipv6_host_is_its_64() {
        let a: IpAddr = "2001:db8:1:2::5".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(
            address_key(a),
            address_key("2001:db8:1:3::5".parse().unwrap())
        );
        assert_eq!(
            address_key("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1"
        );
    }

    #[tokio::test]
    async fn sessions_end_when_idle() {
        let (_dir, pool) = pool().await;
        let sessions = Sessions::new(pool, Duration::from_secs(60), Duration::from_millis(0));
        let s = sessions
            .create("a", Role::Admin, credentials("h"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(sessions.get(&s.id).await.is_none());
    }

    #[tokio::test]
    async fn a_session_is_found_by_its_id_and_the_table_keeps_only_a_hash() {
        let (_dir, pool) = pool().await;
        let sessions = Sessions::new(
            pool.clone(),
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        let s = sessions
            .create("a", Role::Approver, credentials("h"))
            .await
            .unwrap();
        let found = sessions.get(&s.id).await.unwrap();
        assert_eq!(
            (found.user.as_str(), found.role, found.csrf.as_str()),
            ("a", Role::Approver, s.csrf.as_str())
        );
        assert!(sessions.get("not-a-session").await.is_none());
        let stored: String = sqlx::query("SELECT id_hash FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        assert_ne!(stored, s.id);
        sessions.remove(&s.id).await;
        assert!(sessions.get(&s.id).await.is_none());
    }
}
