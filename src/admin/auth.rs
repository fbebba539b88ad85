//! Logins: in-memory sessions (a random id in an HttpOnly, SameSite=Strict
//! cookie, with an absolute lifetime and an idle limit; a restart logs
//! everyone out), the CSRF token of each session, and the rate limit on
//! failed logins per account and per client address.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::quarantine::Role;
use crate::quarantine::token::random_bytes;

pub const SESSION_COOKIE: &str = "mugai_session";

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
    created: Instant,
    last_seen: Instant,
}

/// Sessions by id.
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    lifetime: Duration,
    idle: Duration,
}

impl Sessions {
    pub fn new(lifetime: Duration, idle: Duration) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            lifetime,
            idle,
        }
    }

    /// Starts a session for `user`, whose password hash has the
    /// fingerprint `credentials` ([`credentials`]).
    pub fn create(&self, user: &str, role: Role, credentials: String) -> Option<Session> {
        let id = URL_SAFE_NO_PAD.encode(random_bytes::<32>().ok()?);
        let csrf = URL_SAFE_NO_PAD.encode(random_bytes::<32>().ok()?);
        let now = Instant::now();
        let session = Session {
            id: id.clone(),
            user: user.to_string(),
            role,
            credentials,
            csrf,
            created: now,
            last_seen: now,
        };
        let mut map = self.map.lock().ok()?;
        // Drop expired sessions now and then, so the map stays small.
        if map.len() > 1000 {
            map.retain(|_, s| !self.expired(s, now));
        }
        map.insert(id, session.clone());
        Some(session)
    }

    fn expired(&self, s: &Session, now: Instant) -> bool {
        now.duration_since(s.created) > self.lifetime || now.duration_since(s.last_seen) > self.idle
    }

    /// The live session with this id (its idle clock restarts).
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.map.lock().ok()?;
        let now = Instant::now();
        let expired = self.expired(map.get(id)?, now);
        if expired {
            map.remove(id);
            return None;
        }
        let s = map.get_mut(id)?;
        s.last_seen = now;
        Some(s.clone())
    }

    pub fn remove(&self, id: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(id);
        }
    }
}

/// Failed logins in a sliding window, per account and per address.
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    max: usize,
    window: Duration,
}

impl LoginLimiter {
    pub fn new(max: u32, window: Duration) -> LoginLimiter {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
            max: max as usize,
            window,
        }
    }

    fn keys(account: &str, ip: IpAddr) -> [String; 2] {
        [
            format!("user:{}", account.to_lowercase()),
            format!("ip:{}", address_key(ip)),
        ]
    }

    /// False when the account or the address used up its failures.
    pub fn allowed(&self, account: &str, ip: IpAddr) -> bool {
        let Ok(mut map) = self.failures.lock() else {
            return false;
        };
        let now = Instant::now();
        Self::keys(account, ip).iter().all(|key| {
            let Some(times) = map.get_mut(key) else {
                return true;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) > self.window)
            {
                times.pop_front();
            }
            times.len() < self.max
        })
    }

    pub fn failed(&self, account: &str, ip: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 10_000 {
                let now = Instant::now();
                map.retain(|_, t| {
                    t.back()
                        .is_some_and(|t| now.duration_since(*t) <= self.window)
                });
            }
            for key in Self::keys(account, ip) {
                map.entry(key).or_default().push_back(Instant::now());
            }
        }
    }

    /// A successful login clears the account's failures (not the address's).
    pub fn succeeded(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("user:{}", account.to_lowercase()));
        }
    }
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

    #[test]
    fn the_limit_counts_per_account_and_per_address() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limiter.allowed("a", ip));
        limiter.failed("a", ip);
        limiter.failed("a", ip);
        assert!(!limiter.allowed("a", other), "account limit");
        assert!(!limiter.allowed("b", ip), "address limit");
        assert!(limiter.allowed("b", other));
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

    #[test]
    fn sessions_end_when_idle() {
        let sessions = Sessions::new(Duration::from_secs(60), Duration::from_millis(0));
        let s = sessions.create("a", Role::Admin, credentials("h")).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(sessions.get(&s.id).is_none());
    }
}
