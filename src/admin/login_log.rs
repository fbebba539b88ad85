//! The audit lines of failed logins, kept from flooding the log. A
//! password guesser must not be able to write the audit log full (each
//! person's line is fsynced): while the rate limit holds an address back,
//! one `login-limited` line per window says how many attempts it refused;
//! and all failure lines together are capped per minute, the lines held
//! back counted in the next one written. Names are cut to 64 characters
//! by the audit log itself.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::auth::address_key;
use crate::audit::Event;
use crate::quarantine::Quarantine;

/// Failure lines written per minute at most, all addresses together.
const FAILURE_LINES_PER_MINUTE: u32 = 60;

/// Keys a throttle tracks at most.
const MAX_KEYS: usize = 10_000;

/// At most `per_window` lines per key and window; the rest are counted.
pub struct Throttle {
    keys: Mutex<HashMap<String, Slot>>,
    per_window: u32,
    window: Duration,
}

struct Slot {
    started: Instant,
    written: u32,
    /// Held back since the last line written for this key.
    held: u64,
}

impl Throttle {
    pub fn new(per_window: u32, window: Duration) -> Throttle {
        Throttle {
            keys: Mutex::new(HashMap::new()),
            per_window,
            window,
        }
    }

    /// `Some(n)`: write a line now, saying `n` were held back before it;
    /// `None`: hold this one back.
    pub fn hit(&self, key: &str, now: Instant) -> Option<u64> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            keys.retain(|_, s| now.duration_since(s.started) <= self.window);
        }
        // Past the cap, every new key shares one slot: memory stays
        // bounded however many addresses an attacker has.
        let key = if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            "(other)"
        } else {
            key
        };
        let slot = keys.entry(key.to_string()).or_insert(Slot {
            started: now,
            written: 0,
            held: 0,
        });
        if now.duration_since(slot.started) > self.window {
            slot.started = now;
            slot.written = 0;
        }
        if slot.written < self.per_window {
            slot.written += 1;
            Some(std::mem::take(&mut slot.held))
        } else {
            slot.held += 1;
            None
        }
    }
}

/// Where failed logins are recorded.
pub struct LoginLog {
    /// One `login-limited` line per address and limiter window.
    limited: Throttle,
    /// All failure lines together.
    all: Throttle,
}

impl LoginLog {
    pub fn new(limiter_window: Duration) -> LoginLog {
        LoginLog {
            limited: Throttle::new(1, limiter_window),
            all: Throttle::new(FAILURE_LINES_PER_MINUTE, Duration::from_secs(60)),
        }
    }

    /// A wrong name or password.
    pub async fn failed(&self, q: &Quarantine, name: &str, ip: IpAddr) {
        self.write(
            q,
            Event::new("login-failed", name).with("address", ip.to_string()),
        )
        .await;
    }

    /// An attempt the rate limit refused.
    pub async fn limited(&self, q: &Quarantine, name: &str, ip: IpAddr) {
        if let Some(earlier) = self.limited.hit(&address_key(ip), Instant::now()) {
            self.write(
                q,
                Event::new("login-limited", name)
                    .with("address", ip.to_string())
                    .with("refused", earlier + 1),
            )
            .await;
        }
    }

    async fn write(&self, q: &Quarantine, event: Event) {
        if let Some(held) = self.all.hit("all", Instant::now()) {
            let event = if held > 0 {
                event.with("lines_held_back", held)
            } else {
                event
            };
            q.note(event).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_becomes_one_line_per_window_that_counts_the_rest() {
        let throttle = Throttle::new(1, Duration::from_secs(60));
        let start = Instant::now();
        assert_eq!(throttle.hit("a", start), Some(0));
        for _ in 0..1000 {
            assert_eq!(throttle.hit("a", start), None);
        }
        assert_eq!(throttle.hit("b", start), Some(0), "keys are apart");
        let later = start + Duration::from_secs(61);
        assert_eq!(throttle.hit("a", later), Some(1000));
        assert_eq!(throttle.hit("a", later), None);
    }
}
